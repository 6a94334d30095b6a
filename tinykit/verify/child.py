"""Child processes `verify` runs (the host runner, tflite-micro's interpreter),
bounded in time and in the bytes they may write.

A model that loops or writes without end (a hostile file the reader let
through, a bug in a kernel) must end in an error message, not a hung
command or a full disk. The child's stdout and stderr go to files in a
temporary folder, and the kernel's file-size limit (RLIMIT_FSIZE) caps every
file the child writes, those and its own outputs alike; the folder is removed
whatever happens (error, timeout, Ctrl-C).
"""

from __future__ import annotations

import resource
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tinykit.errors import TinykitError

# Everything a child prints is shown to the user only in part: its tail.
SHOWN_OUTPUT_CHARS = 2000


@dataclass(frozen=True)
class ChildResult:
    returncode: int
    output: str  # stdout then stderr, decoded


def run_bounded(command: list[str], what: str, timeout: float, max_file_bytes: int, stdin: bytes | None = None) -> ChildResult:
    """Run ``command``; raise TinykitError naming ``what`` if it outlives ``timeout``
    seconds or writes a file larger than ``max_file_bytes``."""

    def limit_files() -> None:  # runs in the child, before exec
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    with tempfile.TemporaryDirectory(prefix="tinykit-child-") as tmp:
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
            try:
                completed = subprocess.run(
                    command, stdout=out, stderr=err, timeout=timeout, preexec_fn=limit_files, check=False, **feed)
            except subprocess.TimeoutExpired:
                raise TinykitError(
                    f"{what} did not finish within {timeout:.0f} s and was stopped. A model whose run never ends is "
                    "malformed or far too large for the samples given; check it with `tinykit build`, or give fewer "
                    "samples."
                ) from None
        output = (_tail(out_path) + _tail(err_path)).strip()
    if completed.returncode == -signal.SIGXFSZ:
        raise TinykitError(
            f"{what} wrote more than {max_file_bytes:,} bytes, far more than the model's outputs can fill, and was "
            "stopped. The model or its build is broken; check it with `tinykit build`."
        )
    return ChildResult(completed.returncode, output)


def _tail(path: Path) -> str:
    """The last characters of a file (a child may write a lot; the user sees the end)."""
    with path.open("rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 4 * SHOWN_OUTPUT_CHARS))
        return f.read().decode(errors="replace")[-SHOWN_OUTPUT_CHARS:]
