"""Emulated Cortex-M: tinykit firmware run in QEMU, counted in retired instructions.

QEMU runs with ``-icount shift=0``, so the latency is a deterministic count of
instructions (the firmware's clock reads ``qemu-icount``), not a real board's
cycles. tflite-micro's figures on the same boards come from benchmarks.cortexm,
which builds it from source trees the user gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from tinykit.boards import get_board
from tinykit.build import build
from tinykit.deploy.platformio import size_breakdown
from tinykit.errors import TinykitError
from tinykit.profile.measure import profile_build
from tinykit.verify.device import firmware_elf

DEFAULT_BOARDS = ("qemu_m4", "qemu_m7", "qemu_m33")
TFLM_ABSENT = (
    "no tflite-micro figure here: this part runs tinykit's firmware only; tflite-micro's Cortex-M figures come "
    "from the side-by-side benchmark (benchmarks.cortexm, or benchmarks.run with --tflm-src, --cmsis-nn-src and "
    "--third-party), which builds it from source trees on this machine"
)
# Instruction counts under -icount are identical from run to run, so a few
# runs and one warm-up show that and keep the emulation time down.
RUNS = 3
WARMUPS = 1


def share_by_op_kind(layers: list[dict]) -> dict[str, float]:
    """Each op kind's share of the per-layer cycles, largest first."""
    cycles: dict[str, float] = defaultdict(float)
    for layer in layers:
        cycles[layer["op"]] += layer["cycles"]
    total = sum(cycles.values())
    return {kind: value / total for kind, value in sorted(cycles.items(), key=lambda item: -item[1])} if total else {}


def check_boards(boards: Sequence[str]) -> list[str]:
    """The boards' canonical names; only emulated boards, which need no hardware, are accepted."""
    names = []
    for name in boards:
        board = get_board(name)
        if board.kind != "emulated":
            raise TinykitError(
                f"board {name} is not emulated: the benchmarks run firmware in QEMU only, where instruction counts "
                f"are deterministic. Choose --boards from {', '.join(DEFAULT_BOARDS)}, or profile a real board "
                "with `tinykit profile FOLDER --port ...`."
            )
        names.append(board.name)
    return names


def measure_emulated(tflite: Path, board: str, folder: Path, progress: Callable[[str], None],
                     kernels: str = "auto") -> dict:
    """Build ``tflite`` as firmware for the emulated ``board`` in ``folder`` (``kernels``: the build's
    --kernels), profile it in QEMU, summarise."""
    build(tflite, folder, board=board, progress=progress, kernels=kernels)
    profile = profile_build(folder, runs=RUNS, warmups=WARMUPS, report=progress)
    memory = profile["memory"]
    sizes = size_breakdown(firmware_elf(folder, get_board(board)), folder)
    instructions = profile["latency_cycles"]
    return {
        "clock": profile["clock"],
        "clock_meaning": profile["clock_meaning"],
        "instructions": instructions,
        "macs": profile["total_macs"],
        "macs_per_instruction": profile["total_macs"] / instructions,
        "share_by_op_kind": share_by_op_kind(profile["layers"]),
        "arena_bytes": memory["arena"],
        "stack_peak_bytes": memory["stack_peak"],
        "static_ram_bytes": memory["static"],
        "flash_bytes": sizes.flash,
        "weights_bytes": sizes.weights,
        "code_bytes": sizes.flash_minus_weights,  # the figure tests/test_code_size.py holds under its bound
        "outputs_match_tflm": profile["outputs_match"],
        "tflm": None,
        "tflm_absent_because": TFLM_ABSENT,
    }
