"""Benchmarks: tinykit against tflite-micro, side by side in one run, written as one JSON file.

    .venv/bin/python -m benchmarks.run [--models ...] [--boards ...] [-o benchmarks/results.json]
        [--tflm-src DIR --cmsis-nn-src DIR --third-party DIR [--mlperf-tiny DIR]]

Per model: the arena each needs, the host-CPU latency of each (median of N
calls), and tinykit's firmware in QEMU per emulated board (instruction
counts, deterministic). Given TF Lite Micro's source trees, it also runs the
Cortex-M side-by-side (benchmarks.cortexm: TF Lite Micro with reference and
CMSIS-NN kernels on the same boards) into its own JSON file. Progress goes to
stderr, tables to stdout. These are measurements, not tests: nothing here
passes or fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tinykit.build import build
from tinykit.errors import TinykitError

from benchmarks import cortexm
from benchmarks.arena import compare_arenas
from benchmarks.emulated import DEFAULT_BOARDS, TFLM_ABSENT, check_boards, measure_emulated
from benchmarks.environment import environment
from benchmarks.host_latency import call_overhead, compare_host_latency, ratio_net_of_call_overhead
from benchmarks.models import DEFAULT_MODELS, ROOT, zoo_names, zoo_tflite
from benchmarks.table import cortexm_table, render_tables

SCHEMA = "tinykit-bench/1"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results.json"
DEFAULT_BUILD_DIR = ROOT / "build" / "bench"

NOTES = {
    "arena": (
        "tinykit's planned arena (activations and scratch) against tflite-micro's recording allocator for the "
        "same .tflite: head is tflite-micro's planned activation and scratch space (the like-for-like figure), "
        "total adds its persistent tail (tensor structs, quantization data, kernel state), which tinykit's "
        "generated code keeps as constants in flash. Ratios below 1 mean tinykit needs less RAM."
    ),
    "host_latency": (
        "Wall-clock time on this machine's CPU (x86 host, not a microcontroller), median of the runs after the "
        "warm-ups, invoke call only (inputs loaded untimed before each call). tinykit: the generated C built "
        "with gcc -O2 as a shared library, called through ctypes. tflite-micro: its Python interpreter's "
        "invoke(), which includes the Python binding's call overhead; call_overhead measures both calls on a "
        "one-element, one-op model, and ratio_net_of_call_overhead takes each side's off its median. Ratios below "
        "1 mean tinykit is faster."
    ),
    "emulated": (
        "tinykit firmware in QEMU (-icount shift=0): latency in retired instructions, deterministic from run "
        "to run, not a real board's cycles. " + TFLM_ABSENT + "."
    ),
}


def _check_models(models: Sequence[str]) -> None:
    known = zoo_names()
    unknown = [name for name in models if name not in known]
    if unknown:
        raise TinykitError(
            f"no zoo model named {', '.join(unknown)}: the benchmarks run the test zoo's models (tests/zoo.py). "
            f"Choose --models from {', '.join(known)}."
        )


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def benchmark_model(name: str, boards: Sequence[str], build_dir: Path, runs: int, warmups: int, overhead: dict) -> dict:
    """All measurements of one zoo model: arena, host latency, and each emulated board."""
    _progress(f"{name}: converting (cached after the first time)")
    tflite = zoo_tflite(name)
    _progress(f"{name}: host build, arenas")
    compiled = build(tflite, build_dir / f"{name}-host")
    result = {
        "tflite": tflite.name,
        "macs": compiled.graph.macs(),
        "ops": len(compiled.graph.ops),
        "arena": compare_arenas(compiled),
    }
    _progress(f"{name}: host latency, {runs} runs each after {warmups} warm-ups")
    latency = compare_host_latency(compiled, runs, warmups)
    result["host_latency"] = {**latency, "ratio_net_of_call_overhead": ratio_net_of_call_overhead(latency, overhead)}
    result["emulated"] = {}
    for board in boards:
        _progress(f"{name}: firmware for {board}, profiled in QEMU")
        result["emulated"][board] = measure_emulated(tflite, board, build_dir / f"{name}-{board}", _progress)
    return result


def run(models: Sequence[str], boards: Sequence[str], build_dir: Path, runs: int, warmups: int) -> dict:
    """The whole benchmark document (schema ``tinykit-bench/1``)."""
    _check_models(models)
    boards = check_boards(boards)
    if runs < 1 or warmups < 0:
        raise TinykitError(f"--runs must be at least 1 and --warmups 0 or more (got {runs} and {warmups}).")
    _progress("call overhead on a one-op model")
    # Small per-call figures need more samples for a steady median.
    overhead = call_overhead(build_dir / "call-overhead", runs * 10, warmups * 10)
    document = {
        "schema": SCHEMA,
        "environment": environment(),
        "settings": {"models": list(models), "boards": list(boards), "host_runs": runs, "host_warmups": warmups},
        "notes": NOTES,
        "call_overhead": overhead,
        "models": {},
    }
    for name in models:
        document["models"][name] = benchmark_model(name, boards, build_dir, runs, warmups, overhead)
    return document


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Measure tinykit against tflite-micro side by side (arena, host latency) and tinykit's "
        "firmware in QEMU (instructions, memory); write one JSON file and print a table.",
    )
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS), metavar="NAME",
                        help=f"zoo models from tests/zoo.py (default: {' '.join(DEFAULT_MODELS)})")
    parser.add_argument("--boards", nargs="*", default=list(DEFAULT_BOARDS), metavar="BOARD",
                        help=f"emulated boards; the option naming none skips QEMU (default: {' '.join(DEFAULT_BOARDS)})")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write (default: %(default)s)")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR, help="where the builds go (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=50, help="timed host calls per side and model (default: %(default)s)")
    parser.add_argument("--warmups", type=int, default=5, help="untimed host calls first (default: %(default)s)")
    cortexm.add_source_arguments(parser, required=False)
    parser.add_argument("--cortexm-output", type=Path, default=cortexm.DEFAULT_OUTPUT,
                        help="JSON file of the Cortex-M side-by-side (default: %(default)s)")
    return parser.parse_args(argv)


SIDE_BY_SIDE_SKIPPED = (
    "Cortex-M side-by-side with TF Lite Micro (reference and CMSIS-NN kernels) skipped: give --tflm-src, "
    "--cmsis-nn-src and --third-party (with make: `make bench TFLM_SRC=DIR CMSIS_NN_SRC=DIR TFLM_THIRD_PARTY=DIR "
    "[MLPERF_TINY=DIR]`); see the README's Benchmarks section."
)


def _side_by_side(arguments: argparse.Namespace) -> dict | None:
    """The Cortex-M side-by-side document when a TF Lite Micro source option is given (then all must be valid)."""
    if not _wants_side_by_side(arguments):
        return None
    setup = cortexm.tflm_setup(arguments)
    names = [*(cortexm.MLPERF_TINY if arguments.mlperf_tiny is not None else ()), *arguments.models]
    models = cortexm.resolve_models(names, arguments.mlperf_tiny)
    # The same build folder as the host part's: tinykit's firmware is built once for both.
    return cortexm.run(setup, models, arguments.boards or ["qemu_m7"], arguments.build_dir)


def _wants_side_by_side(arguments: argparse.Namespace) -> bool:
    given = (arguments.tflm_src, arguments.cmsis_nn_src, arguments.third_party, arguments.mlperf_tiny)
    return any(option is not None for option in given)


def _write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    _progress(f"wrote {path}")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        if _wants_side_by_side(arguments):
            # Refuse missing or wrong source folders before the long host part, not after it.
            cortexm.tflm_setup(arguments)
            cortexm.resolve_models(cortexm.MLPERF_TINY if arguments.mlperf_tiny else [], arguments.mlperf_tiny)
        document = run(arguments.models, arguments.boards, arguments.build_dir, arguments.runs, arguments.warmups)
        _write(arguments.output, document)
        print(render_tables(document))
        print()
        side_by_side = _side_by_side(arguments)
    except TinykitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if side_by_side is None:
        print(SIDE_BY_SIDE_SKIPPED)
        return 0
    _write(arguments.cortexm_output, side_by_side)
    print(cortexm_table(side_by_side))
    return 0


if __name__ == "__main__":
    sys.exit(main())
