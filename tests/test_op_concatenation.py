"""CONCATENATION int8: generated C against tflite-micro, bit for bit, on every
axis of ranks 1 to 4 with 1 to 4 inputs of odd extents; and the refusals
(inputs quantized unlike the output, which tflite-micro would copy unscaled;
a fused activation, which tflite-micro rejects)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from modelgen import ModelBuilder
from test_op_conv import ACTIVATIONS
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError

# (base shape, axis, extents of the inputs along the axis)
CASES = [
    ((1, 4, 4, 0), 3, (3, 5)),
    ((1, 3, 5, 0), 3, (1, 7, 2)),
    ((2, 2, 3, 0), 3, (4, 1, 3, 5)),
    ((1, 0, 3, 5), 1, (2, 3)),
    ((1, 4, 0, 3), 2, (1, 5, 2)),
    ((0, 2, 2, 3), 0, (1, 2)),
    ((3, 0), 1, (5, 7)),
    ((0, 6), 0, (2, 3)),
    ((0,), 0, (3, 4, 1)),
    ((2, 0, 3), 1, (1, 3)),
    ((1, 2, 3, 0), 3, (6,)),
]


def concatenation_options(axis: int, activation: str = "NONE") -> schema.ConcatenationOptionsT:
    options = schema.ConcatenationOptionsT()
    options.axis = axis
    options.fusedActivationFunction = ACTIVATIONS[activation]
    return options


def concatenation_model(base: tuple[int, ...], axis: int, extents: tuple[int, ...], scales: list[float],
                        zero_points: list[int], activation: str = "NONE", negative_axis: bool = False) -> bytes:
    b = ModelBuilder()

    def with_extent(extent: int) -> tuple[int, ...]:
        return tuple(extent if a == axis else d for a, d in enumerate(base))

    inputs = [b.activation(with_extent(e), scale=s, zero_point=z) for e, s, z in zip(extents, scales, zero_points)]
    y = b.activation(with_extent(sum(extents)), scale=0.05, zero_point=-3)
    b.op("CONCATENATION", inputs, [y], concatenation_options(axis - len(base) if negative_axis else axis, activation))
    return b.finish(inputs, [y])


@pytest.mark.parametrize("index", range(len(CASES)))
def test_concatenation_matches_tflite_micro(index: int, tmp_path: Path) -> None:
    base, axis, extents = CASES[index]
    model = concatenation_model(base, axis, extents, [0.05] * len(extents), [-3] * len(extents),
                                negative_axis=index % 2 == 1)
    assert_bit_exact(model, tmp_path, samples=10, seed=index)


def test_concatenation_with_a_constant_input(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 2, 2, 3), scale=0.05, zero_point=-3)
    k = b.constant(np.arange(-6, 6, dtype=np.int8).reshape(1, 2, 2, 3), scale=0.05, zero_point=-3)
    y = b.activation((1, 2, 2, 6), scale=0.05, zero_point=-3)
    b.op("CONCATENATION", [k, x], [y], concatenation_options(3))
    assert_bit_exact(b.finish([x], [y]), tmp_path)


@pytest.mark.parametrize("scales,zero_points", [([0.05, 0.04], [-3, -3]), ([0.05, 0.05], [-3, 0])])
def test_concatenation_refuses_inputs_quantized_unlike_the_output(scales: list[float], zero_points: list[int],
                                                                  tmp_path: Path) -> None:
    (tmp_path / "m.tflite").write_bytes(concatenation_model((1, 2, 2, 0), 3, (3, 4), scales, zero_points))
    with pytest.raises(TinykitError, match="without requantizing"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")


def test_concatenation_refuses_a_fused_activation(tmp_path: Path) -> None:
    model = concatenation_model((1, 2, 2, 0), 3, (3, 4), [0.05, 0.05], [-3, -3], activation="RELU")
    (tmp_path / "m.tflite").write_bytes(model)
    with pytest.raises(TinykitError, match="fused RELU activation"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")
