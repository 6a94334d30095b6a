"""Reductions over any axes (SUM, MEAN, REDUCE_MAX, REDUCE_MIN) and ARG_MAX:
generated C against tflite-micro, bit for bit.

Each model holds a dozen independent ops of one kind over random shapes of
rank 1 to 5, random (possibly non-adjacent) axes, with and without keep_dims,
so one compile covers many cases. MEAN over height and width of a 4-D input
has its own kernel and tests (test_op_mean.py); here MEAN takes every other
axis set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, assert_refused
from modelgen import ModelBuilder
from test_op_conv import log_uniform_scale
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

OPS_PER_MODEL = 12


def _random_axes(rng: np.random.Generator, rank: int) -> tuple[int, ...]:
    count = int(rng.integers(1, rank + 1))
    return tuple(sorted(int(a) for a in rng.choice(rank, size=count, replace=False)))


def _output_quantization(kind: str, rng: np.random.Generator, scale: float, zero_point: int,
                         count: int) -> tuple[float, int]:
    if kind in ("REDUCE_MAX", "REDUCE_MIN") or (kind == "MEAN" and rng.random() < 0.3):
        return scale, zero_point
    if kind == "SUM":  # a sum spreads about sqrt(count) times wider than its inputs
        return float(np.float32(scale * np.sqrt(count) * rng.uniform(0.3, 3.0))), int(rng.integers(-100, 101))
    return float(np.float32(scale * rng.uniform(0.05, 1.5))), int(rng.integers(-100, 101))


def reduce_model(kind: str, seed: int, ops: int = OPS_PER_MODEL) -> bytes:
    """One model of ``ops`` independent ``kind`` reductions of random shapes over random axes."""
    b = ModelBuilder()
    inputs, outputs = add_reduce_ops(b, kind, np.random.default_rng(seed), ops)
    return b.finish(inputs, outputs)


def add_reduce_ops(b: ModelBuilder, kind: str, rng: np.random.Generator, ops: int) -> tuple[list[int], list[int]]:
    """Add ``ops`` independent ``kind`` reductions to ``b``; returns their graph inputs and outputs."""
    inputs, outputs = [], []
    for _ in range(ops):
        rank = int(rng.integers(1, 6))
        shape = tuple(int(rng.integers(1, 7)) for _ in range(rank))
        scale, zero_point = log_uniform_scale(rng, 0.005, 0.2), int(rng.integers(-128, 128))
        x = b.activation(shape, scale=scale, zero_point=zero_point)
        if kind == "ARG_MAX":
            axis = int(rng.integers(-rank, rank))
            y = b.activation(tuple(n for d, n in enumerate(shape) if d != axis % rank), dtype="int32", scale=None)
            options = schema.ArgMaxOptionsT()
            options.outputType = schema.TensorType.INT32
            b.op(kind, [x, b.constant(np.array([axis], dtype=np.int32))], [y], options)
        else:
            axes = _random_axes(rng, rank)
            if kind == "MEAN" and rank == 4 and axes == (1, 2):
                axes = (1, 2, 3)
            keep_dims = bool(rng.random() < 0.5)
            if keep_dims:
                out_shape = tuple(1 if d in axes else n for d, n in enumerate(shape))
            else:
                out_shape = tuple(n for d, n in enumerate(shape) if d not in axes)
            count = int(np.prod([shape[a] for a in axes]))
            out_scale, out_zero_point = _output_quantization(kind, rng, scale, zero_point, count)
            y = b.activation(out_shape, scale=out_scale, zero_point=out_zero_point)
            options = schema.ReducerOptionsT()
            options.keepDims = keep_dims
            # Some axes negative, as converters write them.
            written = [a - rank if rng.random() < 0.3 else a for a in axes]
            b.op(kind, [x, b.constant(np.array(written, dtype=np.int32))], [y], options)
        inputs.append(x)
        outputs.append(y)
    return inputs, outputs


KINDS = ["SUM", "MEAN", "REDUCE_MAX", "REDUCE_MIN", "ARG_MAX"]
CASES = [(kind, seed) for kind in KINDS for seed in range(2)]


@pytest.mark.parametrize("kind,seed", CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_reduction_matches_tflite_micro(kind: str, seed: int, tmp_path: Path) -> None:
    assert_bit_exact(reduce_model(kind, 6100 + 10 * KINDS.index(kind) + seed), tmp_path, samples=10, seed=seed)


def test_reduce_max_refuses_an_output_quantized_unlike_its_input(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 4, 4, 3), scale=0.1, zero_point=0)
    y = b.activation((1, 3), scale=0.2, zero_point=0)
    b.op("REDUCE_MAX", [x, b.constant(np.array([1, 2], dtype=np.int32))], [y], schema.ReducerOptionsT())
    assert_refused(b.finish([x], [y]), tmp_path, "requires them equal")


def test_arg_max_refuses_int64_indices(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((2, 5), scale=0.1, zero_point=0)
    y = b.activation((2,), dtype="int64", scale=None)
    options = schema.ArgMaxOptionsT()
    options.outputType = schema.TensorType.INT64
    b.op("ARG_MAX", [x, b.constant(np.array([1], dtype=np.int32))], [y], options)
    assert_refused(b.finish([x], [y]), tmp_path, "int32 indices only")
