"""CONV_2D: generated C against tflite-micro, bit for bit, over random single-op models.

Also home of the small model-building helpers the other convolution-family
tests (depthwise, fully connected) share: random float32 scales, bias, and the
output scale that keeps results mostly unsaturated.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, assert_in_place, isa_feature_sets
from modelgen import ModelBuilder
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.codegen.quant import conv_channel_multipliers
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import parse_tflite
from tinykit.ir import OpKind

ACTIVATIONS = {
    "NONE": schema.ActivationFunctionType.NONE,
    "RELU": schema.ActivationFunctionType.RELU,
    "RELU6": schema.ActivationFunctionType.RELU6,
    "RELU_N1_TO_1": schema.ActivationFunctionType.RELU_N1_TO_1,
}
PADDINGS = {"SAME": schema.Padding.SAME, "VALID": schema.Padding.VALID}


def log_uniform_scale(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A float32-representable scale, log-uniform in [lo, hi]."""
    return float(np.float32(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def output_scale_for(rng: np.random.Generator, input_scale: float, filter_scales: list[float], taps: int) -> float:
    """An output scale at which a sum of ``taps`` int8 products mostly lands inside int8, some of it saturating."""
    typical_accumulator = 74.0 * 74.0 * math.sqrt(taps)  # std of int8 x int8 products, summed
    return float(np.float32(input_scale * float(np.mean(filter_scales)) * typical_accumulator / rng.uniform(30, 120)))


def bias_tensor(b: ModelBuilder, rng: np.random.Generator, input_scale: float, filter_scales: list[float],
                units: int, dead: int | None = None) -> int:
    """An int32 bias at scale input_scale * filter_scale (per channel when the filter is);
    channel ``dead`` gets a bias near -2^30, as a trained dead channel's often is."""
    values = rng.integers(-20000, 20000, units, dtype=np.int32)
    if dead is not None:
        values[dead] = -(1 << 30) - 64
    scales = [float(np.float32(input_scale) * np.float32(s)) for s in filter_scales]
    return b.constant(values, scale=scales if len(scales) > 1 else scales[0])


def window_output_size(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """TFLite's output length, written out independently of tinykit.ir."""
    if padding == "SAME":
        return -(-size // stride)
    effective = (kernel - 1) * dilation + 1
    return -(-(size - effective + 1) // stride)


def case_seed(case: object) -> int:
    """A seed fixed by the case's description (Python's str hash changes from run to run)."""
    return zlib.crc32(str(case).encode())


@dataclass(frozen=True)
class ConvCase:
    batch: int
    height: int
    width: int
    in_channels: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    dilation: int
    padding: str
    activation: str
    per_channel: bool
    bias: bool
    groups: int = 1

    def __str__(self) -> str:
        return (f"n{self.batch}_{self.height}x{self.width}x{self.in_channels}-k{self.kernel_h}x{self.kernel_w}"
                f"-s{self.stride_h}{self.stride_w}-d{self.dilation}-{self.padding}-{self.activation}"
                f"-oc{self.out_channels}{'-pc' if self.per_channel else '-pt'}{'' if self.bias else '-nobias'}"
                f"{f'-g{self.groups}' if self.groups > 1 else ''}")


def random_conv_case(rng: np.random.Generator) -> ConvCase:
    while True:
        k_h, k_w = int(rng.choice([1, 2, 3, 5])), int(rng.choice([1, 2, 3]))
        case = ConvCase(
            batch=int(rng.choice([1, 1, 1, 2])), height=int(rng.integers(1, 10)), width=int(rng.integers(1, 10)),
            in_channels=int(rng.choice([1, 2, 3, 5, 7, 8])), out_channels=int(rng.choice([1, 3, 4, 5, 7, 16])),
            kernel_h=k_h, kernel_w=k_w, stride_h=int(rng.integers(1, 4)), stride_w=int(rng.integers(1, 4)),
            dilation=int(rng.choice([1, 1, 2])), padding=str(rng.choice(list(PADDINGS))),
            activation=str(rng.choice(list(ACTIVATIONS))), per_channel=bool(rng.random() < 0.75),
            bias=bool(rng.random() < 0.8),
        )
        out_h = window_output_size(case.height, k_h, case.stride_h, case.dilation, case.padding)
        out_w = window_output_size(case.width, k_w, case.stride_w, case.dilation, case.padding)
        if out_h >= 1 and out_w >= 1:
            return case


def add_conv(b: ModelBuilder, case: ConvCase, rng: np.random.Generator, filter_zero_point: int = 0,
             output_scale: float | None = None, shift_spread: bool = False) -> tuple[int, int]:
    """One CONV_2D of ``case`` in ``b`` with random weights and scales (the output scale
    ``output_scale`` when given); returns its input and output tensors. ``shift_spread``
    (per-channel cases): the filter scales, 2^6 down to 2^-(out_channels - 7) times the
    first, give the channels every right shift from a few bits to 31 and a multiplier of 0,
    and channel 1 is dead (zero weights, a bias near -2^30), as in trained layers (MobileNet's
    late pointwise layers)."""
    in_scale = log_uniform_scale(rng, 0.005, 0.2)
    x = b.activation((case.batch, case.height, case.width, case.in_channels), scale=in_scale,
                     zero_point=int(rng.integers(-128, 128)))
    filter_depth = case.in_channels // case.groups
    n_scales = case.out_channels if case.per_channel else 1
    filter_scales = [log_uniform_scale(rng, 0.001, 0.05) for _ in range(n_scales)]
    if shift_spread:
        filter_scales = [float(np.float32(filter_scales[0] * 2.0 ** (6 - k))) for k in range(n_scales)]
    weights = rng.integers(-127, 128, (case.out_channels, case.kernel_h, case.kernel_w, filter_depth), dtype=np.int8)
    if shift_spread:
        weights[1] = 0
    w = b.constant(weights, scale=filter_scales if case.per_channel else filter_scales[0],
                   zero_point=filter_zero_point, axis=0)
    inputs = [x, w]
    if case.bias:
        inputs.append(bias_tensor(b, rng, in_scale, filter_scales, case.out_channels, 1 if shift_spread else None))
    else:
        inputs.append(-1)
    out_h = window_output_size(case.height, case.kernel_h, case.stride_h, case.dilation, case.padding)
    out_w = window_output_size(case.width, case.kernel_w, case.stride_w, case.dilation, case.padding)
    if output_scale is None:
        typical = filter_scales[6:7] if shift_spread else filter_scales
        output_scale = output_scale_for(rng, in_scale, typical, case.kernel_h * case.kernel_w * filter_depth)
    y = b.activation((case.batch, out_h, out_w, case.out_channels), scale=output_scale,
                     zero_point=int(rng.integers(-100, 101)))
    opts = schema.Conv2DOptionsT()
    opts.padding = PADDINGS[case.padding]
    opts.strideH, opts.strideW = case.stride_h, case.stride_w
    opts.dilationHFactor = opts.dilationWFactor = case.dilation
    opts.fusedActivationFunction = ACTIVATIONS[case.activation]
    b.op("CONV_2D", inputs, [y], opts)
    return x, y


def conv_model(case: ConvCase, rng: np.random.Generator, filter_zero_point: int = 0,
               output_scale: float | None = None, shift_spread: bool = False) -> bytes:
    b = ModelBuilder()
    x, y = add_conv(b, case, rng, filter_zero_point, output_scale, shift_spread)
    return b.finish([x], [y])


RANDOM_CASES = [random_conv_case(np.random.default_rng(1000 + i)) for i in range(24)]
# Hand-picked corners: every activation with a tight output scale, one channel
# in and out, a 1x1 pointwise layer, stride larger than the kernel, grouped, and pointwise corners.
EDGE_CASES = [
    ConvCase(1, 6, 6, 3, 5, 3, 3, 1, 1, 1, "SAME", act, True, True) for act in ACTIVATIONS
] + [
    ConvCase(1, 5, 5, 1, 1, 3, 3, 1, 1, 1, "VALID", "NONE", True, True),
    ConvCase(2, 4, 4, 8, 7, 1, 1, 1, 1, 1, "VALID", "RELU", True, False),
    ConvCase(1, 9, 7, 3, 4, 2, 2, 3, 3, 1, "SAME", "NONE", False, True),
    ConvCase(1, 8, 8, 5, 3, 3, 3, 1, 2, 2, "SAME", "RELU6", True, True),
    ConvCase(1, 6, 5, 6, 4, 3, 3, 1, 1, 1, "SAME", "NONE", True, True, groups=2),
    # Pointwise layers (the DSP build's tk_conv_1x1_s8): depth not a multiple of 4, strided, grouped, batched.
    ConvCase(1, 5, 5, 13, 6, 1, 1, 2, 2, 1, "SAME", "RELU6", True, True),
    ConvCase(1, 4, 3, 16, 8, 1, 1, 1, 1, 1, "VALID", "NONE", False, True, groups=2),
    ConvCase(2, 3, 3, 32, 5, 1, 1, 1, 1, 1, "SAME", "NONE", True, True),
]
# The "quads" kernels (one group, output channels a multiple of 4): 1x1 with an odd
# pixel count, strided, batched, per-tensor; first layers (one channel 10x4 stride 2 as
# in keyword spotting, three channels 3x3 stride 2 SAME as in MobileNet: 27 taps padded
# to 28), padding on every side, dilation, windows partly outside the image.
QUAD_CASES = [
    ConvCase(1, 5, 3, 8, 16, 1, 1, 1, 1, 1, "VALID", "RELU6", True, True),
    ConvCase(2, 5, 4, 12, 8, 1, 1, 2, 2, 1, "SAME", "NONE", False, True),
    ConvCase(1, 3, 3, 64, 12, 1, 1, 1, 1, 1, "VALID", "RELU", True, False),
    ConvCase(1, 13, 6, 1, 8, 10, 4, 2, 2, 1, "SAME", "RELU", True, True),
    ConvCase(1, 9, 9, 3, 8, 3, 3, 2, 2, 1, "SAME", "RELU6", True, True),
    ConvCase(2, 6, 7, 5, 4, 3, 2, 1, 1, 2, "SAME", "NONE", False, True),
    ConvCase(1, 4, 5, 6, 12, 5, 3, 1, 2, 1, "SAME", "RELU_N1_TO_1", True, False),
    # Depth a multiple of 4: im2col a word (four channels) at a time, padding included.
    ConvCase(1, 5, 6, 8, 8, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
    ConvCase(2, 7, 5, 4, 4, 3, 2, 2, 1, 2, "SAME", "NONE", False, True),
    # Depth a multiple of 4, even output channels (tk_conv_triples_s8): three pixels a step with a
    # pixel left over, stride 2 over batches, a dilated 5x3 window partly outside on every side.
    ConvCase(1, 7, 7, 16, 6, 3, 3, 1, 1, 1, "SAME", "NONE", True, True),
    ConvCase(2, 8, 5, 8, 10, 3, 3, 2, 2, 1, "SAME", "RELU", False, True),
    ConvCase(1, 6, 9, 12, 4, 5, 3, 1, 2, 2, "SAME", "RELU6", True, False),
]

# Per-channel layers whose channels shift right by every amount 1..31 or have a multiplier
# of 0 (add_conv's shift_spread): pointwise, 3x3 and a 3-channel first layer, the three kernels
# that read the quads records.
SHIFT_SPREAD_CASES = [
    ConvCase(1, 5, 4, 16, 40, 1, 1, 1, 1, 1, "VALID", "NONE", True, True),
    ConvCase(1, 5, 5, 4, 40, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
    ConvCase(1, 6, 5, 3, 40, 3, 3, 2, 2, 1, "SAME", "NONE", True, True),
]


def expected_dsp_conv_kernel(case: ConvCase) -> str:
    """The DSP build's CONV_2D kernel for ``case``, whose output scale (output_scale_for) makes every
    channel's requantization a right shift, as the "quads" kernels need."""
    quads = case.groups == 1 and case.out_channels % 4 == 0
    if quads and case.in_channels % 4 != 0:
        return "tk_conv_shallow_s8"
    pairs = case.groups == 1 and case.out_channels % 2 == 0 and case.in_channels % 4 == 0
    if (case.kernel_h, case.kernel_w) == (1, 1):
        return "tk_conv_1x1_quads_s8" if pairs else "tk_conv_1x1_s8"
    if pairs:
        return "tk_conv_triples_s8"
    return "tk_conv_quads_s8" if quads else "tk_conv_s8"


@pytest.mark.parametrize("features", isa_feature_sets(OpKind.CONV_2D))
@pytest.mark.parametrize("case", RANDOM_CASES + EDGE_CASES + QUAD_CASES, ids=str)
def test_conv_matches_tflite_micro(case: ConvCase, features: frozenset[str], tmp_path: Path) -> None:
    rng = np.random.default_rng(case_seed(case))
    compiled = assert_bit_exact(conv_model(case, rng), tmp_path, samples=20, seed=7, features=features)
    (conv,) = compiled.schedule.ops
    assert compiled.schedule.features == features
    assert conv.variant == ("dsp" if "dsp" in features else "reference")
    assert conv.kernel == (expected_dsp_conv_kernel(case) if conv.variant == "dsp" else "tk_conv_s8")


@pytest.mark.parametrize("case", QUAD_CASES[7:9], ids=str)
def test_depth_in_words_runs_the_quads_kernel_where_its_pair_saves_arena(case: ConvCase, tmp_path: Path) -> None:
    """A layer alone is its arena's peak, where tk_conv_quads_s8's pixel pair (2 x taps bytes) beats
    tk_conv_triples_s8's three widened patches (6 x taps): the default build runs the quads kernel's
    word-at-a-time im2col, as ResNet-8's 32x32x16 layers do, and it stays exact."""
    rng = np.random.default_rng(case_seed(case))
    compiled = assert_bit_exact(conv_model(case, rng), tmp_path, samples=20, seed=7, features=frozenset({"dsp"}),
                                kernels="auto")
    assert compiled.schedule.ops[0].kernel == "tk_conv_quads_s8"


@pytest.mark.parametrize("case", SHIFT_SPREAD_CASES, ids=str)
def test_conv_with_every_right_shift_runs_on_the_quads_kernels(case: ConvCase, tmp_path: Path) -> None:
    """Channels shifting right by 1..31 and channels with a multiplier of 0 in one layer: the
    quads kernels take it (their records add the output offset after the shift) and stay exact."""
    model = conv_model(case, np.random.default_rng(case_seed(case)), shift_spread=True)
    (op,) = parse_tflite(model).ops
    multipliers = conv_channel_multipliers(op)
    shifts = {shift for multiplier, shift in multipliers if multiplier != 0}
    assert {-2, -31} <= shifts and set(range(-31, -2)) <= shifts and (0, 0) in multipliers, sorted(shifts)
    compiled = assert_bit_exact(model, tmp_path, samples=20, seed=7, features=frozenset({"dsp"}))
    assert compiled.schedule.ops[0].kernel == expected_dsp_conv_kernel(case)


@pytest.mark.parametrize("case", [QUAD_CASES[0], QUAD_CASES[4]], ids=str)
def test_conv_with_multiplier_above_one_half_keeps_the_pairs_kernels(case: ConvCase, tmp_path: Path) -> None:
    """An output scale small enough that requantization shifts left (or not at all): the quads
    kernels' single rounding does not cover it, so the DSP build keeps the filter_pairs kernels."""
    rng = np.random.default_rng(case_seed(case))
    compiled = assert_bit_exact(conv_model(case, rng, output_scale=1e-6), tmp_path, samples=5, seed=7,
                                features=frozenset({"dsp"}))
    (conv,) = compiled.schedule.ops
    assert conv.kernel == ("tk_conv_1x1_s8" if case.kernel_h == 1 else "tk_conv_s8")


@pytest.mark.parametrize("case", [ConvCase(1, 5, 7, 8, 8, 1, 1, 1, 1, 1, "VALID", "RELU", True, True),
                                  ConvCase(2, 3, 3, 12, 12, 1, 1, 1, 1, 1, "SAME", "NONE", False, True)], ids=str)
def test_pointwise_quads_conv_writes_over_its_input(case: ConvCase, tmp_path: Path) -> None:
    """tk_conv_1x1_quads_s8's in-place rule: an output of the input's size shares its buffer, and
    the results stay exact (each pixel pair is in scratch before its outputs are written)."""
    model = conv_model(case, np.random.default_rng(case_seed(case)))
    assert_in_place(model, tmp_path, op_index=0, input_position=0, features=frozenset({"dsp"}))


def test_conv_with_asymmetric_weights_is_refused(tmp_path: Path) -> None:
    case = ConvCase(1, 4, 4, 3, 2, 3, 3, 1, 1, 1, "SAME", "NONE", False, True)
    model = tmp_path / "model.tflite"
    model.write_bytes(conv_model(case, np.random.default_rng(0), filter_zero_point=3))
    with pytest.raises(TinykitError, match=r"CONV_2D.*zero point"):
        compile_tflite(model, tmp_path / "build", "host", "model.tflite")
