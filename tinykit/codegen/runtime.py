"""Copy the C kernel runtime into a build folder next to the generated model."""

from __future__ import annotations

import shutil
from pathlib import Path

from tinykit.resources import firmware_dir


def runtime_sources() -> tuple[Path, Path]:
    """(include folder, portable reference kernels folder) of tinykit's runtime."""
    root = firmware_dir() / "runtime"
    return root / "include", root / "src" / "reference"


def copy_runtime(destination: Path) -> None:
    """Lay the runtime out as a PlatformIO library: include/ and src/.

    The folder is replaced, so a kernel removed from tinykit does not linger
    in an old build."""
    include, reference = runtime_sources()
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(include, destination / "include")
    (destination / "src").mkdir(parents=True)
    for source in sorted(reference.glob("*.c")):
        shutil.copy2(source, destination / "src" / source.name)
