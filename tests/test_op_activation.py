"""Activation int8 ops (RELU, RELU6, LEAKY_RELU, PRELU, HARD_SWISH, TANH):
generated C against tflite-micro, bit for bit.

Each model holds a dozen independent ops of one kind on random shapes, with
random zero points and input/output scales (from ones where most inputs
saturate to ones where none do), so one compile covers many cases; a
256-element input in each model meets most int8 values in every sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, assert_in_place, assert_refused
from modelgen import ModelBuilder
from test_op_conv import log_uniform_scale
from test_op_quantize import assert_bit_exact_on
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

OPS_PER_MODEL = 12
SHAPES = [(256,), (1, 10), (7,), (1, 3, 5, 3), (2, 1, 1, 9), (1, 4, 4, 6), (2, 3, 4)]


def _output_quantization(kind: str, rng: np.random.Generator, scale: float, zero_point: int) -> tuple[float, int]:
    if kind == "TANH":
        return 1.0 / 128, 0
    if kind == "RELU6":
        return scale, zero_point
    if kind == "RELU":  # the converter gives RELU its own, non-negative range
        return float(np.float32(scale * rng.uniform(0.3, 1.5))), int(rng.integers(-128, -60))
    # LEAKY_RELU, HARD_SWISH, PRELU: a range a little narrower or wider than the input's
    return float(np.float32(scale * rng.uniform(0.3, 2.0))), int(rng.integers(-128, 100))


def _options(kind: str, rng: np.random.Generator):
    if kind == "LEAKY_RELU":
        options = schema.LeakyReluOptionsT()
        options.alpha = float(np.float32(rng.choice([0.0, 0.01, 0.1, 0.2, 0.3, rng.uniform(0, 1.5), -rng.uniform(0, 1.5)])))
        return options
    if kind == "HARD_SWISH":
        return schema.HardSwishOptionsT()
    return None


def _alpha_shape(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[int, ...]:
    """PRELU's alpha: per channel (as Keras shares it over height and width), per element, or one value."""
    return [shape[-1:], shape[1:], tuple(1 for _ in shape[1:]) or (1,), shape][int(rng.integers(0, 4))]


def activation_model(kind: str, seed: int, ops: int = OPS_PER_MODEL, shapes: list[tuple[int, ...]] = SHAPES) -> bytes:
    """One model of ``ops`` independent ``kind`` ops on random shapes and quantizations."""
    b = ModelBuilder()
    inputs, outputs = add_activation_ops(b, kind, np.random.default_rng(seed), ops, shapes)
    return b.finish(inputs, outputs)


def add_activation_ops(b: ModelBuilder, kind: str, rng: np.random.Generator, ops: int,
                       shapes: list[tuple[int, ...]] = SHAPES) -> tuple[list[int], list[int]]:
    """Add ``ops`` independent ``kind`` ops to ``b``; returns their graph inputs and outputs."""
    inputs, outputs = [], []
    for i in range(ops):
        shape = shapes[i % len(shapes)]
        scale = log_uniform_scale(rng, 0.005, 0.5)
        zero_point = int(rng.integers(-128, 128))
        x = b.activation(shape, scale=scale, zero_point=zero_point)
        operands = [x]
        if kind == "PRELU":
            alpha_shape = _alpha_shape(rng, shape)
            alpha_scale, alpha_zero_point = log_uniform_scale(rng, 0.001, 0.02), int(rng.integers(-128, 128))
            if rng.random() < 0.8:  # learned alphas are constants
                operands.append(b.constant(rng.integers(-128, 128, alpha_shape, dtype=np.int8), scale=alpha_scale,
                                           zero_point=alpha_zero_point))
            else:
                operands.append(b.activation(alpha_shape, scale=alpha_scale, zero_point=alpha_zero_point))
                inputs.append(operands[-1])
        out_scale, out_zero_point = _output_quantization(kind, rng, scale, zero_point)
        y = b.activation(shape, scale=out_scale, zero_point=out_zero_point)
        b.op(kind, operands, [y], _options(kind, rng))
        inputs.insert(len(inputs) - (len(operands) - 1), x)
        outputs.append(y)
    return inputs, outputs


KINDS = ["RELU", "RELU6", "LEAKY_RELU", "PRELU", "HARD_SWISH", "TANH"]
CASES = [(kind, seed) for kind in KINDS for seed in range(2)]


@pytest.mark.parametrize("kind,seed", CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_activation_matches_tflite_micro(kind: str, seed: int, tmp_path: Path) -> None:
    assert_bit_exact(activation_model(kind, 5100 + 10 * KINDS.index(kind) + seed), tmp_path, samples=10, seed=seed)


@pytest.mark.parametrize("kind", ["RELU", "LEAKY_RELU", "HARD_SWISH", "TANH"])
def test_activation_on_every_int8_input(kind: str, tmp_path: Path) -> None:
    """24 random quantizations, each fed all 256 int8 values: every input of every op checked."""
    ops = 24
    every = np.arange(-128, 128, dtype=np.int8)
    model = activation_model(kind, 5900 + KINDS.index(kind), ops=ops, shapes=[(256,)])
    assert_bit_exact_on(model, tmp_path, [[every] * ops, [every[::-1].copy()] * ops])


def _single(kind: str, in_quant: tuple[float, int], out_quant: tuple[float, int], options=None) -> bytes:
    b = ModelBuilder()
    x = b.activation((8,), scale=in_quant[0], zero_point=in_quant[1])
    y = b.activation((8,), scale=out_quant[0], zero_point=out_quant[1])
    b.op(kind, [x], [y], options)
    return b.finish([x], [y])


def test_relu6_refuses_an_output_quantized_unlike_its_input(tmp_path: Path) -> None:
    """tflite-micro clamps RELU6's raw input and ignores the output's quantization (checked against it:
    scales 0.125 -> 0.0235 give the input bytes back), though the TFLite converter does give standalone
    RELU6 outputs their own [0, 6] range; so tinykit refuses rather than match a wrong answer."""
    assert_refused(_single("RELU6", (0.125, 0), (0.0235, -128)), tmp_path, "RELU6 clamps the raw input")


def test_tanh_refuses_an_output_zero_point_other_than_0(tmp_path: Path) -> None:
    assert_refused(_single("TANH", (0.1, 0), (1.0 / 128, -128)), tmp_path, "zero point 0")


def test_hard_swish_in_place_over_a_dying_input(tmp_path: Path) -> None:
    """x -> requantize -> t -> HARD_SWISH -> y: t dies at the HARD_SWISH, so the planner may put y on t."""
    b = ModelBuilder()
    x = b.activation((1, 5, 5, 3), scale=0.05, zero_point=4)
    t = b.activation((1, 5, 5, 3), scale=0.07, zero_point=-9)
    y = b.activation((1, 5, 5, 3), scale=0.04, zero_point=-100)
    b.op("QUANTIZE", [x], [t])
    b.op("HARD_SWISH", [t], [y], schema.HardSwishOptionsT())
    assert_in_place(b.finish([x], [y]), tmp_path, op_index=1, input_position=0)
