"""The features_check firmware: the profiler app with the MFCC front end as
its model (firmware/apps/features_check/model.c dropped in where a generated
model goes), built by PlatformIO with the front end as a project library, so
tests and benchmarks drive it over the profiler's serial protocol."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np

from tinykit.boards import Board
from tinykit.codegen.runtime import copy_runtime
from tinykit.deploy.platformio import run_build
from tinykit.deploy.project import app_dir, write_project
from tinykit.kws.features import copy_features_library
from tinykit.schedule import Schedule


def build_features_elf(board: Board, out_dir: Path) -> Path:
    """Write and build the features_check project for ``board`` in ``out_dir``; the ELF."""
    src = out_dir / "src"
    src.mkdir(parents=True, exist_ok=True)
    for source in sorted(app_dir("features_check").glob("model.*")):
        shutil.copy2(source, src / source.name)
    # tinykit/model_api.h and types.h of the model API; no model, so no kernels (an empty schedule).
    copy_runtime(out_dir / "lib" / "tinykit_runtime", Schedule(frozenset(), "reference", ()), model_api=False)
    copy_features_library(out_dir)
    write_project(out_dir, board, app="profiler")
    return run_build(out_dir).elf


def features_input(pcm: np.ndarray, scale: float, zero_point: int) -> bytes:
    """The model input of features_check: 16000 int16 samples, float32 scale, int32 zero point."""
    assert pcm.dtype == np.int16 and pcm.shape == (16000,)
    return pcm.astype("<i2").tobytes() + struct.pack("<fi", scale, zero_point)
