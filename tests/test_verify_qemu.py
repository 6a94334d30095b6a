"""Whole models on emulated Cortex-M boards, bit-exact with tflite-micro.

For each zoo model and each emulated board, tinykit builds the firmware
offline with PlatformIO and the arm-none-eabi toolchain, boots it in QEMU
(-icount shift=0), loads random inputs over the serial protocol on a real TCP
socket, and compares every output byte with tflite-micro.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from zoo import ZOO, converted

from tinykit.verify.run import verify_model

pytestmark = pytest.mark.slow

BOARDS = ["qemu_m4", "qemu_m7", "qemu_m33"]


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_is_bit_exact_on_emulated_board(name: str, board: str, zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted(name, zoo_cache)
    result = verify_model(tflite, tmp_path / name, board=board, samples=4, seed=2)
    assert result.board == board
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()


def test_verify_command_on_qemu_m7_prints_one_json_object(zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted("kws_ds_cnn", zoo_cache)
    run = subprocess.run(
        [sys.executable, "-m", "tinykit", "verify", str(tflite), "--board", "qemu_m7", "--samples", "5", "-o", "kws", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["board"] == "qemu_m7" and report["bit_exact"] is True and report["samples"] == 5
    assert report["arena_bytes"] <= report["tflm_arena_bytes"]["head"]
    # QEMU was stopped: no emulator is left running for this build's ELF.
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "kws")], capture_output=True, text=True)
    assert left.stdout.strip() == ""
