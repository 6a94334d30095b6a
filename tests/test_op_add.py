"""ADD int8: generated C against tflite-micro, bit for bit, over random single-op models.

Covers ranks 1 to 4, odd channel counts, random zero points, input scales
from equal to far apart, every fused activation, a constant operand, and the
in-place case (the output planned over an input that dies at the ADD).
Broadcasting ADD is tested with the other binary ops in test_op_arithmetic.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, isa_feature_sets
from modelgen import ModelBuilder
from test_op_conv import ACTIVATIONS, log_uniform_scale
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError
from tinykit.ir import OpKind

SHAPES = [(7,), (2, 5), (1, 3, 4, 1), (1, 6, 5, 3), (2, 4, 3, 7), (1, 1, 1, 5)]


def add_options(activation: str) -> schema.AddOptionsT:
    options = schema.AddOptionsT()
    options.fusedActivationFunction = ACTIVATIONS[activation]
    return options


def add_random_add(b: ModelBuilder, seed: int, shape: tuple[int, ...], activation: str) -> tuple[list[int], int]:
    """One ADD of two activations of ``shape`` in ``b``; returns its inputs and output."""
    rng = np.random.default_rng(seed)
    s1 = log_uniform_scale(rng, 0.002, 0.2)
    # Sometimes equal scales, sometimes far apart, as after real convolutions.
    s2 = s1 if seed % 3 == 0 else log_uniform_scale(rng, 0.002, 0.2)
    so = log_uniform_scale(rng, max(s1, s2) * 0.5, (s1 + s2) * 2.0)
    x = b.activation(shape, scale=s1, zero_point=int(rng.integers(-128, 128)))
    y = b.activation(shape, scale=s2, zero_point=int(rng.integers(-128, 128)))
    z = b.activation(shape, scale=so, zero_point=int(rng.integers(-100, 100)))
    b.op("ADD", [x, y], [z], add_options(activation))
    return [x, y], z


def random_add_model(seed: int, shape: tuple[int, ...], activation: str) -> bytes:
    b = ModelBuilder()
    inputs, z = add_random_add(b, seed, shape, activation)
    return b.finish(inputs, [z])


CASES = [(i, SHAPES[i % len(SHAPES)], activation) for i, activation in enumerate(list(ACTIVATIONS) * 4)]


@pytest.mark.parametrize("features", isa_feature_sets(OpKind.ADD))
@pytest.mark.parametrize("seed,shape,activation", CASES, ids=[f"{s}-{list(sh)}-{a}" for s, sh, a in CASES])
def test_add_matches_tflite_micro(seed: int, shape: tuple[int, ...], activation: str, features: frozenset[str],
                                  tmp_path: Path) -> None:
    compiled = assert_bit_exact(random_add_model(seed, shape, activation), tmp_path, samples=20, seed=seed,
                                features=features)
    (add,) = compiled.schedule.ops
    assert add.kernel == ("tk_add_lut_s8" if "dsp" in features else "tk_add_s8")


def test_add_with_constant_operand(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    shape = (1, 3, 3, 5)
    b = ModelBuilder()
    x = b.activation(shape, scale=0.03, zero_point=-5)
    k = b.constant(rng.integers(-128, 128, shape, dtype=np.int8), scale=0.011, zero_point=9)
    z = b.activation(shape, scale=0.05, zero_point=2)
    b.op("ADD", [x, k], [z], add_options("RELU"))
    assert_bit_exact(b.finish([x], [z]), tmp_path)


def test_add_of_shapes_that_differ_only_in_leading_ones(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 1, 6), scale=0.03, zero_point=-5)
    y = b.activation((6,), scale=0.04, zero_point=7)
    z = b.activation((1, 1, 6), scale=0.05, zero_point=2)
    b.op("ADD", [x, y], [z], add_options("NONE"))
    assert_bit_exact(b.finish([x, y], [z]), tmp_path)


@pytest.mark.parametrize("features", isa_feature_sets(OpKind.ADD))
def test_add_in_place_over_a_dying_input(features: frozenset[str], tmp_path: Path) -> None:
    """x -> requantize -> t; ADD(t, y) -> z: t dies at the ADD, so the planner may put z on t."""
    shape = (1, 4, 4, 3)
    b = ModelBuilder()
    x = b.activation(shape, scale=0.04, zero_point=1)
    t = b.activation(shape, scale=0.05, zero_point=-3)
    y = b.activation(shape, scale=0.02, zero_point=6)
    z = b.activation(shape, scale=0.07, zero_point=-1)
    b.op("QUANTIZE", [x], [t])
    b.op("ADD", [t, y], [z], add_options("NONE"))
    model = b.finish([x, y], [z])
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "model.tflite").write_bytes(model)
    compiled = compile_tflite(tmp_path / "plan" / "model.tflite", tmp_path / "plan" / "build", "host", "model.tflite",
                              features=features)
    graph = compiled.graph
    add = graph.ops[1]
    assert compiled.plan.tensor_offset(add.outputs[0]) in {
        compiled.plan.tensor_offset(add.inputs[0]), compiled.plan.tensor_offset(add.inputs[1])}, \
        "the planner did not place the ADD output in place, so this test would not exercise aliasing"
    (tmp_path / "run").mkdir()
    assert_bit_exact(model, tmp_path / "run", features=features)


def test_add_refuses_shapes_that_do_not_broadcast(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 4, 4, 3))
    y = b.activation((1, 1, 2, 3))
    z = b.activation((1, 4, 4, 3))
    b.op("ADD", [x, y], [z], add_options("NONE"))
    (tmp_path / "m.tflite").write_bytes(b.finish([x, y], [z]))
    with pytest.raises(TinykitError, match="do not broadcast"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")
