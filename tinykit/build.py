"""`tinykit build`: model file -> int8 .tflite -> IR -> kernels -> plan -> C -> (host binary).

Each stage is a function from one plain value to the next; this module only
strings them together and writes what each produced into the build folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Callable

from tinykit.boards import get_board
from tinykit.codegen.generator import generate
from tinykit.codegen.runtime import copy_runtime
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.handoff import FILE_NAME as HANDOFF_FILE, build_hash, handoff, write_handoff
from tinykit.ir import Graph
from tinykit.mlperf import MlperfSetting, resolve
from tinykit.planner import MemoryPlan, plan_graph
from tinykit.planner.kernel_choice import memory_aware_kernels
from tinykit.planner.patch_choice import check_max_recompute, choose_patches
from tinykit.schedule.patches import patch_stage
from tinykit.schedule import Schedule

HOST_BOARD = "host"
INT8_MODEL_FILE = "model.tflite"


@dataclass(frozen=True)
class CompiledModel:
    """What `build` produced in its output folder."""

    folder: Path
    tflite: Path
    graph: Graph
    schedule: Schedule
    plan: MemoryPlan
    weights_bytes: int
    build_hash: str
    conversion: object | None  # tinykit.frontend.convert.ConversionReport when a float model was converted
    mlperf: MlperfSetting
    firmware: object | None = None  # tinykit.deploy.platformio.BuildResult for a Cortex-M board


def is_tflite(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".tflite"


def int8_model(model: Path, folder: Path, data: Path | None, random_calibration: bool) -> tuple[Path, object | None]:
    """The int8 .tflite for ``model``: the file itself, or a conversion of a float model."""
    if not model.exists():
        raise TinykitError(f"{model}: no such file or folder. Give a .tflite, .keras or .h5 file, or a SavedModel folder.")
    if model.is_dir() and (model / HANDOFF_FILE).is_file():
        raise TinykitError(
            f"{model} is a tinykit build folder, not a model. Give the model it was built from, or the build's copy "
            f"of it ({model / INT8_MODEL_FILE}); `tinykit profile {model}` measures the build itself."
        )
    target = folder / INT8_MODEL_FILE
    if is_tflite(model):
        if data is not None or random_calibration:
            raise TinykitError(
                f"{model} is already a .tflite model, so there is nothing to calibrate: drop --data/--calibration, "
                "or give the float Keras/SavedModel model to have tinykit convert it."
            )
        if model.resolve() != target.resolve():
            shutil.copyfile(model, target)
        return target, None
    from tinykit.frontend.convert import convert_to_int8

    # convert reads the calibration file against the model it loads: loading a float model is slow.
    report = convert_to_int8(model, data, target, random_calibration=random_calibration)
    return target, report


def schedule_for(tflite: Path, board: str, kernels: str = "auto", max_recompute: float = 0.0) -> Schedule:
    """The kernels (and patch stage) a build of ``tflite`` for ``board`` uses (what its build hash covers)."""
    graph = read_tflite(tflite)
    return choose_patches(graph, memory_aware_kernels(graph, get_board(board).features, kernels), max_recompute)


def compile_tflite(
    tflite: Path, folder: Path, board: str, source_name: str, kernels: str = "auto",
    features: Iterable[str] | None = None, mlperf_id: str | None = None, origin: Path | None = None,
    planner: Callable[[Graph, Schedule], MemoryPlan] = plan_graph, max_recompute: float = 0.0,
    patches: tuple[Sequence[int], tuple[int, int]] | None = None,
) -> CompiledModel:
    """Read, select kernels, plan and generate C for an int8 .tflite into ``folder``.

    ``kernels`` is "auto" (the fastest variants the board's ISA features allow,
    but a slower one where it makes the arena smaller: ``memory_aware_kernels``)
    or "reference" (the portable kernels). ``features`` replaces the board's
    ISA features: the tests build the cortexm/ twins for the host this way
    (with portable definitions of the intrinsics). ``mlperf_id`` is MLPerf
    Tiny's benchmark id (None: inferred from the model's shapes). ``origin``
    is the user's file when ``tflite`` is the build folder's copy of it, so
    that a message about a bad model names the file the user gave.
    ``planner`` places the buffers (tests pass hand-made placements).
    ``max_recompute`` lets the first ops run patch by patch where that makes
    the arena smaller (``tinykit.planner.patch_choice``); ``patches`` (op
    indices, grid) forces that patch stage instead (tests)."""
    graph = read_tflite(tflite, shown_as=origin)
    graph = Graph(name=_c_name(folder.name), tensors=graph.tensors, ops=graph.ops, inputs=graph.inputs, outputs=graph.outputs)
    mlperf = resolve(graph, mlperf_id)
    schedule = memory_aware_kernels(graph, get_board(board).features if features is None else features, kernels)
    if patches is not None:
        stage = replace(patch_stage(graph, *patches), arena_without=planner(graph, schedule).arena_bytes)
        schedule = replace(schedule, patches=stage)
    else:
        schedule = choose_patches(graph, schedule, max_recompute)
    plan = planner(graph, schedule)
    model_bytes = tflite.read_bytes()
    digest = build_hash(model_bytes, board, schedule)
    sources = generate(graph, schedule, plan, source=source_name, build_hash=digest, mlperf=mlperf)
    sources.write(folder / "src")
    copy_runtime(folder / "lib" / "tinykit_runtime", schedule)
    write_handoff(handoff(graph, schedule, plan, board, digest, sources.weights_bytes, INT8_MODEL_FILE, mlperf), folder)
    (folder / "memory_plan.txt").write_text(plan.render() + "\n")
    return CompiledModel(folder, tflite, graph, schedule, plan, sources.weights_bytes, digest, None, mlperf)


def _c_name(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    return cleaned or "model"


def build(
    model: Path, folder: Path, board: str = HOST_BOARD, data: Path | None = None, random_calibration: bool = False,
    progress: Callable[[str], None] = lambda _: None, kernels: str = "auto", mlperf_id: str | None = None,
    app: str = "profiler", max_recompute: float = 0.0,
) -> CompiledModel:
    """The whole build: generated C, then a host binary or a firmware image for the board.
    ``kernels="reference"`` forces the portable reference kernels on any board;
    ``app`` is the firmware app under firmware/apps/ built around the model;
    ``max_recompute`` allows a patch stage (``compile_tflite``)."""
    target = get_board(board)  # an unknown board is refused before any slow work
    check_max_recompute(max_recompute)
    folder.mkdir(parents=True, exist_ok=True)
    tflite, report = int8_model(model, folder, data, random_calibration)
    compiled = compile_tflite(tflite, folder, target.name, source_name=model.name, kernels=kernels, mlperf_id=mlperf_id,
                              origin=model if is_tflite(model) else None, max_recompute=max_recompute)
    firmware = None
    if target.is_cortex_m:
        from tinykit.budget import check_fits
        from tinykit.deploy.apps import app_manifest
        from tinykit.deploy.platformio import run_build
        from tinykit.deploy.project import write_project

        crop = compiled.mlperf.input_crop
        check_fits(compiled.graph, compiled.plan, compiled.weights_bytes, target, app_manifest(app).ram_bytes,
                   None if crop is None else crop.sent_bytes)
        write_project(folder, target, app=app)
        progress(f"building the {app} firmware for {target.name} with PlatformIO (offline)")
        firmware = run_build(folder, progress)
    else:
        from tinykit.verify.host import build_host

        build_host(folder)
    return CompiledModel(**{**compiled.__dict__, "conversion": report, "firmware": firmware})
