"""Build-time quantization arithmetic, matching TF Lite Micro to the bit.

TFLM derives fixed-point constants from float32 scales when a model is
prepared; tinykit derives the same constants here, once, and writes them into
the generated C. The float rounding and the float32/float64 mix follow the
TFLite quantization spec's reference code, because any difference in a
multiplier's last bit changes outputs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from tinykit.ir import Activation, Op

INT8_MIN = -128
INT8_MAX = 127


def round_half_away(x: float) -> int:
    """std::round: halves round away from zero (Python's round() rounds to even)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


@functools.lru_cache(maxsize=4096)
def quantize_multiplier(real_multiplier: float) -> tuple[int, int]:
    """Split a positive real multiplier into a Q31 multiplier and a power-of-two shift.

    real ~= multiplier * 2^(shift - 31); shift > 0 means a left shift.
    Cached: kernel selection and legality ask for every channel of every
    op, and the search's candidate graphs repeat a few placeholder scales
    over thousands of channels (a third of scoring a candidate was here).
    """
    if real_multiplier == 0.0:
        return 0, 0
    if real_multiplier < 0.0:
        raise ValueError(f"negative requantization multiplier {real_multiplier}")
    fraction, shift = math.frexp(real_multiplier)
    q_fixed = round_half_away(fraction * (1 << 31))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift = 0
        q_fixed = 0
    return q_fixed, shift


def conv_multipliers(input_scale: float, filter_scales: Sequence[float], output_scale: float) -> list[float]:
    """double(input) * double(filter) / double(output), per output channel.

    This is TFLite's PopulateConvolutionQuantizationParams, and also what the
    installed tflite-micro computes for FULLY_CONNECTED with per-tensor weights:
    older TFLite sources round input * filter to float32 first there, but
    tests/test_op_fully_connected.py finds outputs where only the double
    product matches tflite-micro.
    """
    return [input_scale * f / output_scale for f in filter_scales]


def conv_channel_multipliers(op: Op) -> list[tuple[int, int]]:
    """(multiplier, shift) of each output channel of a CONV_2D-like op (input, filter with one
    scale per tensor or per output channel, output): quantize_multiplier of conv_multipliers."""
    scales = op.inputs[1].quant.scale
    units = op.outputs[0].shape[-1]
    per_channel = scales * units if len(scales) == 1 else scales
    reals = conv_multipliers(op.inputs[0].quant.single_scale, per_channel, op.outputs[0].quant.single_scale)
    return [quantize_multiplier(m) for m in reals]


def _wrap_int32(x: int) -> int:
    return (x + 2**31) % 2**32 - 2**31


def requantize(x: int, multiplier: int, shift: int) -> int:
    """TFLite's MultiplyByQuantizedMultiplier (tk_requantize in C) on Python ints: x * 2^max(shift, 0)
    wrapped to int32, the rounding doubling high multiply, then a right shift by max(-shift, 0)
    rounding half away from zero. For constants the build tabulates (ADD's input scaling)."""
    x = _wrap_int32(x << max(shift, 0))
    if x == multiplier == -(2**31):
        high = 2**31 - 1
    else:
        product = x * multiplier
        nudged = product + ((1 << 30) if product >= 0 else 1 - (1 << 30))
        high = abs(nudged) >> 31 if nudged >= 0 else -(abs(nudged) >> 31)  # truncation toward zero
    right = max(-shift, 0)
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (1 if high < 0 else 0)
    return (high >> right) + (1 if (high & mask) > threshold else 0)


def float32(x: float) -> np.float32:
    return np.float32(x)


def quantize_float32(value: float, scale: float, zero_point: int) -> int:
    """zero_point + round(value / scale), with the division in float32 as TFLite does."""
    quotient = float(np.float32(value) / np.float32(scale))
    return zero_point + round_half_away(quotient)


def activation_range_int8(activation: Activation, scale: float, zero_point: int) -> tuple[int, int]:
    """The int8 clamp range of a fused activation for an output of this quantization."""
    lo, hi = INT8_MIN, INT8_MAX
    if activation is Activation.RELU:
        lo = max(lo, quantize_float32(0.0, scale, zero_point))
    elif activation is Activation.RELU6:
        lo = max(lo, quantize_float32(0.0, scale, zero_point))
        hi = min(hi, quantize_float32(6.0, scale, zero_point))
    elif activation is Activation.RELU_N1_TO_1:
        lo = max(lo, quantize_float32(-1.0, scale, zero_point))
        hi = min(hi, quantize_float32(1.0, scale, zero_point))
    return lo, hi
