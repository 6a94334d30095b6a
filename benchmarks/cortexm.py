"""tinykit against TF Lite Micro (reference kernels, and CMSIS-NN kernels) on the emulated Cortex-M boards.

    .venv/bin/python -m benchmarks.cortexm --tflm-src DIR --cmsis-nn-src DIR --third-party DIR \\
        [--mlperf-tiny DIR] [--models NAME|FILE.tflite ...] [--boards qemu_m7 ...] [-o benchmarks/results_cortexm.json]

Every engine runs the same .tflite on the same input (tinykit's profiler
sample, seed 0) on the same QEMU machine under ``-icount shift=0``, so the
figures are retired instructions, deterministic. Per model, board and engine:
instructions of one inference after a warm-up, arena, code size (flash minus
the weights or the embedded model), and whether the outputs equal
tflite-micro's on the host byte for byte; then tinykit's ratios. TF Lite Micro
is built from the source trees given (benchmarks/tflm_build.py), once per
core and kernel variant, and cached; its results are cached per firmware too,
so a rerun measures only tinykit again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.verify.compare import compare, random_samples
from tinykit.verify.device import output_arrays, sample_bytes
from tinykit.verify.tflm import run_tflm, tflm_arena

from benchmarks.emulated import DEFAULT_BOARDS, check_boards, measure_emulated
from benchmarks.environment import environment
from benchmarks.models import DEFAULT_MODELS, ROOT, zoo_names, zoo_tflite
from benchmarks.table import cortexm_table
from benchmarks.tflm_build import FIRMWARE_MAIN, VARIANTS, build_firmware, build_library, default_jobs
from benchmarks.tflm_firmware_run import firmware_sizes, run_tflm_firmware
from benchmarks.tflm_sources import TflmSources, identities, locate_sources

SCHEMA = "tinykit-bench-cortexm/1"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results_cortexm.json"
DEFAULT_BUILD_DIR = ROOT / "build" / "bench-cortexm"

# MLPerf Tiny's trained int8 reference models, inside a checkout of mlcommons/tiny.
MLPERF_TINY = {
    "mlperf_kws_ds_cnn": "benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite",
    "mlperf_vww_mobilenet_v1": "benchmark/training/visual_wake_words/trained_models/vww_96_int8.tflite",
    "mlperf_ic_resnet8": "benchmark/training/image_classification/trained_models/pretrainedResnet_quant.tflite",
    "mlperf_ad_autoencoder": "benchmark/training/anomaly_detection/trained_models/ad01_int8.tflite",
    "mlperf_streaming_wakeword": "benchmark/training/streaming_wakeword/trained_models/str_ww_ref_model.tflite",
}
ENGINES = ("tinykit", "tinykit_fastest", *(f"tflm_{variant}" for variant in VARIANTS))

NOTES = {
    "instructions": "retired instructions of one inference after one warm-up, QEMU -icount shift=0 (deterministic; "
                    "not a real board's cycles): tinykit's profiler median, TF Lite Micro's Invoke() timed with the same "
                    "BSP counter.",
    "arena": "tinykit: its planned arena. TF Lite Micro: arena_used_bytes() on the board (planned activations and "
             "scratch plus the interpreter's persistent data) and planned_activations_bytes (the head of its "
             "recording allocator, the like-for-like figure).",
    "code": "flash minus the weights: tinykit's runtime, kernels, profiler app and BSP; TF Lite Micro's library as "
            "linked (unused kernels dropped), a minimal main and the same BSP, minus the embedded .tflite and input.",
    "outputs_match": "the engine's output bytes equal tflite-micro's (Python package, host) on the same input.",
    "ratios": "tinykit divided by TF Lite Micro: below 1, tinykit needs fewer instructions or bytes.",
}


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def resolve_models(names: Sequence[str], mlperf_tiny: Path | None) -> dict[str, Path]:
    """Each requested model's .tflite: MLPerf Tiny names (with --mlperf-tiny), zoo names, or paths."""
    known = zoo_names()
    models: dict[str, Path] = {}
    for name in names:
        if name in MLPERF_TINY:
            if mlperf_tiny is None:
                raise TinykitError(
                    f"{name} is one of MLPerf Tiny's trained models: give a checkout of mlcommons/tiny with "
                    "--mlperf-tiny DIR (`git clone https://github.com/mlcommons/tiny DIR`)."
                )
            path = mlperf_tiny / MLPERF_TINY[name]
            if not path.is_file():
                raise TinykitError(f"{mlperf_tiny} has no {MLPERF_TINY[name]}: --mlperf-tiny must be a checkout of "
                                   "mlcommons/tiny with its trained models (git LFS files fetched).")
            models[name] = path
        elif name in known:
            models[name] = zoo_tflite(name)
        elif name.endswith(".tflite"):
            path = Path(name)
            if not path.is_file():
                raise TinykitError(f"{path}: no such .tflite file. Give an existing model file, or a name.")
            models[path.stem] = path
        else:
            raise TinykitError(
                f"no model named {name}. Choose --models from the zoo ({', '.join(known)}), MLPerf Tiny's "
                f"({', '.join(MLPERF_TINY)}, with --mlperf-tiny), or give .tflite files."
            )
    return models


def default_models(mlperf_tiny: Path | None) -> list[str]:
    return [*(MLPERF_TINY if mlperf_tiny is not None else ()), *DEFAULT_MODELS]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ratio(ours: float, theirs: float) -> float | None:
    return ours / theirs if theirs else None


@dataclass(frozen=True)
class TflmSetup:
    """Where TF Lite Micro comes from and how its libraries are built and cached."""

    sources: TflmSources
    cache: Path  # libraries and objects; several build folders (or worktrees) may share it
    jobs: int


def measure_tflm(setup: TflmSetup, board_name: str, variant: str, tflite: Path, sample: bytes, folder: Path,
                 reference: list, graph) -> dict:
    """TF Lite Micro with ``variant`` kernels on ``board_name``: built, run in QEMU (or read from the result cache)."""
    board = get_board(board_name)
    library = build_library(setup.sources, board, variant, setup.cache, setup.jobs, _progress)
    key = _digest(json.dumps([library.key, _digest(tflite.read_bytes()), _digest(sample),
                              _digest(FIRMWARE_MAIN.read_bytes())]).encode())
    cached = folder / "result.json"
    if cached.is_file():
        result = json.loads(cached.read_text())
        if result.get("key") == key:
            _progress(f"{tflite.name}: TF Lite Micro {variant} on {board.name}: cached result")
            return result["figures"]
    _progress(f"{tflite.name}: TF Lite Micro {variant} firmware for {board.name}, run in QEMU")
    elf = build_firmware(library, board, tflite, sample, folder)
    report = run_tflm_firmware(board, elf)
    _, mismatches, _ = compare([reference], [output_arrays(graph, report.outputs)])
    figures = {
        "instructions": report.instructions,
        "arena_used_bytes": report.arena_used_bytes,
        **firmware_sizes(elf),
        "outputs_match": mismatches == 0,
        "output_mismatches": mismatches,
        "library": library.key,
    }
    cached.write_text(json.dumps({"key": key, "figures": figures}, indent=2) + "\n")
    return figures


def _tinykit_figures(tflite: Path, board: str, folder: Path, kernels: str = "auto") -> dict:
    emulated = measure_emulated(tflite, board, folder, _progress, kernels)
    return {
        "instructions": emulated["instructions"],
        "arena_bytes": emulated["arena_bytes"],
        "flash_bytes": emulated["flash_bytes"],
        "weights_bytes": emulated["weights_bytes"],
        "code_bytes": emulated["code_bytes"],
        "outputs_match": emulated["outputs_match_tflm"],
        "macs_per_instruction": emulated["macs_per_instruction"],
    }


def _ratios(tinykit: dict, tflm: dict) -> dict:
    return {
        "instructions": _ratio(tinykit["instructions"], tflm["instructions"]),
        "arena_to_arena_used": _ratio(tinykit["arena_bytes"], tflm["arena_used_bytes"]),
        "arena_to_planned_activations": _ratio(tinykit["arena_bytes"], tflm["planned_activations_bytes"]),
        "code": _ratio(tinykit["code_bytes"], tflm["code_bytes"]),
    }


def benchmark_model(name: str, tflite: Path, boards: Sequence[str], setup: TflmSetup, build_dir: Path) -> dict:
    graph = read_tflite(tflite)
    sample = random_samples(graph, 1, 0)[0]  # the profiler's sample: tinykit runs it too
    sample_raw = sample_bytes(graph, sample)
    (reference,) = run_tflm(tflite.read_bytes(), [sample])
    planned = tflm_arena(tflite.read_bytes()).head
    result: dict = {
        "tflite": str(tflite), "sha256": _digest(tflite.read_bytes()), "macs": graph.macs(), "ops": len(graph.ops),
        "boards": {},
    }
    for board in boards:
        figures: dict = {}
        _progress(f"{name}: tinykit firmware for {board}, profiled in QEMU")
        figures["tinykit"] = _tinykit_figures(tflite, board, build_dir / f"{name}-{board}")
        # The default build trades speed for any arena byte (--kernels auto); beside it, the fastest
        # kernels whatever the arena, so that both ends of that trade are measured.
        _progress(f"{name}: tinykit firmware for {board} with --kernels fastest, profiled in QEMU")
        figures["tinykit_fastest"] = _tinykit_figures(tflite, board, build_dir / f"{name}-{board}-fastest", "fastest")
        for variant in VARIANTS:
            tflm = measure_tflm(setup, board, variant, tflite, sample_raw, build_dir / f"{name}-{board}-tflm-{variant}",
                                reference, graph)
            figures[f"tflm_{variant}"] = {**tflm, "planned_activations_bytes": planned}
        figures["ratios"] = {f"tinykit_to_tflm_{v}": _ratios(figures["tinykit"], figures[f"tflm_{v}"]) for v in VARIANTS}
        figures["all_outputs_match"] = all(figures[engine]["outputs_match"] for engine in ENGINES)
        result["boards"][board] = figures
    return result


def run(setup: TflmSetup, models: dict[str, Path], boards: Sequence[str], build_dir: Path) -> dict:
    """The side-by-side document (schema ``tinykit-bench-cortexm/1``)."""
    boards = check_boards(boards)
    document = {
        "schema": SCHEMA,
        "environment": environment(),
        "sources": {name: {"path": str(path), "commit": commit}
                    for (name, path), commit in zip(setup.sources.trees().items(), identities(setup.sources).values())},
        "settings": {"models": list(models), "boards": list(boards)},
        "notes": NOTES,
        "models": {},
    }
    for name, tflite in models.items():
        document["models"][name] = benchmark_model(name, tflite, boards, setup, build_dir)
    return document


def add_source_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    """The options naming the source trees (shared with benchmarks.run, where they are optional)."""
    group = parser.add_argument_group(
        "TF Lite Micro sources" + ("" if required else " (all three turn on the Cortex-M side-by-side benchmark)"),
        "checkouts on this machine; nothing is downloaded. --third-party holds the trees tflite-micro's makefile "
        "would download, each at the commit it pins, in folders named flatbuffers, gemmlowp, ruy, CMSIS_6, Cortex_DFP.",
    )
    group.add_argument("--tflm-src", type=Path, metavar="DIR", help="a checkout of tensorflow/tflite-micro")
    group.add_argument("--cmsis-nn-src", type=Path, metavar="DIR", help="a checkout of ARM-software/CMSIS-NN")
    group.add_argument("--third-party", type=Path, metavar="DIR", help="the folder holding tflite-micro's third-party trees")
    group.add_argument("--mlperf-tiny", type=Path, metavar="DIR",
                       help="a checkout of mlcommons/tiny: adds its trained int8 models (" + ", ".join(MLPERF_TINY) + ")")
    group.add_argument("--tflm-cache", type=Path, metavar="DIR",
                       help="where TF Lite Micro's libraries are cached; point several build folders or worktrees at one "
                       "to build each core once (default: BUILD_DIR/tflm-lib)")
    group.add_argument("--jobs", type=int, default=default_jobs(), help="parallel compiles for the library (default: %(default)s)")


def tflm_setup(arguments: argparse.Namespace) -> TflmSetup:
    """The TF Lite Micro setup the parsed options describe, or a TinykitError naming the missing folder."""
    sources = locate_sources(arguments.tflm_src, arguments.cmsis_nn_src, arguments.third_party)
    return TflmSetup(sources, arguments.tflm_cache or arguments.build_dir / "tflm-lib", arguments.jobs)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cortexm",
        description="tinykit against TF Lite Micro with reference and with CMSIS-NN kernels on the emulated Cortex-M "
        "boards: instructions, arena and code size per model, board and engine, with tinykit's ratios and an output "
        "check; writes JSON and prints a table. TF Lite Micro is built from the given source trees and cached "
        "(the first build of a core takes 10-40 minutes on 2 shared cores), and so are its results: a rerun after "
        "a change to tinykit measures only tinykit.",
        epilog="example: python -m benchmarks.cortexm --tflm-src ~/src/tflite-micro --cmsis-nn-src ~/src/CMSIS-NN "
        "--third-party ~/src/tflm-third-party --mlperf-tiny ~/src/tiny --boards qemu_m7",
    )
    add_source_arguments(parser, required=True)
    parser.add_argument("--models", nargs="+", metavar="NAME", default=None,
                        help="MLPerf Tiny names (with --mlperf-tiny), zoo names from tests/zoo.py, or .tflite files "
                        f"(default: the MLPerf Tiny models when --mlperf-tiny is given, and {' '.join(DEFAULT_MODELS)})")
    parser.add_argument("--boards", nargs="+", default=["qemu_m7"], metavar="BOARD",
                        help=f"emulated boards from {', '.join(DEFAULT_BOARDS)} (default: qemu_m7)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write (default: %(default)s)")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR,
                        help="builds and the TF Lite Micro cache (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        setup = tflm_setup(arguments)
        names = arguments.models or default_models(arguments.mlperf_tiny)
        models = resolve_models(names, arguments.mlperf_tiny)
        document = run(setup, models, arguments.boards, arguments.build_dir)
    except TinykitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(document, indent=2) + "\n")
    _progress(f"wrote {arguments.output}")
    print(cortexm_table(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
