"""`tinykit profile`: latency, per-layer latency, memory and output check of
one build, measured on the board that runs it (or in QEMU for an emulated one).

The measurements come in three separate run modes of the firmware, so that
none disturbs another: whole inferences timed alone (`tk-time`), the same
inferences op by op with a counter read between ops (`tk-layers`), and one
inference whose raw outputs are compared with tflite-micro's.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

import tinykit
from tinykit.boards import Board, MacLimit, get_board
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.handoff import read_handoff
from tinykit.ir import Graph
from tinykit.mlperf import InputCrop
from tinykit.profile.client import DeviceClient
from tinykit.profile.document import PROFILE_SCHEMA, clock_meaning
from tinykit.profile.protocol import CycleStats, DeviceInfo, LayerCycles, MemoryReport, cycles_to_ms
from tinykit.verify.compare import compare, random_samples
from tinykit.verify.device import check_build, device_link, firmware_elf, inference_timeout, output_arrays, sample_bytes
from tinykit.verify.tflm import run_tflm

# Per-op timing reads the counter between ops; more than this share of
# difference against the whole-inference figure means the per-layer table
# cannot be trusted (ARCHITECTURE.md: per-layer sums within 5%).
LAYER_SUM_TOLERANCE = 0.05


@dataclass(frozen=True)
class Measurements:
    """What the firmware reported for one build."""

    info: DeviceInfo
    latency: CycleStats
    layers: LayerCycles
    memory: MemoryReport
    outputs: list[bytes]
    link_events: list[str]  # link problems recovered by retrying (a reset, a garbled line)


def _board_of(document: dict, folder: Path) -> Board:
    board = get_board(document["board"])
    if not board.is_cortex_m:
        raise TinykitError(
            f"{folder} was built for the host; profiling needs firmware: build for a board, e.g. "
            f"`tinykit build {folder / document['model']['file']} --board qemu_m7 -o {folder}-m7`, then profile that folder."
        )
    if not firmware_elf(folder, board).exists():
        raise TinykitError(f"{folder} has no firmware ELF ({firmware_elf(folder, board)}); run `tinykit build` for {board.name} again.")
    return board


def measure(url: str, build_hash: str, folder: Path, sample: bytes, runs: int, warmups: int, report: Callable[[str], None],
            inference_seconds: float) -> Measurements:
    """Talk to the firmware at ``url``: check the build, load the sample, warm up, time, time op by op, read memory and
    outputs. ``inference_seconds``: the silence one inference may keep before the firmware counts as hung."""
    with DeviceClient(url, timeout=inference_seconds, boot_timeout=30.0) as device:
        device.wait_ready()
        info = device.info()
        check_build(info, build_hash, url, folder)
        device.load_input(sample)
        started = time.monotonic()
        device.infer(1, warmups, timeout=(warmups + 1) * inference_seconds)
        # Each run prints its record as it ends, so the timeout bounds one
        # inference: give it plenty of room over what the warm-up took.
        per_run = (time.monotonic() - started) / (warmups + 1)
        timeout = max(inference_seconds, 20 * per_run)
        outputs = device.output()
        report(f"timing {runs} whole inferences")
        latency = device.time_inferences(runs, timeout=timeout)
        report(f"timing {runs} inferences op by op ({info.op_count} ops)")
        layers = device.layer_cycles(runs, timeout=timeout)
        memory = device.memory()
        events = list(device.events)
    return Measurements(info, latency, layers, memory, outputs, events)


def _flash_bytes(folder: Path, board: Board) -> int:
    from tinykit.deploy.platformio import size_breakdown

    return size_breakdown(firmware_elf(folder, board), folder).flash


def _macs_run(ops: list[dict], patches: dict | None) -> list[int]:
    """The MACs each op's call runs: its own, except in a patch stage, whose first op's call
    runs the whole stage patch by patch (halos included) and whose other ops' calls run nothing."""
    macs = [op["macs"] for op in ops]
    if patches is not None:
        first, *others = patches["ops"]
        macs[first] = patches["macs"]
        for index in others:
            macs[index] = 0
    return macs


def layer_figures(ops: list[dict], layers: LayerCycles, cpu_hz: int, limit: MacLimit,
                  patches: dict | None = None) -> list[dict]:
    """One entry per op of the hand-off's ``ops``: its kernel, MACs and measured cycles, and its MACs per
    cycle as a share of the core's ``limit``. With a patch stage (the plan's ``patches``) the firmware
    times the stage as one call, its first op's: that row gets the stage's time and MACs, the other
    stage ops none, and each stage row names the stage (``patch_stage``: its first and last op)."""
    medians = layers.medians
    total = sum(medians)
    if len(medians) != len(ops):
        raise TinykitError(f"the firmware timed {len(medians)} ops, the build has {len(ops)}; rebuild and reflash.")
    stage = set(patches["ops"]) if patches is not None else set()
    return [
        {
            "index": op["index"],
            "op": op["kind"],
            "kernel": op["kernel"],
            "variant": op["variant"],
            "scratch_bytes": op["scratch_bytes"],
            "output_shape": op["output_shape"],
            "macs": macs,
            "cycles": cycles,
            "min_cycles": stats.min,
            "max_cycles": stats.max,
            "ms": cycles_to_ms(cycles, cpu_hz),
            "share": cycles / total if total else 0.0,
            "macs_per_cycle": macs / cycles if cycles else 0.0,
            "mac_limit_share": macs / cycles / limit.macs_per_cycle if cycles else 0.0,
            **({"patch_stage": [patches["ops"][0], patches["ops"][-1]]} if op["index"] in stage else {}),
        }
        for op, macs, cycles, stats in zip(ops, _macs_run(ops, patches), medians, layers.per_op)
    ]


def _sample(graph: Graph, crop: InputCrop | None, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A random sample as the firmware loads it and as the model takes it: the same, unless the build crops what it
    is sent (an MLPerf input crop), where the loaded one has the sent shape and the model's is its crop."""
    if crop is None:
        sample = random_samples(graph, 1, seed)[0]
        return sample, sample
    (x,) = graph.inputs
    sent = random_samples(graph, 1, seed, inputs=(replace(x, shape=crop.sent_shape(x)),))[0]
    return sent, [crop.keep(sent[0])]


def profile_build(
    folder: Path, port: str | None = None, runs: int = 20, warmups: int = 3, seed: int = 0,
    report: Callable[[str], None] = lambda _: None,
) -> dict:
    """Profile the build in ``folder`` on its board (``port``: any pyserial URL of
    a flashed real board; without it an emulated board runs in QEMU). Returns
    the profile as plain JSON values (schema ``tinykit-profile/1``)."""
    if runs < 1:
        raise TinykitError(f"--runs must be at least 1, got {runs}.")
    if warmups < 0:
        raise TinykitError(f"--warmup must be 0 or more, got {warmups}.")
    document = read_handoff(folder)
    board = _board_of(document, folder)
    tflite = folder / document["model"]["file"]
    graph = read_tflite(tflite)
    sent, sample = _sample(graph, InputCrop.from_handoff(document["mlperf"]), seed)
    where = port or f"QEMU ({board.qemu_machine})"
    report(f"profiling {folder} on {board.name} via {where}")
    with device_link(folder, board, port) as url:
        measured = measure(url, document["build_hash"], folder, sample_bytes(graph, sent), runs, warmups, report,
                           inference_timeout(graph))
    # The firmware ran the sample 1 + warmups times before its outputs were read: a model with state (an
    # LSTM's, kept across invocations as in tflite-micro) answers as tflite-micro does on that invocation.
    reference = run_tflm(tflite.read_bytes(), [sample] * (1 + warmups if graph.state else 1))[-1]
    _, mismatches, _ = compare([reference], [output_arrays(graph, measured.outputs)])

    info, memory, hz = measured.info, measured.memory, measured.info.cpu_hz
    layers = layer_figures(document["ops"], measured.layers, hz, board.mac_limit, document["plan"].get("patches"))
    return {
        "schema": PROFILE_SCHEMA,
        "tinykit_version": tinykit.__version__,
        "model": document["model"]["name"],
        "board": board.name,
        "link": port or "qemu",
        "build_hash": info.build_hash,
        "clock": info.clock_source,
        "clock_meaning": clock_meaning(info.clock_source),
        "cpu_hz": hz,
        "runs": runs,
        "warmups": warmups,
        "latency_cycles": measured.latency.median,
        "latency_ms": measured.latency.median_ms(hz),
        "latency": {
            "median_cycles": measured.latency.median,
            "min_cycles": measured.latency.min,
            "max_cycles": measured.latency.max,
            "median_ms": measured.latency.median_ms(hz),
            "min_ms": cycles_to_ms(measured.latency.min, hz),
            "max_ms": cycles_to_ms(measured.latency.max, hz),
            "cycles": list(measured.latency.cycles),
        },
        "mac_limit": asdict(board.mac_limit),
        "layers": layers,
        "layers_cycles_sum": sum(layer["cycles"] for layer in layers),
        "layers_vs_latency": sum(layer["cycles"] for layer in layers) / max(measured.latency.median, 1.0),
        "total_macs": document["total_macs"],
        "memory": {
            "arena": memory.arena,
            "state": document["memory"]["state_bytes"],
            "stack_peak": memory.stack_used,
            "stack_reserve": memory.stack_reserve,
            "static": memory.static,
            "total_ram": memory.static + memory.stack_used,
            "flash": _flash_bytes(folder, board),
            "ram_budget": board.sram_bytes,
            "flash_budget": board.flash_bytes,
        },
        "outputs_match": mismatches == 0,
        "link_events": measured.link_events,
        "output_mismatches": mismatches,
        "plan": document["plan"],
    }

