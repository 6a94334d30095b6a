"""The features_check firmware: the profiler app running the MFCC front end
as its model (firmware/apps/features_check/model.c), built for a Cortex-M
board with the board's BSP, so tests and benchmarks drive it over the
profiler's serial protocol."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from test_bsp_elf import build_elf

from tinykit.boards import Board
from tinykit.kws.features import features_dir
from tinykit.resources import firmware_dir


def build_features_elf(board: Board, out_dir: Path) -> Path:
    apps = firmware_dir() / "apps"
    sources = [
        *sorted((apps / "profiler").glob("*.c")),
        apps / "features_check" / "model.c",
        *sorted((features_dir() / "src").glob("*.c")),
    ]
    includes = [
        apps / "features_check",
        apps / "profiler",
        features_dir() / "include",
        features_dir() / "src",
        firmware_dir() / "runtime" / "include",
    ]
    return build_elf(board, out_dir, sources, includes, "features_check")


def features_input(pcm: np.ndarray, scale: float, zero_point: int) -> bytes:
    """The model input of features_check: 16000 int16 samples, float32 scale, int32 zero point."""
    assert pcm.dtype == np.int16 and pcm.shape == (16000,)
    return pcm.astype("<i2").tobytes() + struct.pack("<fi", scale, zero_point)
