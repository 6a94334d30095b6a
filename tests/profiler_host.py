"""Test helpers: build the profiler firmware app for the host board (the
same C sources as on a board, with the host BSP whose console is a TCP
socket) and run it as a process.

    binary = build_profiler(model_src, tmp_path)
    with HostBoard(binary) as board:
        client = DeviceClient(board.url)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "firmware" / "apps" / "profiler"
HOST_BSP = ROOT / "firmware" / "bsp" / "host"
BSP_INCLUDE = ROOT / "firmware" / "bsp" / "include"
RUNTIME_INCLUDE = ROOT / "firmware" / "runtime" / "include"
COPY_MODEL = Path(__file__).resolve().parent / "fixtures" / "copy_model"

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
SANITIZE = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


def build_profiler(
    model_sources: list[Path], include_dirs: list[Path], out: Path, extra_flags: tuple[str, ...] = ()
) -> Path:
    """Compile the profiler app + host BSP + a model into ``out/profiler``."""
    compiler = shutil.which("gcc")
    assert compiler is not None, "gcc is needed to build the host board"
    binary = out / "profiler"
    includes = [f"-I{d}" for d in [*include_dirs, BSP_INCLUDE, RUNTIME_INCLUDE, HOST_BSP]]
    sources = [*sorted(APP.glob("*.c")), *sorted(HOST_BSP.glob("*.c")), *model_sources]
    command = [compiler, *STRICT, *SANITIZE, *extra_flags, *includes, *map(str, sources), "-o", str(binary)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"build failed:\n{' '.join(command)}\n{result.stderr}"
    return binary


def build_copy_model_profiler(out: Path) -> Path:
    """The profiler with the hand-written copy model (16 bytes in, out[i] = in[15 - i] + 1)."""
    return build_profiler([COPY_MODEL / "model.c"], [COPY_MODEL], out)


class HostBoard:
    """The host-board process, its console at ``url`` (socket://...)."""

    def __init__(self, binary: Path, port: int = 0) -> None:
        self.binary = binary
        self.port = port
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> "HostBoard":
        self.process = subprocess.Popen(
            [str(self.binary), str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        match = _LISTENING.search(banner)
        if match is None:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"host board did not start: {banner!r} {err}")
        self.port = int(match[1])
        self.url = f"socket://127.0.0.1:{self.port}"
        return self

    def stop(self) -> str:
        """Stop the process (only the one started here) and return its
        stderr; a sanitizer report there fails the test."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
        _, err = self.process.communicate(timeout=10)
        assert "AddressSanitizer" not in err and "runtime error" not in err, err
        return err

    def __exit__(self, *exc: object) -> None:
        self.stop()
