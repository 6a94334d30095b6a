"""`tinykit build --board <Cortex-M board>`: the firmware of a real model, and
models that cannot fit refused with their largest contributors named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile
from modelgen import ModelBuilder
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
from zoo import converted

from tinykit.boards import get_board


def tinykit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinykit", *args], cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_ds_cnn_firmware_for_nucleo_f746_is_within_budget(zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted("kws_ds_cnn", zoo_cache)
    result = tinykit("build", str(tflite), "--board", "nucleo_f746zg", "-o", "kws", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    board = get_board("nucleo_f746")
    assert report["board"] == "nucleo_f746"
    assert 0 < report["flash_bytes"] <= report["flash_budget"] == board.flash_bytes
    assert 0 < report["ram_bytes"] <= report["ram_budget"] == board.sram_bytes
    assert report["weights_bytes"] > 20_000 and report["arena_bytes"] > 0
    elf = Path(report["elf"])
    assert elf.exists() and Path(report["bin"]).stat().st_size > report["weights_bytes"]
    with elf.open("rb") as f:
        image = ELFFile(f)
        vectors = next(s for s in image.iter_sections() if s["sh_addr"] == board.flash_origin and s["sh_size"] > 0)
        initial_sp, reset = np.frombuffer(vectors.data()[:8], dtype="<u4")
    assert initial_sp == board.sram_origin + board.sram_bytes
    assert board.flash_origin <= reset < board.flash_origin + board.flash_bytes and reset & 1


def dense_model(inputs: int, units: int) -> bytes:
    b = ModelBuilder()
    x = b.activation((1, inputs), scale=0.05)
    w = b.constant(np.ones((units, inputs), dtype=np.int8), scale=[0.01] * units, zero_point=[0] * units, name="huge_dense_weights")
    y = b.activation((1, units), scale=0.1)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], schema.FullyConnectedOptionsT())
    return b.finish([x], [y])


def wide_conv_model(size: int, channels: int) -> bytes:
    b = ModelBuilder()
    x = b.activation((1, size, size, 1), scale=0.05)
    w = b.constant(np.ones((channels, 1, 1, 1), dtype=np.int8), scale=[0.01] * channels, zero_point=[0] * channels)
    y = b.activation((1, size, size, channels), scale=0.1)
    options = schema.Conv2DOptionsT()
    options.padding, options.strideW, options.strideH = schema.Padding.VALID, 1, 1
    b.op("CONV_2D", [x, w, -1], [y], options)
    return b.finish([x], [y])


def test_weights_larger_than_flash_are_refused_naming_the_tensor(tmp_path: Path) -> None:
    (tmp_path / "big.tflite").write_bytes(dense_model(1500, 1000))  # 1.5 MB of weights, 1 MB of flash
    result = tinykit("build", "big.tflite", "--board", "nucleo_f746", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "does not fit nucleo_f746" in result.stderr and "flash" in result.stderr
    assert "huge_dense_weights" in result.stderr and "bytes too many" in result.stderr


def test_arena_larger_than_sram_is_refused_naming_the_peak(tmp_path: Path) -> None:
    (tmp_path / "wide.tflite").write_bytes(wide_conv_model(200, 16))  # 640 KB output, 320 KB of SRAM
    result = tinykit("build", "wide.tflite", "--board", "nucleo_f746", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "SRAM" in result.stderr and "arena peak is at op 0 (CONV_2D" in result.stderr
    assert "bytes too many" in result.stderr


def test_unknown_board_suggests_the_closest(tmp_path: Path) -> None:
    result = tinykit("build", "whatever.tflite", "--board", "nucleo_f764", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "nucleo_f746" in result.stderr and "qemu_m7" in result.stderr
