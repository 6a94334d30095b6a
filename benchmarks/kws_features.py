"""The MFCC front end's cost on emulated Cortex-M boards: instructions per
20 ms frame, per clip, and its flash and RAM, written as JSON.

    .venv/bin/python -m benchmarks.kws_features [--boards qemu_m7 qemu_m4] [-o benchmarks/kws_features.json]

The front end runs as the features_check firmware (the profiler app with the
front end as its model, op 0 the clip's gain, ops 1..49 one frame each, op 50
quantization), booted in QEMU with -icount shift=0: figures are retired
instructions, deterministic, not a real board's cycles. A measurement, not a
test: nothing here passes or fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from elftools.elf.elffile import ELFFile

from benchmarks.environment import environment
from benchmarks.models import ROOT  # also puts tests/ on sys.path for the firmware helper
from tinykit.boards import get_board
from tinykit.deploy.qemu import qemu_session
from tinykit.kws.features import features_dir, library
from tinykit.kws.features_reference import FFT_SIZE
from tinykit.profile import DeviceClient

from features_firmware import build_features_elf, features_input  # noqa: E402  (tests/ helper)

SCHEMA = "tinykit-bench-kws-features/1"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "kws_features.json"
DEFAULT_BOARDS = ("qemu_m7", "qemu_m4")
# Both the function names and the table names of the front end start so.
FRONT_END_PREFIXES = ("tk_mfcc_", "TK_MFCC_")


def _front_end_bytes(elf_path: Path) -> dict[str, int]:
    """Flash of the front end's functions and tables in the linked firmware."""
    code = tables = 0
    with elf_path.open("rb") as stream:
        symbols = ELFFile(stream).get_section_by_name(".symtab")
        for symbol in symbols.iter_symbols():
            if symbol.name.startswith(FRONT_END_PREFIXES) or symbol.name in ("complex_fft", "first_stages", "round_half_away"):
                if symbol["st_info"]["type"] == "STT_FUNC":
                    code += symbol["st_size"]
                elif symbol["st_info"]["type"] == "STT_OBJECT":
                    tables += symbol["st_size"]
    return {"code": code, "tables": tables}


def _stack_bytes(board_name: str) -> dict[str, int]:
    """Stack frames of the front end's functions from gcc -fstack-usage, built as the firmware is."""
    board = get_board(board_name)
    frames: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted((features_dir() / "src").glob("*.c")):
            subprocess.run(
                ["arm-none-eabi-gcc", *board.gcc_flags(), "-std=c99", "-O2", "-fstack-usage",
                 "-I", str(features_dir() / "include"), "-c", str(source), "-o", str(Path(tmp) / (source.stem + ".o"))],
                check=True, capture_output=True,
            )
        for usage in Path(tmp).glob("*.su"):
            for line in usage.read_text().splitlines():
                location, size, _ = line.split("\t")
                frames[location.rsplit(":", 1)[-1]] = int(size)
    # the deepest chain of one frame: frame -> fft_magnitude -> sqrt (log is called from frame itself)
    return {
        "frame_call_chain": frames["tk_mfcc_frame"] + frames["tk_mfcc_fft_magnitude"] + frames["tk_mfcc_sqrt"],
        "per_function": dict(sorted(frames.items())),
    }


def measure(board: str, folder: Path) -> dict:
    elf = build_features_elf(get_board(board), folder)
    rng = np.random.default_rng(0)
    pcm = rng.normal(0.0, 3000.0, 16000).astype(np.int16)
    with qemu_session(get_board(board), elf) as url, DeviceClient(url, timeout=60) as device:
        device.wait_ready()
        device.load_input(features_input(pcm, 0.5847029089927673, 83))
        ops = [stats.cycles[0] for stats in device.layer_cycles(1).per_op]
        clip = device.time_inferences(1)
    frames = ops[1:-1]
    return {
        "instructions_per_frame": {"median": statistics.median(frames), "min": min(frames), "max": max(frames)},
        "instructions_clip_gain": ops[0],
        "instructions_quantize_490": ops[-1],
        "instructions_whole_clip": clip.median,
        "flash_bytes": _front_end_bytes(elf),
        "stack_bytes": _stack_bytes(board),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boards", nargs="+", default=list(DEFAULT_BOARDS), help="emulated boards (default: %(default)s)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file (default: %(default)s)")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for board in args.boards:
            print(f"{board}: building and booting features_check ...", file=sys.stderr)
            results[board] = measure(board, Path(tmp) / board)
    document = {
        "schema": SCHEMA,
        "environment": environment(),
        "note": "retired instructions in QEMU (-icount shift=0), deterministic; not a real board's cycles",
        "ram_bytes": {
            "scratch": FFT_SIZE * 4,  # tk_mfcc_scratch: the float FFT buffer
            "stream_state": int(library().tk_mfcc_stream_bytes()),
            "static": 0,
        },
        "boards": results,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document["boards"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
