"""Build (or reuse) a model's build folder and compare it with TF Lite Micro."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tinykit.boards import Board, get_board
from tinykit.build import HOST_BOARD, INT8_MODEL_FILE, build, is_tflite, schedule_for
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.errors import TinykitError
from tinykit.handoff import FILE_NAME, build_hash, read_handoff
from tinykit.mlperf import InputCrop
from tinykit.verify.device import device_link, firmware_elf, run_on_device
from tinykit.verify.compare import VerifyResult, compare, data_samples, random_samples
from tinykit.verify.host import build_host, run_host
from tinykit.verify.tflm import run_tflm, tflm_arena


def _reusable(model: Path, folder: Path, board: Board, kernels: str, max_recompute: float) -> bool:
    """True when ``folder`` already holds the build of this exact .tflite for this board, kernels and patch stage."""
    handoff = folder / FILE_NAME
    if not (is_tflite(model) and handoff.exists() and (folder / INT8_MODEL_FILE).exists()):
        return False
    if board.is_cortex_m and not firmware_elf(folder, board).exists():
        return False
    try:
        recorded = read_handoff(folder).get("build_hash")
    except TinykitError:
        return False  # another schema version: rebuild rather than refuse
    return recorded == build_hash(model.read_bytes(), board.name, schedule_for(model, board.name, kernels, max_recompute))


def verify_model(
    model: Path, folder: Path, board: str = HOST_BOARD, samples: int = 100, data: Path | None = None,
    seed: int = 0, report: Callable[[str], None] = lambda _: None, port: str | None = None, kernels: str = "auto",
    max_recompute: float = 0.0,
) -> VerifyResult:
    target = get_board(board)
    if _reusable(model, folder, target, kernels, max_recompute):
        report(f"reusing the build in {folder}")
        tflite = folder / INT8_MODEL_FILE
    else:
        report(f"building {model} for {target.name} into {folder}")
        tflite = build(
            model, folder, board=target.name, data=data if not is_tflite(model) else None, progress=report, kernels=kernels,
            max_recompute=max_recompute,
        ).tflite
    graph = read_tflite(tflite)
    inputs = random_samples(graph, samples, seed)
    if data is not None:
        inputs += data_samples(graph, data)
    model_bytes = tflite.read_bytes()
    handoff = read_handoff(folder)
    if target.is_cortex_m:
        where = port or f"QEMU ({target.qemu_machine})"
        report(f"running {len(inputs)} samples on {target.name} via {where} and in tflite-micro")
        crop = InputCrop.from_handoff(handoff["mlperf"])
        # A build that crops what MLPerf's runner sends (a kws deploy of a searched resolution) is sent each input
        # inside the sent shape.
        loaded = inputs if crop is None else [[crop.pad(x) for x in sample] for sample in inputs]
        with device_link(folder, target, port) as url:
            ours = run_on_device(url, graph, loaded, handoff["build_hash"])
    else:
        report(f"running {len(inputs)} samples through the generated code and tflite-micro")
        ours = run_host(build_host(folder, shared_library=False), graph, inputs)
    reference = run_tflm(model_bytes, inputs, macs_per_sample=graph.macs())
    compared, mismatched, examples = compare(reference, ours)
    return VerifyResult(
        model=str(model), board=target.name, samples=len(inputs), compared_bytes=compared, mismatches=mismatched,
        arena_bytes=handoff["memory"]["arena_bytes"], tflm_arena=tflm_arena(model_bytes), examples=examples,
    )
