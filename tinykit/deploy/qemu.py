"""Run a firmware ELF on an emulated board in QEMU, its console on a TCP socket.

QEMU runs with ``-icount shift=0``: every instruction advances the virtual
clock by one nanosecond, so timing is deterministic and counts instructions.
The console UART is a TCP server that QEMU opens before starting the guest
(``wait=on``): the guest runs only once a client (pyserial's ``socket://``)
has connected, so no output is lost. ``nodelay=on`` turns Nagle's algorithm
off on QEMU's side: the emulated UART sends one byte per write, and without
it every reply waited for the host's delayed ACK (about 40 ms a command,
19 times slower loading of inputs).

    with qemu_session(get_board("qemu_m4"), elf) as url:
        port = serial.serial_for_url(url, timeout=5)
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tinykit.boards import Board
from tinykit.errors import TinykitError

QEMU_BINARY = "qemu-system-arm"
# QEMU prints this on stderr once the console socket is listening.
_LISTENING = "waiting for connection on"
_BUSY_PORT = "Address already in use"
_PORT_ATTEMPTS = 5


def qemu_command(board: Board, elf: Path, port: int) -> list[str]:
    """The QEMU command line that runs ``elf`` on ``board`` with its console
    on 127.0.0.1:``port``."""
    if board.kind != "emulated" or board.qemu_machine is None:
        raise TinykitError(
            f"Board '{board.name}' is not emulated, so QEMU cannot run it. "
            "Use one of the qemu_* boards (see `tinykit boards`), or flash the real board."
        )
    return [
        _qemu_binary(),
        "-machine", board.qemu_machine,
        "-cpu", board.cpu,
        "-nographic",
        "-icount", "shift=0",
        "-kernel", str(elf),
        "-serial", f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on",
        "-monitor", "none",
    ]


def _qemu_binary() -> str:
    path = shutil.which(QEMU_BINARY)
    if path is None:
        raise TinykitError(
            f"{QEMU_BINARY} was not found on PATH, so emulated boards cannot run. "
            "Install it (Debian/Ubuntu: `sudo apt-get install qemu-system-arm`) and retry."
        )
    return path


def _free_port() -> int:
    """A loopback port free right now (QEMU may still lose a race for it;
    the caller retries on a busy port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> bool:
    """True once QEMU listens on its console socket; False if it exited.
    The log is a file, not a pipe, so QEMU can never block writing to it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _LISTENING in log.read_text(errors="replace"):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    raise TinykitError(
        f"QEMU did not open its console socket within {timeout_s:.0f} s "
        f"(its messages: {log.read_text(errors='replace').strip() or 'none'}). "
        "Check that the machine is not overloaded and retry."
    )


@contextlib.contextmanager
def qemu_session(board: Board, elf: Path, *, start_timeout_s: float = 10.0) -> Iterator[str]:
    """Start ``elf`` in QEMU for ``board`` and yield the console's pyserial
    URL (``socket://127.0.0.1:PORT``). QEMU is stopped on leaving the block,
    also on errors and Ctrl-C."""
    elf = Path(elf)
    if not elf.is_file():
        raise TinykitError(f"Firmware {elf} does not exist. Build it first (`tinykit build --board {board.name}`).")
    with tempfile.TemporaryDirectory(prefix="tinykit-qemu-") as tmp:
        log = Path(tmp) / "qemu-stderr.txt"
        for _ in range(_PORT_ATTEMPTS):
            port = _free_port()
            command = qemu_command(board, elf, port)
            with log.open("wb") as stderr:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                if _wait_listening(process, log, start_timeout_s):
                    yield f"socket://127.0.0.1:{port}"
                    return
            finally:
                _stop(process)
            message = log.read_text(errors="replace").strip()
            if _BUSY_PORT not in message:
                raise TinykitError(
                    f"QEMU exited before starting {elf.name} on {board.name}: {message or 'no message'}. "
                    f"Command: {' '.join(command)}. Check that the ELF was built for {board.name}."
                )
        raise TinykitError(
            f"QEMU found no free loopback port in {_PORT_ATTEMPTS} attempts. "
            "Close programs holding many local ports and retry."
        )
