"""The hand-built test models load and run in tflite-micro."""

from __future__ import annotations

import numpy as np
from modelgen import ModelBuilder
from tflite_micro.python.tflite_micro import runtime
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema


def _conv_model() -> bytes:
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.activation((1, 6, 6, 3), scale=0.05, zero_point=2)
    w = b.constant(rng.integers(-127, 128, (4, 3, 3, 3), dtype=np.int8), scale=[0.01, 0.02, 0.015, 0.03], axis=0)
    bias = b.constant(rng.integers(-500, 500, 4, dtype=np.int32), scale=[0.05 * s for s in (0.01, 0.02, 0.015, 0.03)])
    y = b.activation((1, 3, 3, 4), scale=0.1, zero_point=-5)
    opts = schema.Conv2DOptionsT()
    opts.padding = schema.Padding.SAME
    opts.strideH = opts.strideW = 2
    opts.dilationHFactor = opts.dilationWFactor = 1
    opts.fusedActivationFunction = schema.ActivationFunctionType.RELU
    b.op("CONV_2D", [x, w, bias], [y], opts)
    return b.finish([x], [y])


def _add_model() -> bytes:
    b = ModelBuilder()
    a = b.activation((1, 4, 4, 2), scale=0.05, zero_point=1)
    c = b.activation((1, 4, 4, 2), scale=0.07, zero_point=-3)
    y = b.activation((1, 4, 4, 2), scale=0.1, zero_point=0)
    b.op("ADD", [a, c], [y], schema.AddOptionsT())
    return b.finish([a, c], [y])


def _run(model: bytes, inputs: list[np.ndarray]) -> np.ndarray:
    interpreter = runtime.Interpreter.from_bytes(model, arena_size=64 * 1024)
    for i, x in enumerate(inputs):
        interpreter.set_input(x, i)
    interpreter.invoke()
    return interpreter.get_output(0)


def test_conv2d_model_runs_in_tflm() -> None:
    x = np.random.default_rng(1).integers(-128, 128, (1, 6, 6, 3), dtype=np.int8)
    y = _run(_conv_model(), [x])
    assert y.shape == (1, 3, 3, 4)
    assert y.dtype == np.int8
    # RELU fused with output zero point -5 clamps at -5, and random weights make some outputs positive.
    assert y.min() >= -5 and y.max() > -5


def test_add_model_runs_in_tflm_and_adds() -> None:
    rng = np.random.default_rng(2)
    a = rng.integers(-100, 100, (1, 4, 4, 2), dtype=np.int8)
    c = rng.integers(-100, 100, (1, 4, 4, 2), dtype=np.int8)
    y = _run(_add_model(), [a, c])
    assert y.shape == (1, 4, 4, 2) and y.dtype == np.int8
    expected = 0.05 * (a.astype(float) - 1) + 0.07 * (c.astype(float) + 3)
    np.testing.assert_allclose(0.1 * y.astype(float), np.clip(expected, -12.8, 12.7), atol=0.1)
