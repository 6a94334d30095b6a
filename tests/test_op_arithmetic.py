"""Binary arithmetic int8 ops with broadcasting (ADD, SUB, MUL, SQUARED_DIFFERENCE,
MAXIMUM, MINIMUM): generated C against tflite-micro, bit for bit.

Each model holds a dozen independent ops of one kind, so one compile covers
many cases: random ranks 1 to 6, every broadcasting pattern (an operand's
dimension kept, set to 1 or dropped from the front), scalars, constant
operands, random zero points, scales from equal to far apart, and every fused
activation where the op has one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, assert_in_place, assert_refused
from modelgen import ModelBuilder
from test_op_conv import ACTIVATIONS, log_uniform_scale
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

OPS_PER_MODEL = 12
FUSED_ACTIVATION_OPTIONS = {"ADD": schema.AddOptionsT, "SUB": schema.SubOptionsT, "MUL": schema.MulOptionsT}


def broadcast_pair(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(input1 shape, input2 shape, output shape) of a random broadcast of rank 1 to 6."""
    rank = int(rng.choice([1, 2, 3, 4, 4, 4, 5, 6]))
    full = tuple(int(rng.integers(1, 6)) for _ in range(rank))
    shapes = []
    for _ in range(2):
        pattern = rng.choice(["same", "ones", "drop"], p=[0.4, 0.4, 0.2])
        if pattern == "same":
            shape = full
        else:
            shape = tuple(d if rng.random() < 0.5 else 1 for d in full)
            if pattern == "drop":
                shape = shape[int(rng.integers(0, rank + 1)):]
            if not shapes and shape == ():
                shape = (1,)  # the first operand is a graph input, and graph inputs have a shape
        shapes.append(shape)
    return shapes[0], shapes[1], tuple(np.broadcast_shapes(shapes[0], shapes[1]))


def _scales(rng: np.random.Generator, kind: str) -> tuple[float, float, float]:
    s1 = log_uniform_scale(rng, 0.002, 0.2)
    s2 = s1 if rng.random() < 0.3 else log_uniform_scale(rng, 0.002, 0.2)
    if kind in ("MAXIMUM", "MINIMUM"):
        return s1, s1, s1
    if kind == "MUL":
        return s1, s2, float(np.float32(s1 * s2 * rng.uniform(10, 300)))
    if kind == "SQUARED_DIFFERENCE":
        return s1, s2, float(np.float32(max(s1, s2) ** 2 * rng.uniform(30, 3000)))
    return s1, s2, log_uniform_scale(rng, max(s1, s2) * 0.3, (s1 + s2) * 2.0)


def binary_model(kind: str, seed: int, ops: int = OPS_PER_MODEL) -> bytes:
    """One model of ``ops`` independent ``kind`` ops on random broadcast shapes and quantizations."""
    b = ModelBuilder()
    inputs, outputs = add_binary_ops(b, kind, np.random.default_rng(seed), ops)
    return b.finish(inputs, outputs)


def add_binary_ops(b: ModelBuilder, kind: str, rng: np.random.Generator, ops: int) -> tuple[list[int], list[int]]:
    """Add ``ops`` independent ``kind`` ops to ``b``; returns their graph inputs and outputs."""
    inputs, outputs = [], []
    for _ in range(ops):
        shape1, shape2, out_shape = broadcast_pair(rng)
        s1, s2, so = _scales(rng, kind)
        z1, z2 = (int(rng.integers(-128, 128)) for _ in range(2))
        zo = int(rng.integers(-100, 100))
        if kind in ("MAXIMUM", "MINIMUM"):
            z1 = z2 = zo
        x = b.activation(shape1, scale=s1, zero_point=z1)
        inputs.append(x)
        # A constant operand, as a bias or a learned scale; scalars only as constants (as the converter writes them).
        if rng.random() < 0.2 or shape2 == ():
            y = b.constant(rng.integers(-128, 128, shape2, dtype=np.int8), scale=s2, zero_point=z2)
        else:
            y = b.activation(shape2, scale=s2, zero_point=z2)
            inputs.append(y)
        z = b.activation(out_shape, scale=so, zero_point=zo)
        options = None
        if kind in FUSED_ACTIVATION_OPTIONS:
            options = FUSED_ACTIVATION_OPTIONS[kind]()
            options.fusedActivationFunction = ACTIVATIONS[str(rng.choice(list(ACTIVATIONS)))]
        b.op(kind, [x, y] if rng.random() < 0.7 else [y, x], [z], options)
        outputs.append(z)
    return inputs, outputs


KINDS = ["ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"]
CASES = [(kind, seed) for kind in KINDS for seed in range(2)]


@pytest.mark.parametrize("kind,seed", CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_binary_op_matches_tflite_micro(kind: str, seed: int, tmp_path: Path) -> None:
    assert_bit_exact(binary_model(kind, 4100 + 10 * KINDS.index(kind) + seed), tmp_path, samples=10, seed=seed)


def test_mul_in_place_over_a_dying_input_with_a_broadcast_operand(tmp_path: Path) -> None:
    """x -> requantize -> t; MUL(t, per-channel y) -> z: t dies at the MUL, so the planner may put z on t."""
    b = ModelBuilder()
    x = b.activation((1, 4, 5, 3), scale=0.04, zero_point=1)
    t = b.activation((1, 4, 5, 3), scale=0.05, zero_point=-3)
    y = b.activation((3,), scale=0.02, zero_point=6)
    z = b.activation((1, 4, 5, 3), scale=0.003, zero_point=-1)
    b.op("QUANTIZE", [x], [t])
    b.op("MUL", [t, y], [z], schema.MulOptionsT())
    assert_in_place(b.finish([x, y], [z]), tmp_path, op_index=1, input_position=0)


def test_maximum_refuses_inputs_quantized_unlike_the_output(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((4,), scale=0.1, zero_point=0)
    y = b.activation((4,), scale=0.2, zero_point=0)
    z = b.activation((4,), scale=0.1, zero_point=0)
    b.op("MAXIMUM", [x, y], [z])
    assert_refused(b.finish([x, y], [z]), tmp_path, "quantized differently.*compares raw values")


def test_sub_refuses_an_output_scale_beyond_reach(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((4,), scale=0.5, zero_point=0)
    y = b.activation((4,), scale=0.5, zero_point=0)
    z = b.activation((4,), scale=1e-7, zero_point=0)
    b.op("SUB", [x, y], [z], schema.SubOptionsT())
    assert_refused(b.finish([x, y], [z]), tmp_path, "cannot rescale that far")
