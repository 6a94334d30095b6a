"""`tinykit calibrate`: profile the calibration networks on a board, layer by
layer, and fit its latency model (``tinykit.latency.model``); measure its flash
model (``tinykit.latency.resources``: each kernel source's bytes and the
constant rest, from the builds' linker maps).

Every network goes through the real path: tinykit's converter, `tinykit
build` for the board, then `tinykit profile` (QEMU for an emulated board, the
serial port of a flashed real board otherwise), so the model is fitted on
exactly what a user's build runs. Networks are split into a fitting set and a
held-out set; the held-out error is part of the model's provenance.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

import tinykit
from tinykit.boards import Board, get_board
from tinykit.build import build
from tinykit.errors import TinykitError
from tinykit.kws.progress import Bar, no_bar
from tinykit.latency.calibration_set import (DEFAULT_NETWORKS, HELD_OUT, MILLI_RESULTS_ID, MSE_RESULTS_ID, autoencoder,
                                             keyword_classifier, network)
from tinykit.latency.features import op_features
from tinykit.latency.model import LATENCY_SCHEMA, LatencyModel, Sample, fit
from tinykit.latency.resources import FlashModel, FlashObservation, fit_flash, flash_observation
from tinykit.profile.measure import profile_build

# Instruction-counted QEMU repeats itself exactly; a real board's caches and
# interrupts vary a little, so more runs there (the profiler takes the median).
RUNS = {"emulated": 1, "real": 5}


@dataclass(frozen=True)
class Profiled:
    """One calibration network as built and measured."""

    name: str
    samples: list[Sample]
    latency_cycles: float  # whole inference, median
    layers_cycles: float  # the sum of its per-layer medians
    flash: FlashObservation


def tinykit_commit() -> str:
    """The git commit of the tinykit sources doing the calibration ("unknown" outside a checkout)."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(tinykit.__file__).parent, capture_output=True,
                                text=True, timeout=10, check=True)
        return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def network_tflites(work: Path, networks: int, bar: Bar = no_bar) -> list[Path]:
    """The calibration networks as int8 .tflite files under ``work`` (converted once; the same for every board)."""
    paths = []
    with bar(networks, "converting the calibration networks to int8") as advance:
        for seed in range(networks):
            paths.append(_converted(partial(network, seed), work / f"network{seed:02d}" / f"calibration_{seed:02d}.tflite"))
            advance(1)
    return paths


def _converted(make_model: Callable[[], Any], tflite: Path) -> Path:
    """The Keras model ``make_model`` gives as the int8 ``tflite`` (converted once, with random calibration data)."""
    from tinykit.frontend.convert import convert_to_int8

    if not tflite.is_file():
        tflite.parent.mkdir(parents=True, exist_ok=True)
        keras_path = tflite.parent / "model.keras"
        make_model().save(keras_path)
        convert_to_int8(keras_path, None, tflite, random_calibration=True)
    return tflite


def results_observations(work: Path, board: Board) -> list[FlashObservation]:
    """Flash of builds that print MLPerf Tiny's results, so that the flash model measures the runtime
    sources computing them (linked only by such models): a small keyword classifier as kws01 prints its
    scores in thousandths, and a small autoencoder as ad01 prints its anomaly score. Built, not profiled."""
    folder = work / "results"
    builds = [(_converted(keyword_classifier, folder / "keywords.tflite"), MILLI_RESULTS_ID),
              (_converted(autoencoder, folder / "autoencoder.tflite"), MSE_RESULTS_ID)]
    return [flash_observation(build(tflite, folder / f"{board.name}-{mlperf_id}", board=board.name, mlperf_id=mlperf_id))
            for tflite, mlperf_id in builds]


def profile_tflite(tflite: Path, folder: Path, board: Board, port: str | None,
                   report: Callable[[str], None] = lambda _: None) -> Profiled:
    """Build and profile an int8 .tflite on ``board`` (flashing it first on a real board)."""
    compiled = build(tflite, folder, board=board.name)
    if port is not None:
        from tinykit.deploy.flash import flash

        flash(folder, board, report)
    profile = profile_build(folder, port=port, runs=RUNS[board.kind], warmups=0 if board.kind == "emulated" else 1)
    if not profile["outputs_match"]:
        raise TinykitError(f"{folder}: the board's outputs differ from tflite-micro's; a kernel is wrong, calibration stops.")
    samples = [Sample(op_features(op, compiled.schedule.op(op)), float(layer["cycles"]))
               for op, layer in zip(compiled.graph.ops, profile["layers"], strict=True)]
    return Profiled(tflite.stem, samples, float(profile["latency_cycles"]), float(profile["layers_cycles_sum"]),
                    flash_observation(compiled))


def fit_profiles(board: Board, profiled: list[Profiled], held_out: list[Profiled],
                 results: list[FlashObservation]) -> tuple[LatencyModel, FlashModel]:
    """The latency and flash models from the fitting networks (the flash model also from ``results``,
    ``results_observations``); their errors on ``held_out`` go into the provenance."""
    samples = [s for p in profiled for s in p.samples]
    overhead = statistics.median((p.latency_cycles - p.layers_cycles) / len(p.samples) for p in profiled)
    provenance = {"tinykit_commit": tinykit_commit(), "tinykit_version": tinykit.__version__,
                  "networks": [p.name for p in profiled], "layers": len(samples), "held_out": [p.name for p in held_out]}
    model = fit(board.name, samples, overhead, provenance)
    errors = [relative_error(predicted_cycles(model, p.samples), p.latency_cycles) for p in held_out]
    if errors:
        provenance["held_out_relative_errors"] = [round(e, 4) for e in errors]
    return model, fit_flash(board.name, [p.flash for p in profiled + held_out] + results)


def predicted_cycles(model: LatencyModel, samples: list[Sample]) -> float:
    return sum(model.op_cycles(s.features)[0] for s in samples)


def relative_error(predicted: float, measured: float) -> float:
    return abs(predicted - measured) / measured


def calibrate(board_name: str, work: Path, port: str | None = None, networks: int = DEFAULT_NETWORKS,
              flash_only: bool = False, bar: Bar = no_bar, report: Callable[[str], None] = lambda _: None) -> dict:
    """Build the calibration networks for the board (under ``work``), profile them (in QEMU, or on the
    flashed board at ``port``) unless ``flash_only``, and fit its models: the JSON document `calibrate` writes."""
    board = get_board(board_name)
    if not board.is_cortex_m:
        raise TinykitError("the host has no latency model: calibrate a Cortex-M board (`tinykit boards` lists them).")
    if port is None and board.kind != "emulated" and not flash_only:
        raise TinykitError(f"{board.name} is a real board: connect it and give its serial port, e.g. "
                           f"`tinykit calibrate --board {board.name} --port /dev/ttyACM0` (each network is flashed, then "
                           "profiled), or fit only its flash model from builds with --flash-only.")
    if networks <= HELD_OUT:
        raise TinykitError(f"--networks must be more than {HELD_OUT} (that many are held out to measure the fit), got {networks}.")
    tflites = network_tflites(work, networks, bar)
    if flash_only:
        observations = []
        with bar(networks, f"building the calibration networks for {board.name}") as advance:
            for tflite in tflites:
                observations.append(flash_observation(build(tflite, tflite.parent / board.name, board=board.name)))
                advance(1)
        flash = fit_flash(board.name, observations + results_observations(work, board))
        return {"schema": LATENCY_SCHEMA, "board": board.name, "flash": flash.to_json(),
                "provenance": {"tinykit_commit": tinykit_commit(), "tinykit_version": tinykit.__version__,
                               "networks": [t.stem for t in tflites]}}
    profiled = []
    with bar(networks, f"profiling the calibration networks on {board.name}") as advance:
        for tflite in tflites:
            profiled.append(profile_tflite(tflite, tflite.parent / board.name, board, port, report))
            advance(1)
    latency, flash = fit_profiles(board, profiled[:-HELD_OUT], profiled[-HELD_OUT:],
                                  results_observations(work, board))
    return {**latency.to_json(), "flash": flash.to_json()}


def write_models(document: dict, path: Path) -> None:
    """The board's models as `calibrate` writes them (no timestamps: the same profiles give the same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
