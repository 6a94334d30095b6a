"""Copy the C kernel runtime into a build folder next to the generated model:
the public headers, the model API over the generated model's data
(``MODEL_SOURCE``) and exactly the sources the schedule needs (its kernels',
and its patch stage's row copy when it has one)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tinykit.resources import firmware_dir
from tinykit.schedule import Schedule

# The model API over a generated model.c's data (tinykit/model_data.h): the same code for every model.
MODEL_SOURCE = "tk_model.c"
# What computes MLPerf Tiny's printed values (tinykit/model_data.h's tk_mlperf_fn): copied with the model
# API, linked only when the model's data points at one (tinykit.codegen.generator.MLPERF_RESULTS_SOURCES).
MLPERF_SOURCES = ("tk_mlperf_milli.c", "tk_mlperf_mse.c")


def runtime_sources() -> tuple[Path, Path]:
    """(include folder, kernel sources folder) of tinykit's runtime; kernel
    sources sit below the latter in reference/ and cortexm/."""
    root = firmware_dir() / "runtime"
    return root / "include", root / "src"


def copy_runtime(destination: Path, schedule: Schedule, model_api: bool = True) -> None:
    """Lay the runtime out as a PlatformIO library: include/ and src/<variant folder>/<kernel>.c.

    Only the files ``schedule.sources()`` names are copied: a cortexm/
    twin and its reference define the same function, so a build holds one of
    the two. The folder is replaced, so a kernel no longer chosen does not
    linger in an old build. ``model_api``: also ``MODEL_SOURCE`` and ``MLPERF_SOURCES``
    (False under a hand-written model that defines the model API itself)."""
    include, sources = runtime_sources()
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(include, destination / "include")
    for relative in (*schedule.sources(), *((MODEL_SOURCE, *MLPERF_SOURCES) if model_api else ())):
        target = destination / "src" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(sources / relative, target)
