"""The latency model's error on networks it was not fitted on, and how fast
estimates are, written as JSON.

    .venv/bin/python -m benchmarks.latency_model [--board qemu_m7] [--mlperf-tiny DIR] [--models NAME ...] [-o FILE]

Each model (MLPerf Tiny's trained reference models with --mlperf-tiny, else
the zoo's) is estimated (`tinykit estimate`'s function), then built and
profiled in QEMU (-icount shift=0: retired instructions, deterministic). The
calibration networks never include these models. Reported per model: the
predicted and profiled whole-inference cycles and their relative error, and
the predicted against the built arena, flash and SRAM; overall the median
and worst latency errors; then estimates per second on one core, whole
(kernel choice as `tinykit build` makes it) and with the kernel choice given
(what a search that keeps schedules pays). A measurement, not a test: nothing
here passes or fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.cortexm import MLPERF_TINY, resolve_models
from benchmarks.environment import environment
from benchmarks.models import DEFAULT_MODELS, ROOT
from tinykit.boards import get_board
from tinykit.build import build
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.latency.estimate import estimate_graph, predict_latency
from tinykit.latency.model import load_latency
from tinykit.latency.resources import build_schedule, load_flash, predict_resources
from tinykit.profile.measure import profile_build

SCHEMA = "tinykit-bench-latency-model/1"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "latency_model.json"
DEFAULT_BUILD_DIR = ROOT / "build" / "bench-latency"
# Seconds each speed measurement repeats estimates for.
SPEED_SECONDS = 3.0


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def measure_model(name: str, tflite: Path, board: str, folder: Path) -> dict:
    """Predicted against built and profiled figures of one model."""
    graph = read_tflite(tflite)
    predicted = estimate_graph(graph, get_board(board))
    compiled = build(tflite, folder, board=board)
    profile = profile_build(folder, runs=1, warmups=0)
    sizes = compiled.firmware.sizes
    measured = profile["latency_cycles"]
    return {
        "model": name,
        "macs": sum(op.macs() for op in graph.ops),
        "ops": len(graph.ops),
        "predicted_cycles": predicted["latency_cycles"],
        "profiled_cycles": measured,
        "relative_error": abs(predicted["latency_cycles"] - measured) / measured,
        "uncalibrated_kernels": predicted["uncalibrated_kernels"],
        "predicted_arena": predicted["arena_bytes"], "built_arena": compiled.plan.arena_bytes,
        "predicted_weights": predicted["weights_bytes"], "built_weights": sizes.weights,
        "predicted_flash": predicted["flash_bytes"], "built_flash": sizes.flash,
        "predicted_sram": predicted["sram_bytes"], "built_sram": sizes.sram,
        "outputs_match": profile["outputs_match"],
    }


def _rate(run) -> float:
    """Calls of ``run`` per second over about SPEED_SECONDS (at least three calls)."""
    count, started = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - started < SPEED_SECONDS:
        run()
        count += 1
    return count / (time.perf_counter() - started)


def measure_speed(name: str, tflite: Path, board_name: str) -> dict:
    """Estimates per second of one model on one core: whole, and with the kernel choice given."""
    board = get_board(board_name)
    graph = read_tflite(tflite)
    flash, latency = load_flash(board), load_latency(board.name)
    schedule = build_schedule(graph, board)
    return {
        "model": name,
        "estimates_per_second": _rate(lambda: estimate_graph(graph, board)),
        "estimates_per_second_schedule_given": _rate(
            lambda: predict_latency(graph, predict_resources(graph, board, flash, schedule).schedule, latency)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default="qemu_m7", help="An emulated board with a shipped latency model.")
    parser.add_argument("--mlperf-tiny", type=Path, help="A checkout of mlcommons/tiny (its trained int8 models).")
    parser.add_argument("--models", nargs="*", help="Model names (MLPerf Tiny's, the zoo's) or .tflite paths.")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    names = args.models or (list(MLPERF_TINY) if args.mlperf_tiny is not None else list(DEFAULT_MODELS))
    models = resolve_models(names, args.mlperf_tiny)
    rows, speeds = [], []
    for name, tflite in models.items():
        _progress(f"{name}: estimating, building and profiling on {args.board}")
        rows.append(measure_model(name, tflite, args.board, args.build_dir / name))
        _progress(f"{name}: {rows[-1]['predicted_cycles']:,} predicted, {rows[-1]['profiled_cycles']:,.0f} profiled "
                  f"({100 * rows[-1]['relative_error']:.1f}%)")
        speeds.append(measure_speed(name, tflite, args.board))
    errors = [row["relative_error"] for row in rows]
    document = {
        "schema": SCHEMA,
        "environment": environment(),
        "board": args.board,
        "models": rows,
        "median_relative_error": statistics.median(errors),
        "worst_relative_error": max(errors),
        "arena_exact": all(r["predicted_arena"] == r["built_arena"] for r in rows),
        "weights_exact": all(r["predicted_weights"] == r["built_weights"] for r in rows),
        "worst_flash_error_bytes": max(abs(r["predicted_flash"] - r["built_flash"]) for r in rows),
        "worst_sram_error_bytes": max(abs(r["predicted_sram"] - r["built_sram"]) for r in rows),
        "speed": speeds,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    for row, speed in zip(rows, speeds):
        print(f"{row['model']:<28} {row['predicted_cycles']:>12,} {row['profiled_cycles']:>12,.0f} "
              f"{100 * row['relative_error']:6.1f}%  flash {row['predicted_flash'] - row['built_flash']:+6,} B  "
              f"{speed['estimates_per_second']:8.1f}/s ({speed['estimates_per_second_schedule_given']:.1f}/s schedule given)")
    print(f"median error {100 * document['median_relative_error']:.1f}%, worst {100 * document['worst_relative_error']:.1f}%; "
          f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
