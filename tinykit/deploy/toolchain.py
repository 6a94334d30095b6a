"""Finding the system Arm GNU toolchain (arm-none-eabi-gcc and friends).

tinykit builds firmware with the toolchain the system provides (Debian's
gcc-arm-none-eabi with newlib), never with a downloaded one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tinykit.errors import TinykitError

PREFIX = "arm-none-eabi-"
INSTALL_HINT = (
    "Install it with `sudo apt-get install gcc-arm-none-eabi "
    "libnewlib-arm-none-eabi` (Debian/Ubuntu), or put the bin/ folder of an "
    "Arm GNU toolchain on PATH, then run the command again."
)


@dataclass(frozen=True)
class Toolchain:
    """Absolute paths of the tools a firmware build and its reports use."""

    gcc: Path
    objcopy: Path
    size: Path
    nm: Path


def _which(tool: str, path: str | None) -> Path | None:
    found = shutil.which(PREFIX + tool, path=path)
    return Path(found) if found else None


def _has_newlib_nano(gcc: Path) -> bool:
    """gcc prints the bare file name back when it cannot find the library."""
    result = subprocess.run(
        [str(gcc), "--specs=nano.specs", "-print-file-name=libc_nano.a"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and os.path.isabs(result.stdout.strip())


def find_toolchain(path: str | None = None) -> Toolchain:
    """Locate arm-none-eabi-{gcc,objcopy,size,nm} on ``path`` (default: the
    PATH of this process) and check that newlib-nano is installed; raise
    TinykitError naming the Debian packages when something is missing."""
    required = {tool: _which(tool, path) for tool in ("gcc", "objcopy", "size", "nm")}
    missing = [PREFIX + tool for tool, found in required.items() if found is None]
    if missing:
        searched = path if path is not None else os.environ.get("PATH", "")
        raise TinykitError(
            f"The Arm GNU toolchain is missing: {', '.join(missing)} not found "
            f"on PATH ({searched}). tinykit compiles firmware with the system's "
            f"arm-none-eabi-gcc. {INSTALL_HINT}"
        )
    gcc = required["gcc"]
    assert gcc is not None
    if not _has_newlib_nano(gcc):
        raise TinykitError(
            f"{gcc} has no newlib-nano C library (libc_nano.a), which tinykit "
            f"firmware links against. {INSTALL_HINT}"
        )
    return Toolchain(
        gcc=gcc,
        objcopy=required["objcopy"],  # type: ignore[arg-type]
        size=required["size"],  # type: ignore[arg-type]
        nm=required["nm"],  # type: ignore[arg-type]
    )
