"""LOGISTIC int8: generated C against tflite-micro, bit for bit.

Input scales from ones where every input stays inside the range radius to
ones where most inputs saturate, random zero points, odd shapes, and the
in-place case (the output planned over an input that dies at the op).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from modelgen import ModelBuilder
from test_op_conv import log_uniform_scale
from test_op_quantize import assert_bit_exact_on

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError

SHAPES = [(1, 10), (7,), (1, 3, 5, 3), (2, 1, 1, 9), (1, 4, 4, 1)]


def logistic_model(shape: tuple[int, ...], input_scale: float, zero_point: int, output_zero_point: int = -128) -> bytes:
    b = ModelBuilder()
    x = b.activation(shape, scale=input_scale, zero_point=zero_point)
    y = b.activation(shape, scale=1.0 / 256, zero_point=output_zero_point)
    b.op("LOGISTIC", [x], [y])
    return b.finish([x], [y])


@pytest.mark.parametrize("seed", range(16))
def test_logistic_matches_tflite_micro(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(2000 + seed)
    scale = log_uniform_scale(rng, 0.005, 0.5)
    model = logistic_model(SHAPES[seed % len(SHAPES)], scale, int(rng.integers(-128, 128)))
    assert_bit_exact(model, tmp_path, samples=20, seed=seed)


@pytest.mark.parametrize("scale", [1.0 / 256, 0.01, 0.0625, 0.1, 0.3, 1.0])
def test_logistic_on_every_int8_input(scale: float, tmp_path: Path) -> None:
    """All 256 inputs at once: both sides of the range radius and the saturated ends."""
    every = np.arange(-128, 128, dtype=np.int8)
    assert_bit_exact_on(logistic_model((256,), scale, 3), tmp_path, [[every], [every[::-1].copy()]])


def test_logistic_in_place_over_a_dying_input(tmp_path: Path) -> None:
    """x -> requantize -> t -> LOGISTIC -> y: t dies at the LOGISTIC, so the planner may put y on t."""
    shape = (1, 5, 5, 3)
    b = ModelBuilder()
    x = b.activation(shape, scale=0.05, zero_point=4)
    t = b.activation(shape, scale=0.07, zero_point=-9)
    y = b.activation(shape, scale=1.0 / 256, zero_point=-128)
    b.op("QUANTIZE", [x], [t])
    b.op("LOGISTIC", [t], [y])
    model = b.finish([x], [y])
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "model.tflite").write_bytes(model)
    compiled = compile_tflite(tmp_path / "plan" / "model.tflite", tmp_path / "plan" / "build", "host", "model.tflite")
    logistic = compiled.graph.ops[1]
    assert compiled.plan.tensor_offset(logistic.outputs[0]) == compiled.plan.tensor_offset(logistic.inputs[0]), \
        "the planner did not place the LOGISTIC output in place, so this test would not exercise aliasing"
    (tmp_path / "run").mkdir()
    assert_bit_exact(model, tmp_path / "run")


def test_logistic_refuses_an_output_zero_point_other_than_minus_128(tmp_path: Path) -> None:
    (tmp_path / "m.tflite").write_bytes(logistic_model((1, 8), 0.1, 0, output_zero_point=0))
    with pytest.raises(TinykitError, match="zero point -128"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")
