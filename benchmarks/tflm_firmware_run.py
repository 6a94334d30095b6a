"""Run the TF Lite Micro benchmark firmware in QEMU and read its report.

The firmware (benchmarks/tflm_firmware/main.cc) prints ``key=value`` lines on
its console and ``done`` at the end, or ``error=...`` when the interpreter
refuses the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import serial
from elftools.elf.elffile import ELFFile

from tinykit.boards import Board
from tinykit.deploy.platformio import size_breakdown
from tinykit.deploy.qemu import qemu_session
from tinykit.errors import TinykitError

# The largest model's two inferences take QEMU a few seconds; this bounds a hung firmware.
TIMEOUT_S = 600.0
# The data the firmware embeds besides code: not counted as its code size.
DATA_SYMBOLS = ("g_bench_model", "g_bench_input", "g_bench_input_size")


@dataclass(frozen=True)
class TflmReport:
    arena_used_bytes: int
    instructions: int
    outputs: list[bytes]


def _parse(lines: list[str], elf: Path) -> TflmReport:
    values: dict[str, str] = {}
    outputs = []
    for line in lines:
        key, _, value = line.partition("=")
        if key == "output":
            outputs.append(bytes.fromhex(value))
        else:
            values[key] = value
    if "error" in values:
        raise TinykitError(f"the TF Lite Micro firmware {elf} stopped: {values['error']}. Its console said: {' | '.join(lines)}")
    try:
        return TflmReport(int(values["arena_used_bytes"]), int(values["instructions"]), outputs)
    except (KeyError, ValueError):
        raise TinykitError(f"the TF Lite Micro firmware {elf} printed no complete report: {' | '.join(lines)}") from None


def run_tflm_firmware(board: Board, elf: Path) -> TflmReport:
    """Boot ``elf`` on the emulated ``board`` and return what it reported."""
    lines: list[str] = []
    deadline = time.monotonic() + TIMEOUT_S
    with qemu_session(board, elf) as url:
        port = serial.serial_for_url(url, timeout=5)
        try:
            while time.monotonic() < deadline:
                raw = port.readline()
                if not raw:
                    continue
                line = raw.decode(errors="replace").strip()
                if line == "done":
                    return _parse(lines, elf)
                lines.append(line)
                if line.startswith("error="):
                    return _parse(lines, elf)
        finally:
            port.close()
    raise TinykitError(f"the TF Lite Micro firmware {elf} did not finish within {TIMEOUT_S:.0f} s on {board.name}; "
                       f"its console said: {' | '.join(lines) or 'nothing'}.")


def firmware_sizes(elf: Path) -> dict[str, int]:
    """Flash of the linked image, the embedded model and input, and the rest (code and the library's constants)."""
    flash = size_breakdown(elf, elf.parent).flash
    with elf.open("rb") as stream:
        symbols = ELFFile(stream).get_section_by_name(".symtab")
        data = {s.name: s["st_size"] for s in symbols.iter_symbols() if s.name in DATA_SYMBOLS}
    model = data.get("g_bench_model", 0)
    embedded = sum(data.values())
    return {"flash_bytes": flash, "model_bytes": model, "code_bytes": flash - embedded}
