"""The board registry: boards/*.toml read into Board values, validated with
errors naming the file and field, looked up by name or alias, and printed."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from test_bsp_elf import build_hello_elf

from tinykit.boards import all_boards, boards_dir, get_board, linker_script, load_board, render_table
from tinykit.errors import TinykitError

EXPECTED = {
    # name: (kind, cpu, fpu, clock_hz, flash_bytes, sram_bytes, family)
    "nucleo_f746": ("real", "cortex-m7", "fpv5-sp-d16", 216_000_000, 1 << 20, 320 * 1024, "stm32f7"),
    "nucleo_l4r5zi": ("real", "cortex-m4", "fpv4-sp-d16", 120_000_000, 2 << 20, 640 * 1024, "stm32l4"),
    "nucleo_h743zi": ("real", "cortex-m7", "fpv5-d16", 400_000_000, 2 << 20, 512 * 1024, "stm32h7"),
    "qemu_m4": ("emulated", "cortex-m4", "fpv4-sp-d16", 25_000_000, 4 << 20, 4 << 20, "mps2"),
    "qemu_m7": ("emulated", "cortex-m7", "fpv5-d16", 25_000_000, 4 << 20, 4 << 20, "mps2"),
    "qemu_m33": ("emulated", "cortex-m33", "fpv5-sp-d16", 20_000_000, 4 << 20, 4 << 20, "mps2"),
    "host": ("host", "host", None, None, None, None, "host"),
}


def test_the_seven_boards() -> None:
    boards = {b.name: b for b in all_boards()}
    assert set(boards) == set(EXPECTED)
    for name, (kind, cpu, fpu, clock, flash, sram, family) in EXPECTED.items():
        b = boards[name]
        assert (b.kind, b.cpu, b.fpu, b.clock_hz, b.flash_bytes, b.sram_bytes, b.family) == (
            kind, cpu, fpu, clock, flash, sram, family), name
    assert [b.kind for b in all_boards()] == ["real"] * 3 + ["emulated"] * 3 + ["host"]


def test_emulated_boards_name_their_qemu_machine() -> None:
    machines = {b.name: b.qemu_machine for b in all_boards() if b.kind == "emulated"}
    assert machines == {"qemu_m4": "mps2-an386", "qemu_m7": "mps2-an500", "qemu_m33": "mps2-an505"}
    assert all(b.upload == "qemu" for b in all_boards() if b.kind == "emulated")
    real = [b for b in all_boards() if b.kind == "real"]
    assert all(b.upload == "openocd" and b.openocd_configs and b.platformio_board for b in real)


def test_lookup_by_alias_and_case() -> None:
    assert get_board("nucleo_f746zg").name == "nucleo_f746"
    assert get_board("QEMU_M4").name == "qemu_m4"
    assert get_board("mps2_an505").name == "qemu_m33"


def test_unknown_board_lists_the_known_ones_and_suggests() -> None:
    with pytest.raises(TinykitError) as err:
        get_board("nucleo_f764")
    message = str(err.value)
    assert "Did you mean 'nucleo_f746'?" in message
    for name in EXPECTED:
        assert name in message


def test_gcc_flags() -> None:
    assert get_board("nucleo_f746").gcc_flags() == ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"]
    assert get_board("qemu_m33").gcc_flags() == ["-mcpu=cortex-m33", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"]
    assert get_board("host").gcc_flags() == []
    assert "-DTK_MPS2_AN505" in get_board("qemu_m33").c_defines()


def test_render_table() -> None:
    lines = render_table().splitlines()
    assert lines[0].split() == ["board", "core", "clock", "flash", "SRAM", "kind", "upload"]
    f746 = next(line for line in lines if line.startswith("nucleo_f746 "))
    assert f746.split() == ["nucleo_f746", "cortex-m7", "+", "FPU", "216", "MHz", "1", "MB", "320", "KB", "real", "openocd"]
    assert len(lines) == 2 + len(EXPECTED)


def test_linker_script_places_the_stack_at_the_top_of_sram() -> None:
    script = linker_script(get_board("nucleo_h743zi"))
    assert "FLASH (rx)  : ORIGIN = 0x08000000, LENGTH = 2097152" in script
    assert "RAM   (rwx) : ORIGIN = 0x24000000, LENGTH = 524288" in script
    assert "_stack_bottom = _stack_top - 8192;" in script


GOOD = """\
name = "{name}"
description = "test board"
kind = "real"
family = "stm32f7"
[cpu]
core = "cortex-m7"
fpu = "fpv5-d16"
float_abi = "hard"
features = ["dsp", "fpu"]
clock_hz = 216_000_000
[memory]
flash_origin = 0x08000000
flash_bytes = 2_097_152
sram_origin = 0x20000000
sram_bytes = 524_288
stack_reserve = 4096
[console]
uart = "USART3"
baud = 115200
[upload]
method = "openocd"
openocd_configs = ["interface/stlink.cfg", "target/stm32f7x.cfg"]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "change, field",
    [
        (("clock_hz = 216_000_000", ""), "cpu.clock_hz"),
        (("clock_hz = 216_000_000", 'clock_hz = "fast"'), "cpu.clock_hz"),
        (('kind = "real"', 'kind = "virtual"'), "kind"),
        (('family = "stm32f7"', 'family = "stm32f9"'), "family"),
        (("stack_reserve = 4096", "stack_reserve = 600_000"), "memory.stack_reserve"),
        (("stack_reserve = 4096", "stack_reserve = -1"), "memory.stack_reserve"),
        (('method = "openocd"', 'method = "jlink"'), "upload.method"),
        (("flash_bytes = 2_097_152", "flash_bytes = true"), "memory.flash_bytes"),
        (('features = ["dsp", "fpu"]', ""), "cpu.features"),
        (('features = ["dsp", "fpu"]', 'features = ["dsp", "fpu", "neon"]'), "cpu.features"),
        (('features = ["dsp", "fpu"]', 'features = ["dsp"]'), "cpu.features"),
    ],
)
def test_bad_board_file_names_file_and_field(tmp_path: Path, change: tuple[str, str], field: str) -> None:
    text = GOOD.format(name="nucleo_f767zi").replace(*change)
    path = _write(tmp_path, "nucleo_f767zi", text)
    with pytest.raises(TinykitError) as err:
        load_board(path)
    assert str(path) in str(err.value)
    assert f"'{field}'" in str(err.value)


def test_board_file_name_must_match(tmp_path: Path) -> None:
    path = _write(tmp_path, "other", GOOD.format(name="nucleo_f767zi"))
    with pytest.raises(TinykitError, match="'name'"):
        load_board(path)


def test_broken_toml_syntax_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken", "name = \n")
    with pytest.raises(TinykitError, match="broken.toml is not valid TOML"):
        load_board(path)


def test_shipped_board_files_are_in_the_registry() -> None:
    assert sorted(p.stem for p in boards_dir().glob("*.toml")) == sorted(EXPECTED)


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc is not installed (Debian: gcc-arm-none-eabi)")
def test_new_board_of_a_known_family_needs_only_a_toml_file(tmp_path: Path) -> None:
    """A NUCLEO-F767ZI-like board: same family, other memory sizes. The file
    alone gives a linker script and a bootable image."""
    board = load_board(_write(tmp_path, "nucleo_f767zi", GOOD.format(name="nucleo_f767zi")))
    assert board.family == "stm32f7"
    elf_path = build_hello_elf(board, tmp_path / "build")
    with elf_path.open("rb") as f:
        vectors = ELFFile(f).get_section_by_name(".vectors")
        initial_sp, _ = struct.unpack_from("<II", vectors.data())
    assert initial_sp == 0x20000000 + 524_288


def test_boards_state_the_isa_features_kernel_selection_reads() -> None:
    # Every Cortex-M4/M7/M33 core here has the DSP extension and an FPU; the host gets portable C only.
    features = {b.name: b.features for b in all_boards()}
    assert features["host"] == frozenset()
    assert all(features[name] == {"dsp", "fpu"} for name in ("qemu_m4", "qemu_m7", "qemu_m33", "nucleo_f746"))
