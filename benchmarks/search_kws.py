"""The architecture search against the keyword-spotting example's DS-CNN on qemu_m7, written as JSON.

    .venv/bin/python -m benchmarks.search_kws --data data/kws [--reference out/kws] [--search out/search]
                                              [--seed 0] [-o FILE]

The reference is what `tinykit kws train --data DATA -o REFERENCE` makes (it
is trained first when REFERENCE holds no finished run). The search then runs
as `tinykit search --board qemu_m7 --task kws` with the reference's own
predicted latency and SRAM as its budgets (SRAM rounded down to whole KiB,
so never looser), unless SEARCH already holds a finished search, which is
read as it is (its settings must be those budgets). Both int8 models are
then built for qemu_m7, profiled in QEMU (-icount: retired instructions,
deterministic) and scored on the data set's test split (held-out voices) in
tflite-micro. Reported: each model's test accuracy (float and int8), its
profiled latency, built arena, SRAM and flash; the search's wall time and
this process's CPU time per stage where this run did the work; and whether
the searched model beats the reference at equal or lower latency and SRAM,
or by how much it falls short. A measurement, not a test: nothing here
passes or fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.environment import environment
from benchmarks.models import ROOT
from tinykit.build import build
from tinykit.errors import TinykitError
from tinykit.latency.estimate import estimate_file
from tinykit.profile.measure import profile_build

SCHEMA = "tinykit-bench-search-kws/1"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "search_kws.json"
BOARD = "qemu_m7"


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _timed(work: Callable[[], Any]) -> tuple[Any, dict]:
    """``work()``'s result, and its wall time and the CPU time of this process and its finished children."""
    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    wall, used = time.perf_counter(), cpu()
    result = work()
    return result, {"wall_seconds": round(time.perf_counter() - wall, 1), "cpu_seconds": round(cpu() - used, 1)}


def _train_reference(data: Path, folder: Path, seed: int) -> dict | None:
    """Train the reference unless ``folder`` holds a finished run; the time it took, else None."""
    if (folder / "model.tflite").is_file():
        _progress(f"reference: the finished training run in {folder}")
        return None
    from tinykit.kws.train import train

    _progress(f"reference: training the keyword-spotting example's DS-CNN into {folder}")
    _, took = _timed(lambda: train(data, folder, seed=seed, report=_progress))
    return took


def _run_search(data: Path, folder: Path, budgets: dict, seed: int) -> dict | None:
    """Run (or resume) the search into ``folder`` with ``budgets``; the time it took, or None when ``folder``
    already held a finished search."""
    from tinykit.search.run import search

    finished = (folder / "summary.json").is_file()
    _progress(f"search: {'the finished search in' if finished else 'searching into'} {folder} with {budgets}")
    _, took = _timed(lambda: search(data, folder, BOARD, "kws", sram_kb=budgets["sram_kb"],
                                    latency_ms=budgets["latency_ms"], seed=seed, report=_progress))
    return None if finished else took


def _test_accuracy(model_keras: Path, model_tflite: Path, features: np.ndarray, labels: np.ndarray) -> dict:
    from tinykit.kws.evaluate import int8_predictions
    from tinykit.kws.train import keras_quietly

    model = keras_quietly().models.load_model(model_keras, compile=False)
    float_predicted = np.argmax(model.predict(features, batch_size=256, verbose=0), axis=-1)
    int8_predicted = int8_predictions(model_tflite, features)
    return {"float_accuracy": float(np.mean(float_predicted == labels)),
            "int8_accuracy": float(np.mean(int8_predicted == labels))}


def _built_and_profiled(tflite: Path, folder: Path) -> dict:
    """The model built for the board (sizes from the firmware) and profiled once in QEMU."""
    compiled = build(tflite, folder, board=BOARD)
    profile = profile_build(folder, runs=1, warmups=0)
    predicted = estimate_file(tflite, BOARD)["boards"][0]
    return {"macs": int(profile["total_macs"]),
            "latency_ms": profile["latency_ms"], "latency_cycles": profile["latency_cycles"],
            "predicted_latency_ms": predicted["latency_ms"],
            "arena_bytes": compiled.plan.arena_bytes, "weights_bytes": compiled.firmware.sizes.weights,
            "sram_bytes": compiled.firmware.sizes.sram, "flash_bytes": compiled.firmware.sizes.flash,
            "outputs_match_tflite_micro": profile["outputs_match"]}


def measure(data: Path, reference: Path, searched: Path, seed: int, work: Path) -> dict:
    from tinykit.kws.dataset import load_speech_commands
    from tinykit.kws.features import crop_features, mfcc_clips

    reference_training = _train_reference(data, reference, seed)
    predicted = estimate_file(reference / "model.tflite", BOARD)["boards"][0]
    # The latency rounded down to 0.1 ms (as a user gives it), so the search's budgets are never looser.
    budgets = {"latency_ms": math.floor(10 * predicted["latency_ms"]) / 10, "sram_kb": predicted["sram_bytes"] / 1024}
    search_time = _run_search(data, searched, budgets, seed)
    summary = json.loads((searched / "summary.json").read_text())
    resolution = tuple(summary["space"]["resolution"])

    testing = load_speech_commands(data, seed=seed, splits=("testing",)).testing
    features = mfcc_clips(testing.audio)
    rows = {}
    for name, keras_file, tflite, model_features in (
            ("reference_ds_cnn", reference / "model.keras", reference / "model.tflite", features),
            ("searched", searched / "best.keras", searched / "best.tflite", crop_features(features, resolution))):
        _progress(f"{name}: test split, build and QEMU profile")
        rows[name] = {**_test_accuracy(keras_file, tflite, model_features, testing.labels),
                      **_built_and_profiled(tflite, work / name)}
    rows["searched"]["resolution"] = list(resolution)
    rows["searched"]["chosen"] = summary["chosen"]
    ref, found = rows["reference_ds_cnn"], rows["searched"]
    within = found["latency_ms"] <= ref["latency_ms"] and found["sram_bytes"] <= ref["sram_bytes"]
    gain = found["int8_accuracy"] - ref["int8_accuracy"]
    return {
        "schema": SCHEMA,
        "environment": environment(),
        "board": BOARD,
        "data": str(data),
        "test_clips": int(len(testing.labels)),
        "seed": seed,
        "budgets": budgets,
        "reference_training": reference_training,
        "search_time": search_time,
        "models": rows,
        "searched_within_reference_latency_and_sram": within,
        "int8_accuracy_gain_points": round(100 * gain, 2),
        "verdict": (f"the searched model {'beats' if gain > 0 else 'falls short of'} the DS-CNN by "
                    f"{abs(100 * gain):.2f} points of int8 test accuracy, "
                    f"{'within' if within else 'NOT within'} its profiled latency and built SRAM"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a keyword-spotting set (`tinykit kws data`)")
    parser.add_argument("--reference", type=Path, default=ROOT / "build" / "bench-search" / "reference",
                        help="`tinykit kws train` output folder (trained first when it holds no finished run)")
    parser.add_argument("--search", type=Path, default=ROOT / "build" / "bench-search" / "search",
                        help="`tinykit search` output folder (searched first, or resumed, when unfinished)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        document = measure(args.data, args.reference, args.search, args.seed, ROOT / "build" / "bench-search" / "builds")
    except TinykitError as error:  # bad data, a foreign or damaged output folder: the message says what to do
        print(f"bench: {error}", file=sys.stderr)
        return 2
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    _progress(document["verdict"])
    _progress(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
