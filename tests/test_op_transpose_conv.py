"""TRANSPOSE_CONV (Keras' Conv2DTranspose): generated C against tflite-micro, bit for bit.

Each model holds a dozen independent transposed convolutions of random shape
(batch, channels, filter size, strides smaller, equal to and larger than the
filter, SAME and VALID padding, an output one larger than the padding gives as
Keras' output_padding makes it), per-channel or per-tensor weights, with and
without bias, every fused activation, so one compile covers many cases; each
op has its own int32 accumulator scratch placed by the planner.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, assert_refused
from modelgen import ModelBuilder
from test_op_conv import ACTIVATIONS, PADDINGS, bias_tensor, log_uniform_scale, output_scale_for
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.frontend.tflite_reader import read_tflite
from tinykit.ir import Op, OpKind

OPS_PER_MODEL = 12
SEEDS = (0, 1, 2)


def _options(padding: str, stride_h: int, stride_w: int, activation: str) -> schema.TransposeConvOptionsT:
    options = schema.TransposeConvOptionsT()
    options.padding = PADDINGS[padding]
    options.strideH, options.strideW = stride_h, stride_w
    options.fusedActivationFunction = ACTIVATIONS[activation]
    return options


def add_transpose_conv_ops(b: ModelBuilder, rng: np.random.Generator, ops: int) -> tuple[list[int], list[int]]:
    """Add ``ops`` independent random TRANSPOSE_CONV ops to ``b``; returns their graph inputs and outputs."""
    inputs, outputs = [], []
    for _ in range(ops):
        batch, in_h, in_w = int(rng.choice([1, 1, 2])), int(rng.integers(1, 6)), int(rng.integers(1, 6))
        in_c, out_c = int(rng.choice([1, 2, 3, 5, 8])), int(rng.choice([1, 2, 4, 5, 7]))
        k_h, k_w = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride_h, stride_w = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        padding = str(rng.choice(list(PADDINGS)))
        if padding == "SAME":
            out_h, out_w = in_h * stride_h, in_w * stride_w
        else:
            out_h, out_w = (in_h - 1) * stride_h + k_h, (in_w - 1) * stride_w + k_w
        if stride_h > 1 and rng.random() < 0.25:  # Keras' output_padding
            out_h += 1
        in_scale = log_uniform_scale(rng, 0.005, 0.2)
        x = b.activation((batch, in_h, in_w, in_c), scale=in_scale, zero_point=int(rng.integers(-128, 128)))
        per_channel = bool(rng.random() < 0.75)
        filter_scales = [log_uniform_scale(rng, 0.001, 0.05) for _ in range(out_c if per_channel else 1)]
        weights = rng.integers(-127, 128, (out_c, k_h, k_w, in_c), dtype=np.int8)
        w = b.constant(weights, scale=filter_scales if per_channel else filter_scales[0], axis=0)
        taps = in_c * math.ceil(k_h / stride_h) * math.ceil(k_w / stride_w)
        y = b.activation((batch, out_h, out_w, out_c), scale=output_scale_for(rng, in_scale, filter_scales, taps),
                         zero_point=int(rng.integers(-100, 101)))
        operands = [b.constant(np.array([batch, out_h, out_w, out_c], dtype=np.int32)), w, x]
        if rng.random() < 0.8:
            operands.append(bias_tensor(b, rng, in_scale, filter_scales, out_c))
        b.op("TRANSPOSE_CONV", operands, [y],
             _options(padding, stride_h, stride_w, str(rng.choice(list(ACTIVATIONS)))))
        inputs.append(x)
        outputs.append(y)
    return inputs, outputs


def transpose_conv_model(seed: int) -> bytes:
    b = ModelBuilder()
    inputs, outputs = add_transpose_conv_ops(b, np.random.default_rng(8100 + seed), OPS_PER_MODEL)
    return b.finish(inputs, outputs)


def transpose_conv_ops(tmp_path: Path) -> list[Op]:
    """The TRANSPOSE_CONV ops the tests here run (tests/test_scratch_sizes.py checks their scratch)."""
    ops = []
    for seed in SEEDS:
        path = tmp_path / f"transpose_conv{seed}.tflite"
        path.write_bytes(transpose_conv_model(seed))
        ops += [op for op in read_tflite(path).ops if op.kind is OpKind.TRANSPOSE_CONV]
    return ops


@pytest.mark.parametrize("seed", SEEDS)
def test_transpose_conv_matches_tflite_micro(seed: int, tmp_path: Path) -> None:
    compiled = assert_bit_exact(transpose_conv_model(seed), tmp_path, samples=8, seed=seed)
    for op in compiled.graph.ops:
        entry = compiled.schedule.op(op)
        assert entry.scratch_bytes == op.outputs[0].size * 4
        assert compiled.plan.scratch_offset(op) is not None


def _stride_two_model(filter_shape: tuple[int, int, int, int], output_shape: list[int]) -> bytes:
    """A SAME stride-2 TRANSPOSE_CONV of a [1, 3, 3, 2] input into [1, 6, 6, 4], with the given filter
    shape and output shape operand."""
    b = ModelBuilder()
    x = b.activation((1, 3, 3, 2))
    w = b.constant(np.ones(filter_shape, dtype=np.int8), scale=0.01)
    y = b.activation((1, 6, 6, 4))
    b.op("TRANSPOSE_CONV", [b.constant(np.array(output_shape, dtype=np.int32)), w, x], [y],
         _options("SAME", 2, 2, "NONE"))
    return b.finish([x], [y])


def test_transpose_conv_refuses_a_filter_whose_channels_do_not_fit(tmp_path: Path) -> None:
    assert_refused(_stride_two_model((4, 3, 3, 3), [1, 6, 6, 4]), tmp_path, "do not fit")


def test_transpose_conv_refuses_an_output_shape_unlike_the_output(tmp_path: Path) -> None:
    assert_refused(_stride_two_model((4, 3, 3, 2), [1, 7, 6, 4]), tmp_path, "output shape tensor holds")
