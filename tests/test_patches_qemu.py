"""A patch stage on the emulated boards: one firmware image per board running a
chain of convolutions and a depthwise layer patch by patch (the kernels'
real DSP instructions on the patches' shapes), bit-exact with tflite-micro."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_patches import PATCHED_CHAIN, chain_model

from tinykit.build import schedule_for
from tinykit.verify.run import verify_model

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("board", ["qemu_m4", "qemu_m7", "qemu_m33"])
def test_patch_stage_is_bit_exact_on_emulated_board(board: str, tmp_path: Path) -> None:
    tflite = tmp_path / "chain.tflite"
    tflite.write_bytes(chain_model(np.random.default_rng(9), *PATCHED_CHAIN))
    assert schedule_for(tflite, board, max_recompute=0.5).patches is not None
    result = verify_model(tflite, tmp_path / "build", board=board, samples=3, seed=3, max_recompute=0.5)
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()
