"""RESHAPE, PAD and PADV2 int8: generated C against tflite-micro, bit for bit.

Reshapes between ranks 1 to 4 (also planned in place over a dying input);
pads of ranks 1 to 4 with random (often zero, sometimes large) amounts per
side, filling with the output zero point (PAD) or an explicit constant (PADV2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from modelgen import ModelBuilder
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite

RESHAPES = [((1, 4, 4, 3), (1, 48)), ((1, 48), (1, 4, 4, 3)), ((2, 3, 5), (30,)), ((7,), (1, 7, 1, 1)),
            ((1, 2, 3, 5), (1, 6, 5)), ((1, 1, 1, 9), (1, 9))]


def reshape_op(b: ModelBuilder, x: int, y: int, new_shape: tuple[int, ...]) -> None:
    options = schema.ReshapeOptionsT()
    options.newShape = list(new_shape)
    shape = b.constant(np.array(new_shape, dtype=np.int32))
    b.op("RESHAPE", [x, shape], [y], options)


@pytest.mark.parametrize("index", range(len(RESHAPES)))
def test_reshape_matches_tflite_micro(index: int, tmp_path: Path) -> None:
    before, after = RESHAPES[index]
    b = ModelBuilder()
    x = b.activation(before, scale=0.1, zero_point=5)
    y = b.activation(after, scale=0.1, zero_point=5)
    reshape_op(b, x, y, after)
    assert_bit_exact(b.finish([x], [y]), tmp_path, samples=5, seed=index)


def test_reshape_in_place_over_a_dying_input(tmp_path: Path) -> None:
    """x -> requantize -> t -> RESHAPE -> y: t dies at the RESHAPE, so y may sit on t (no copy at all)."""
    b = ModelBuilder()
    x = b.activation((1, 3, 3, 4), scale=0.05, zero_point=0)
    t = b.activation((1, 3, 3, 4), scale=0.07, zero_point=3)
    y = b.activation((1, 36), scale=0.07, zero_point=3)
    b.op("QUANTIZE", [x], [t])
    reshape_op(b, t, y, (1, 36))
    model = b.finish([x], [y])
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "model.tflite").write_bytes(model)
    compiled = compile_tflite(tmp_path / "plan" / "model.tflite", tmp_path / "plan" / "build", "host", "model.tflite")
    reshape = compiled.graph.ops[1]
    assert compiled.plan.tensor_offset(reshape.outputs[0]) == compiled.plan.tensor_offset(reshape.inputs[0]), \
        "the planner did not place the RESHAPE output in place, so this test would not exercise aliasing"
    (tmp_path / "run").mkdir()
    assert_bit_exact(model, tmp_path / "run")


PAD_SHAPES = [(1, 4, 4, 3), (1, 5, 3, 1), (2, 3, 3, 5), (1, 6, 7), (3, 5), (9,), (1, 1, 1, 7)]


def pad_model(shape: tuple[int, ...], paddings: np.ndarray, zero_point: int, constant: int | None) -> bytes:
    b = ModelBuilder()
    x = b.activation(shape, scale=0.04, zero_point=zero_point)
    out_shape = tuple(int(d + p.sum()) for d, p in zip(shape, paddings))
    y = b.activation(out_shape, scale=0.04, zero_point=zero_point)
    pads = b.constant(paddings.astype(np.int32))
    if constant is None:
        b.op("PAD", [x, pads], [y], schema.PadOptionsT())
    else:
        value = b.constant(np.array([constant], dtype=np.int8), scale=0.04, zero_point=zero_point)
        b.op("PADV2", [x, pads, value], [y], schema.PadV2OptionsT())
    return b.finish([x], [y])


@pytest.mark.parametrize("seed", range(14))
def test_pad_matches_tflite_micro(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(6000 + seed)
    shape = PAD_SHAPES[seed % len(PAD_SHAPES)]
    # Mostly spatial padding as convolutions need it, with zeros and some larger amounts on any axis.
    paddings = rng.integers(0, 4, size=(len(shape), 2)) * (rng.random((len(shape), 2)) < 0.7)
    constant = None if seed % 2 == 0 else int(rng.integers(-128, 128))
    model = pad_model(shape, paddings, int(rng.integers(-128, 128)), constant)
    assert_bit_exact(model, tmp_path, samples=5, seed=seed)
