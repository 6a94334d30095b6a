"""A patch stage on the emulated boards: one firmware image per board running a
chain of convolutions and a depthwise layer patch by patch (the kernels'
real DSP instructions on the patches' shapes), bit-exact with tflite-micro."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_cli import tinykit
from test_patches import PATCHED_CHAIN, chain_model

from tinykit.boards import get_board
from tinykit.build import build, schedule_for
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


def test_profile_books_the_patch_stage_on_its_first_op(tmp_path: Path) -> None:
    """The firmware times a patch stage as its first op's call: that row carries the stage's
    MACs (halos included), the other stage rows none, so no row claims more MACs per cycle
    than the core's limit; the text says where the stage's time is."""
    tflite = tmp_path / "chain.tflite"
    tflite.write_bytes(chain_model(np.random.default_rng(9), *PATCHED_CHAIN))
    folder = tmp_path / "build"
    compiled = build(tflite, folder, board="qemu_m7", max_recompute=0.5)
    stage = compiled.schedule.patches
    assert stage is not None and len(stage.ops) > 1
    run = tinykit("profile", str(folder), "--runs", "2", "--warmup", "0", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    layers = json.loads(run.stdout)["layers"]
    assert [layer["macs"] for layer in layers] == [
        stage.macs if op.index == stage.first else 0 if op.index in stage.ops else op.macs() for op in compiled.graph.ops]
    assert [layer.get("patch_stage") for layer in layers] == [
        [stage.first, stage.last] if op.index in stage.ops else None for op in compiled.graph.ops]
    limit = get_board("qemu_m7").mac_limit.macs_per_cycle
    assert all(0 <= layer["macs_per_cycle"] <= limit for layer in layers)
    text = tinykit("profile", str(folder), "--runs", "1", "--warmup", "0", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert f"ops {stage.first}..{stage.last} run patch by patch in op {stage.first}'s call" in text.stdout
