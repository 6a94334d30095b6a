"""Copy the C kernel runtime into a build folder next to the generated model:
the public headers and exactly the sources the schedule needs (its kernels',
and its patch stage's row copy when it has one)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tinykit.resources import firmware_dir
from tinykit.schedule import Schedule


def runtime_sources() -> tuple[Path, Path]:
    """(include folder, kernel sources folder) of tinykit's runtime; kernel
    sources sit below the latter in reference/ and cortexm/."""
    root = firmware_dir() / "runtime"
    return root / "include", root / "src"


def copy_runtime(destination: Path, schedule: Schedule) -> None:
    """Lay the runtime out as a PlatformIO library: include/ and src/<variant folder>/<kernel>.c.

    Only the files ``schedule.sources()`` names are copied: a cortexm/
    twin and its reference define the same function, so a build holds one of
    the two. The folder is replaced, so a kernel no longer chosen does not
    linger in an old build."""
    include, sources = runtime_sources()
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(include, destination / "include")
    for relative in schedule.sources():
        target = destination / "src" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(sources / relative, target)
