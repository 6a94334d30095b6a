"""The hello bring-up program booted in QEMU for each emulated board, read
over a real TCP socket with pyserial, as the profiler host does."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import serial
from elftools.elf.elffile import ELFFile
from test_bsp_elf import build_hello_elf, needs_gcc

from tinykit.boards import get_board
from tinykit.deploy import qemu
from tinykit.deploy.qemu import qemu_command, qemu_session
from tinykit.errors import TinykitError

needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="qemu-system-arm is not installed (Debian: qemu-system-arm)")


def _read_until(port: serial.SerialBase, marker: bytes) -> bytes:
    data = port.read_until(marker, size=4096)
    assert data.endswith(marker), f"console went quiet before {marker!r}; got {data!r}"
    return data


def _boot(board_name: str, elf: Path) -> dict[str, str]:
    """Boot, read the hello report, check the echo, return the report's fields."""
    with qemu_session(get_board(board_name), elf) as url:
        assert url.startswith("socket://127.0.0.1:")
        port = serial.serial_for_url(url, timeout=10)
        try:
            text = _read_until(port, b"ready\r\n").decode()
            port.write(b"ping%")
            assert _read_until(port, b"ping%").endswith(b"ping%")
        finally:
            port.close()
    assert text.startswith("tinykit-hello\r\n")
    return dict(re.findall(r"([a-z-]+)=([\w-]+)", text))


@needs_gcc
@needs_qemu
@pytest.mark.parametrize("board_name", ["qemu_m4", "qemu_m7", "qemu_m33"])
def test_hello_boots_and_counts_deterministically(board_name: str, tmp_path: Path) -> None:
    board = get_board(board_name)
    elf = build_hello_elf(board, tmp_path)
    first = _boot(board_name, elf)
    second = _boot(board_name, elf)

    assert first["clock-source"] == "qemu-icount"
    assert int(first["cpu-hz"]) == board.clock_hz
    cycles = int(first["workload-cycles"])
    # 10000 loop iterations of a few instructions each; SysTick resolution is
    # one tick (40 or 50 instructions), so the count is bounded, not exact.
    assert 20_000 <= cycles <= 100_000
    assert first["workload-cycles"] == second["workload-cycles"], "icount makes timing deterministic"
    assert first["result"] == second["result"]
    assert 0 < int(first["stack-used"]) < int(first["stack-reserve"]) == board.stack_reserve


@needs_qemu
def test_session_stops_qemu_on_error(tmp_path: Path) -> None:
    """A firmware that never answers still leaves no QEMU behind when the
    block raises."""
    board = get_board("qemu_m4")
    elf = build_hello_elf(board, tmp_path) if shutil.which("arm-none-eabi-gcc") else pytest.skip("needs arm-none-eabi-gcc")
    started = []
    real_popen = qemu.subprocess.Popen

    class RecordingPopen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            started.append(self)

    qemu.subprocess.Popen = RecordingPopen  # type: ignore[misc]
    try:
        with pytest.raises(KeyboardInterrupt):
            with qemu_session(board, elf):
                raise KeyboardInterrupt
    finally:
        qemu.subprocess.Popen = real_popen  # type: ignore[misc]
    assert len(started) == 1
    assert started[0].returncode is not None, "QEMU must have exited"


def test_qemu_command_line() -> None:
    board = get_board("qemu_m33")
    command = qemu_command(board, Path("fw.elf"), 4321)
    assert command[1:] == [
        "-machine", "mps2-an505", "-cpu", "cortex-m33", "-nographic", "-icount", "shift=0",
        "-kernel", "fw.elf", "-serial", "tcp:127.0.0.1:4321,server=on,wait=on,nodelay=on", "-monitor", "none",
    ]


def test_real_board_is_refused() -> None:
    with pytest.raises(TinykitError, match="not emulated"):
        qemu_command(get_board("nucleo_f746"), Path("fw.elf"), 4321)


def test_missing_qemu_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(TinykitError, match="apt-get install qemu-system-arm"):
        qemu_command(get_board("qemu_m4"), Path("fw.elf"), 4321)


@needs_gcc
@needs_qemu
@pytest.mark.parametrize("board_name", ["qemu_m4", "qemu_m33"])
def test_a_crash_is_reported_with_the_fault_registers(board_name: str, tmp_path: Path) -> None:
    """hello executes an undefined instruction on '!': the UsageFault escalates
    to HardFault (3), and the report names the cause and the faulting PC."""
    board = get_board(board_name)
    elf = build_hello_elf(board, tmp_path)
    with qemu_session(board, elf) as url:
        port = serial.serial_for_url(url, timeout=10)
        try:
            _read_until(port, b"ready\r\n")
            port.write(b"!")
            report = _read_until(port, b"]\r\n").decode()
        finally:
            port.close()
    fields = dict(re.findall(r"(\w+)=0x([0-9a-f]{8})", report))
    assert "e-[fault " in report
    assert int(fields["exception"], 16) == 3
    assert int(fields["hfsr"], 16) & (1 << 30), "HFSR.FORCED: escalated from a configurable fault"
    assert int(fields["cfsr"], 16) & (1 << 16), "CFSR.UNDEFINSTR"
    with elf.open("rb") as f:
        main = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name("main")[0]
    start = main["st_value"] & ~1
    assert start <= int(fields["pc"], 16) < start + main["st_size"], "the faulting PC is in main()"
