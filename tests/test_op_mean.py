"""MEAN over height and width: generated C against tflite-micro, bit for bit.

tflite-micro's int8 MEAN could take different paths depending on keep_dims and
on whether input and output quantization are equal, so every combination is
covered, with window sizes from 1 to 400 elements. MEAN over other axes is
tested with the other reductions in test_op_reduce.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, isa_feature_sets
from modelgen import ModelBuilder
from test_op_conv import case_seed, log_uniform_scale
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.ir import OpKind


@dataclass(frozen=True)
class MeanCase:
    batch: int
    height: int
    width: int
    channels: int
    keep_dims: bool
    same_quantization: bool

    def __str__(self) -> str:
        return (f"n{self.batch}_{self.height}x{self.width}x{self.channels}"
                f"{'-keepdims' if self.keep_dims else ''}{'-samequant' if self.same_quantization else '-requant'}")


def add_mean(b: ModelBuilder, case: MeanCase, rng: np.random.Generator, axes: tuple[int, ...] = (1, 2)) -> tuple[int, int]:
    """One MEAN op in ``b``; returns its input and output."""
    in_scale = log_uniform_scale(rng, 0.005, 0.2)
    in_zero_point = int(rng.integers(-128, 128))
    x = b.activation((case.batch, case.height, case.width, case.channels), scale=in_scale, zero_point=in_zero_point)
    axis = b.constant(np.array(axes, dtype=np.int32))
    in_shape = (case.batch, case.height, case.width, case.channels)
    if case.keep_dims:
        out_shape = tuple(1 if d in axes else n for d, n in enumerate(in_shape))
    else:
        out_shape = tuple(n for d, n in enumerate(in_shape) if d not in axes)
    if case.same_quantization:
        y = b.activation(out_shape, scale=in_scale, zero_point=in_zero_point)
    else:
        # A mean spreads less than its inputs, so a finer output scale keeps it in range.
        y = b.activation(out_shape, scale=float(np.float32(in_scale * rng.uniform(0.05, 1.5))),
                         zero_point=int(rng.integers(-100, 101)))
    opts = schema.ReducerOptionsT()
    opts.keepDims = case.keep_dims
    b.op("MEAN", [x, axis], [y], opts)
    return x, y


def mean_model(case: MeanCase, rng: np.random.Generator, axes: tuple[int, ...] = (1, 2)) -> bytes:
    b = ModelBuilder()
    x, y = add_mean(b, case, rng, axes)
    return b.finish([x], [y])


# (1, 20, 20, 8): 400 pixels, more than the 256 the DSP kernel sums in int16 halves at once.
SHAPES = [(1, 1, 1, 3), (1, 2, 3, 5), (2, 5, 5, 7), (1, 7, 7, 16), (1, 20, 20, 1), (2, 3, 11, 4), (1, 20, 20, 8)]
CASES = [MeanCase(*shape, keep, same) for shape in SHAPES for keep in (True, False) for same in (True, False)]


@pytest.mark.parametrize("features", isa_feature_sets(OpKind.MEAN))
@pytest.mark.parametrize("case", CASES, ids=str)
def test_mean_matches_tflite_micro(case: MeanCase, features: frozenset[str], tmp_path: Path) -> None:
    compiled = assert_bit_exact(mean_model(case, np.random.default_rng(case_seed(case))), tmp_path, samples=20, seed=17,
                                features=features)
    (mean,) = compiled.schedule.ops
    assert mean.kernel == ("tk_mean_hw_s8" if "dsp" in features else "tk_mean_s8")
