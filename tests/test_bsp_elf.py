"""Firmware images built with each board's linker script and BSP: the hello
bring-up program is compiled with arm-none-eabi-gcc and its ELF checked for the
things a Cortex-M needs to boot (vector table, initial SP, Thumb reset vector,
sizes within the board's memory)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from tinykit.boards import Board, all_boards, bsp_dir, bsp_include_dir, bsp_source_dirs, linker_script

GCC = "arm-none-eabi-gcc"
CORTEX_M_BOARDS = [b.name for b in all_boards() if b.is_cortex_m]

needs_gcc = pytest.mark.skipif(shutil.which(GCC) is None, reason=f"{GCC} is not installed (Debian: gcc-arm-none-eabi)")


def build_hello_elf(board: Board, out_dir: Path) -> Path:
    """Compile firmware/bsp/hello for ``board`` with the board's BSP folders and
    rendered linker script, under the same warnings as the runtime."""
    out_dir.mkdir(parents=True, exist_ok=True)
    script = out_dir / f"{board.name}.ld"
    script.write_text(linker_script(board))
    dirs = bsp_source_dirs(board)
    sources = [p for d in dirs for p in sorted(d.glob("*.c"))] + [bsp_dir() / "hello" / "hello.c"]
    elf = out_dir / "hello.elf"
    command = [
        GCC, *board.gcc_flags(), *board.c_defines(),
        "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-g",
        "-ffunction-sections", "-fdata-sections",
        f"-I{bsp_include_dir()}", *(f"-I{d}" for d in dirs),
        *map(str, sources),
        "-T", str(script), "-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections",
        "-o", str(elf),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"build for {board.name} failed:\n{result.stderr}"
    return elf


def _symbols(elf: ELFFile) -> dict[str, int]:
    table = elf.get_section_by_name(".symtab")
    return {s.name: s["st_value"] for s in table.iter_symbols() if s.name}


@needs_gcc
@pytest.mark.parametrize("name", CORTEX_M_BOARDS)
def test_hello_elf_boots_from_the_flash_origin(name: str, tmp_path: Path) -> None:
    from tinykit.boards import get_board

    board = get_board(name)
    path = build_hello_elf(board, tmp_path)
    with path.open("rb") as f:
        elf = ELFFile(f)
        vectors = elf.get_section_by_name(".vectors")
        assert vectors["sh_addr"] == board.flash_origin
        initial_sp, reset = struct.unpack_from("<II", vectors.data())
        symbols = _symbols(elf)

        sram_top = board.sram_origin + board.sram_bytes
        assert initial_sp == sram_top
        assert reset & 1 == 1, "reset vector must have the Thumb bit set"
        assert reset & ~1 == symbols["Reset_Handler"] & ~1
        assert board.flash_origin <= reset < board.flash_origin + board.flash_bytes
        assert symbols["_stack_top"] == sram_top
        assert symbols["_stack_bottom"] == sram_top - board.stack_reserve

        flash_used = sum(s["sh_size"] for s in elf.iter_sections() if s["sh_flags"] & 2 and s["sh_type"] == "SHT_PROGBITS")
        assert flash_used < 16 * 1024, "the BSP plus hello should stay small"
        assert symbols["_ebss"] <= symbols["_stack_bottom"]
        assert symbols["_sdata"] >= board.sram_origin
        data = elf.get_section_by_name(".data")
        # .data is loaded in flash right after the code and copied to RAM at reset.
        assert symbols["_sidata"] < board.flash_origin + board.flash_bytes
        assert data is None or data["sh_addr"] == symbols["_sdata"]


def test_linker_script_refuses_the_host() -> None:
    from tinykit.boards import get_board
    from tinykit.errors import TinykitError

    with pytest.raises(TinykitError, match="no linker script"):
        linker_script(get_board("host"))
