"""SOFTMAX int8 -> int8: generated C against tflite-micro, bit for bit.

Random input scales (from ones where most of a row underflows below diff_min
to ones where the input range is narrow), zero points, betas, ranks and row
lengths (1 to 37, odd ones included).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from modelgen import ModelBuilder
from test_op_conv import log_uniform_scale
from test_op_quantize import assert_bit_exact_on
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError

SHAPES = [(1, 10), (3, 1), (2, 7), (1, 4, 5, 3), (1, 2, 2, 37), (5,), (1, 3, 12)]
BETAS = [1.0, 1.0, 0.5, 2.0, 1.0, 0.25, 1.7]


def softmax_model(shape: tuple[int, ...], input_scale: float, zero_point: int, beta: float,
                  output_scale: float = 1.0 / 256, output_zero_point: int = -128) -> bytes:
    b = ModelBuilder()
    x = b.activation(shape, scale=input_scale, zero_point=zero_point)
    y = b.activation(shape, scale=output_scale, zero_point=output_zero_point)
    options = schema.SoftmaxOptionsT()
    options.beta = beta
    b.op("SOFTMAX", [x], [y], options)
    return b.finish([x], [y])


CASES = list(range(21))


@pytest.mark.parametrize("seed", CASES)
def test_softmax_matches_tflite_micro(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(1000 + seed)
    shape = SHAPES[seed % len(SHAPES)]
    scale = log_uniform_scale(rng, 0.004, 0.5)
    model = softmax_model(shape, scale, int(rng.integers(-128, 128)), BETAS[seed % len(BETAS)])
    assert_bit_exact(model, tmp_path, samples=20, seed=seed)


@pytest.mark.parametrize("scale,beta", [(1.0 / 16, 1.0), (0.25, 1.0), (1.0, 1.0), (0.02, 3.0), (2.0, 0.1)])
def test_softmax_rows_holding_every_int8_value(scale: float, beta: float, tmp_path: Path) -> None:
    """Rows with all 256 values (so every difference to the maximum occurs), a constant row, and a one-hot row."""
    every = np.arange(-128, 128, dtype=np.int8)
    rows = np.stack([every, every[::-1], np.full(256, 17, np.int8), np.where(every == 5, 127, -128).astype(np.int8)])
    assert_bit_exact_on(softmax_model((4, 256), scale, -7, beta), tmp_path, [[rows]])


def test_softmax_refuses_an_output_not_in_256ths(tmp_path: Path) -> None:
    (tmp_path / "m.tflite").write_bytes(softmax_model((1, 10), 0.1, 0, 1.0, output_scale=0.01, output_zero_point=0))
    with pytest.raises(TinykitError, match="requires scale 1/256 and zero point -128"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")


def test_softmax_refuses_rows_whose_sum_would_overflow(tmp_path: Path) -> None:
    (tmp_path / "m.tflite").write_bytes(softmax_model((1, 4096), 0.1, 0, 1.0))
    with pytest.raises(TinykitError, match="overflows from 4096 values"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")
