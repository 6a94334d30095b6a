"""DEPTHWISE_CONV_2D: generated C against tflite-micro, bit for bit, over random single-op models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, isa_feature_sets
from modelgen import ModelBuilder
from test_op_conv import (
    ACTIVATIONS,
    PADDINGS,
    bias_tensor,
    case_seed,
    log_uniform_scale,
    output_scale_for,
    window_output_size,
)
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError
from tinykit.ir import OpKind
from tinykit.schedule.kernels.conv import DW_PAIRS_FASTER_SIDE


@dataclass(frozen=True)
class DepthwiseCase:
    batch: int
    height: int
    width: int
    channels: int
    multiplier: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    dilation: int
    padding: str
    activation: str
    per_channel: bool
    bias: bool

    def __str__(self) -> str:
        return (f"n{self.batch}_{self.height}x{self.width}x{self.channels}-m{self.multiplier}"
                f"-k{self.kernel_h}x{self.kernel_w}-s{self.stride_h}{self.stride_w}-d{self.dilation}"
                f"-{self.padding}-{self.activation}{'-pc' if self.per_channel else '-pt'}{'' if self.bias else '-nobias'}")


def random_depthwise_case(rng: np.random.Generator) -> DepthwiseCase:
    while True:
        case = DepthwiseCase(
            batch=int(rng.choice([1, 1, 1, 2])), height=int(rng.integers(1, 11)), width=int(rng.integers(1, 11)),
            channels=int(rng.choice([1, 3, 4, 5, 7, 16])), multiplier=int(rng.choice([1, 1, 2, 3])),
            kernel_h=int(rng.choice([1, 2, 3, 5])), kernel_w=int(rng.choice([1, 3, 5])),
            stride_h=int(rng.integers(1, 4)), stride_w=int(rng.integers(1, 4)), dilation=int(rng.choice([1, 1, 2])),
            padding=str(rng.choice(list(PADDINGS))), activation=str(rng.choice(list(ACTIVATIONS))),
            per_channel=bool(rng.random() < 0.75), bias=bool(rng.random() < 0.8),
        )
        if min(window_output_size(case.height, case.kernel_h, case.stride_h, case.dilation, case.padding),
               window_output_size(case.width, case.kernel_w, case.stride_w, case.dilation, case.padding)) >= 1:
            return case


def depthwise_model(case: DepthwiseCase, rng: np.random.Generator) -> bytes:
    b = ModelBuilder()
    x, y = add_depthwise(b, case, rng)
    return b.finish([x], [y])


def add_depthwise(b: ModelBuilder, case: DepthwiseCase, rng: np.random.Generator) -> tuple[int, int]:
    """One DEPTHWISE_CONV_2D op of ``case`` in ``b``; returns its input and output."""
    out_c = case.channels * case.multiplier
    in_scale = log_uniform_scale(rng, 0.005, 0.2)
    x = b.activation((case.batch, case.height, case.width, case.channels), scale=in_scale,
                     zero_point=int(rng.integers(-128, 128)))
    filter_scales = [log_uniform_scale(rng, 0.001, 0.05) for _ in range(out_c if case.per_channel else 1)]
    weights = rng.integers(-127, 128, (1, case.kernel_h, case.kernel_w, out_c), dtype=np.int8)
    # Depthwise filters are quantized along their last axis (the output channels).
    w = b.constant(weights, scale=filter_scales if case.per_channel else filter_scales[0], axis=3)
    # Without bias the op has two inputs: tflite-micro's depthwise Prepare reads
    # a third input whenever one is listed, even as -1 (absent), and crashes.
    inputs = [x, w, bias_tensor(b, rng, in_scale, filter_scales, out_c)] if case.bias else [x, w]
    out_h = window_output_size(case.height, case.kernel_h, case.stride_h, case.dilation, case.padding)
    out_w = window_output_size(case.width, case.kernel_w, case.stride_w, case.dilation, case.padding)
    y = b.activation((case.batch, out_h, out_w, out_c),
                     scale=output_scale_for(rng, in_scale, filter_scales, case.kernel_h * case.kernel_w),
                     zero_point=int(rng.integers(-100, 101)))
    opts = schema.DepthwiseConv2DOptionsT()
    opts.padding = PADDINGS[case.padding]
    opts.strideH, opts.strideW = case.stride_h, case.stride_w
    opts.dilationHFactor = opts.dilationWFactor = case.dilation
    opts.depthMultiplier = case.multiplier
    opts.fusedActivationFunction = ACTIVATIONS[case.activation]
    b.op("DEPTHWISE_CONV_2D", inputs, [y], opts)
    return x, y


RANDOM_CASES = [random_depthwise_case(np.random.default_rng(2000 + i)) for i in range(24)]
EDGE_CASES = [
    DepthwiseCase(1, 6, 6, 3, 1, 3, 3, 1, 1, 1, "SAME", act, True, True) for act in ACTIVATIONS
] + [
    DepthwiseCase(1, 7, 7, 1, 4, 3, 3, 2, 2, 1, "VALID", "NONE", True, True),
    DepthwiseCase(2, 5, 9, 5, 2, 5, 5, 1, 2, 1, "SAME", "RELU", False, False),
    DepthwiseCase(1, 9, 9, 7, 1, 3, 3, 1, 1, 3, "SAME", "RELU6", True, True),
    # Depth multiplier 1 (the DSP build's tk_depthwise_conv_3x3_s8 and tk_depthwise_conv_dm1_s8): channels
    # in whole words and with a tail, 3x3 at strides 1 and 2 with interior pixels, windows larger than the
    # image, 3x3 with a 3x3 input, rectangular and dilated kernels.
    DepthwiseCase(1, 10, 8, 16, 1, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
    DepthwiseCase(1, 11, 9, 12, 1, 3, 3, 2, 2, 1, "SAME", "RELU6", True, True),
    DepthwiseCase(2, 8, 8, 9, 1, 3, 3, 2, 1, 1, "VALID", "NONE", False, True),
    DepthwiseCase(1, 3, 2, 8, 1, 5, 5, 1, 1, 1, "SAME", "NONE", True, False),
    DepthwiseCase(1, 12, 6, 6, 1, 5, 3, 1, 2, 2, "SAME", "RELU", True, True),
    DepthwiseCase(1, 3, 3, 5, 1, 3, 3, 1, 1, 1, "SAME", "NONE", True, True),
    DepthwiseCase(1, 7, 7, 8, 1, 3, 3, 2, 2, 1, "VALID", "RELU6", True, True),
    # tk_depthwise_conv_c4_s8 (channels in whole words, not 3x3): dilated and strided over batches with a
    # clamp, 1-D filters of odd and even tap counts (no bias), 2x2, windows partly and wholly in the padding.
    DepthwiseCase(2, 9, 7, 12, 1, 5, 3, 2, 1, 2, "SAME", "RELU6", True, True),
    DepthwiseCase(1, 28, 1, 40, 1, 3, 1, 1, 1, 1, "VALID", "RELU", True, True),
    DepthwiseCase(1, 10, 1, 8, 1, 4, 1, 2, 1, 1, "SAME", "NONE", True, False),
    DepthwiseCase(1, 8, 8, 16, 1, 2, 2, 1, 1, 1, "VALID", "RELU_N1_TO_1", False, True),
    DepthwiseCase(1, 2, 3, 4, 1, 7, 5, 1, 1, 2, "SAME", "NONE", True, True),
    # tk_depthwise_conv_3x3_s8 by columns (stride 1 SAME, taller than wide), odd lines, two batches
    # (the first with output sides short enough for tk_depthwise_conv_c4_s8).
    DepthwiseCase(2, 9, 4, 8, 1, 3, 3, 1, 1, 1, "SAME", "RELU6", True, True),
    DepthwiseCase(2, 13, 5, 8, 1, 3, 3, 1, 1, 1, "SAME", "RELU6", True, True),
    DepthwiseCase(1, 11, 3, 5, 1, 3, 3, 1, 1, 1, "SAME", "NONE", False, True),
]


@pytest.mark.parametrize("features", isa_feature_sets(OpKind.DEPTHWISE_CONV_2D))
@pytest.mark.parametrize("case", RANDOM_CASES + EDGE_CASES, ids=str)
def test_depthwise_matches_tflite_micro(case: DepthwiseCase, features: frozenset[str], tmp_path: Path) -> None:
    compiled = assert_bit_exact(depthwise_model(case, np.random.default_rng(case_seed(case))), tmp_path,
                                samples=20, seed=11, features=features)
    (depthwise,) = compiled.schedule.ops
    dsp = "dsp" in features
    assert depthwise.variant == ("dsp" if dsp and case.multiplier == 1 else "reference")
    three_by_three = (case.kernel_h, case.kernel_w, case.dilation) == (3, 3, 1)
    if depthwise.variant != "dsp":
        assert depthwise.kernel == "tk_depthwise_conv_s8"
    elif case.channels % 4 == 0 and not (three_by_three and ring_is_faster(case)):
        # Every case here has right-shifting requantizations and small biases: the no-scratch pairs kernel.
        assert depthwise.kernel == "tk_depthwise_conv_c4_s8"
    elif three_by_three:
        assert depthwise.kernel == "tk_depthwise_conv_3x3_s8"
    else:
        assert depthwise.kernel == "tk_depthwise_conv_dm1_s8"


def ring_is_faster(case: DepthwiseCase) -> bool:
    """Whether the build prefers the 3x3 ring kernel to the pairs kernel for ``case``: stride 1 and an
    output side above DW_PAIRS_FASTER_SIDE pixels."""
    out_h = window_output_size(case.height, case.kernel_h, case.stride_h, case.dilation, case.padding)
    out_w = window_output_size(case.width, case.kernel_w, case.stride_w, case.dilation, case.padding)
    return (case.stride_h, case.stride_w) == (1, 1) and max(out_h, out_w) > DW_PAIRS_FASTER_SIDE


def test_depthwise_with_mismatched_channels_is_refused(tmp_path: Path) -> None:
    # 5 filter channels cannot come from 3 input channels by a whole depth multiplier.
    b = ModelBuilder()
    x = b.activation((1, 4, 4, 3), scale=0.05)
    w = b.constant(np.ones((1, 3, 3, 5), dtype=np.int8), scale=0.01, axis=3)
    y = b.activation((1, 4, 4, 5), scale=0.1)
    opts = schema.DepthwiseConv2DOptionsT()
    opts.padding, opts.strideH, opts.strideW, opts.depthMultiplier = schema.Padding.SAME, 1, 1, 2
    b.op("DEPTHWISE_CONV_2D", [x, w], [y], opts)
    model = tmp_path / "model.tflite"
    model.write_bytes(b.finish([x], [y]))
    with pytest.raises(TinykitError, match=r"DEPTHWISE_CONV_2D.*depth multiplier"):
        compile_tflite(model, tmp_path / "build", "host", "model.tflite")
