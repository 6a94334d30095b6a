"""Emitters for the activation family: RELU, RELU6, LEAKY_RELU, PRELU,
HARD_SWISH and TANH (LOGISTIC lives with the element-wise family).

Every constant is derived the way TF Lite Micro's Prepare derives it, with
its float32/float64 order (see each helper). What each op accepts is checked
in ``tinykit/legality/activation.py`` before any emitter runs.
"""

from __future__ import annotations

import math

import numpy as np

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.arithmetic import per_tensor_initializer
from tinykit.codegen.ops.common import flat_dims
from tinykit.codegen.ops.elementwise import logistic_input_scaling
from tinykit.codegen.ops.walks import broadcast_struct
from tinykit.codegen.quant import INT8_MAX, INT8_MIN, quantize_float32, quantize_multiplier, round_half_away
from tinykit.ir import LeakyReluOptions, Op, OpKind


def _unary_operands(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    return f"{flat_dims(ctx, 'input_dims', inp)}, {ctx.tensor(inp)}, {flat_dims(ctx, 'output_dims', out)}, {ctx.tensor(out)}"


def float32_ratio(numerator: float, denominator: float) -> float:
    """A ratio of two float32 scales taken in float32 and widened, as TF Lite Micro's
    ``static_cast<double>(a->params.scale / b->params.scale)``."""
    return float(np.float32(numerator) / np.float32(denominator))


@emitter(OpKind.RELU)
def emit_relu(op: Op, ctx: EmitContext) -> str:
    """TF Lite Micro's CalculateReluOpData: a float32 scale ratio; the clamp's
    lower end is the output zero point (0 / scale rounds to 0)."""
    inp, out = op.inputs[0], op.outputs[0]
    multiplier, shift = quantize_multiplier(float32_ratio(inp.quant.single_scale, out.quant.single_scale))
    output_zero_point = out.quant.single_zero_point
    params = ctx.struct("tk_relu_params", "params", {
        "input_zero_point": str(inp.quant.single_zero_point),
        "output_zero_point": str(output_zero_point),
        "clamp": f"{{.min = {max(INT8_MIN, output_zero_point)}, .max = {INT8_MAX}}}",
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return ctx.call(params, quant, _unary_operands(op, ctx))


def relu6_clamp(input_scale: float, input_zero_point: int) -> tuple[int, int]:
    """TF Lite Micro's Relu6Prepare: the input's zero point and FloatToQuantizedType(6),
    a float32 division rounded half away from zero, clamped to int8."""
    six = min(max(quantize_float32(6.0, input_scale, input_zero_point), INT8_MIN), INT8_MAX)
    return input_zero_point, six


@emitter(OpKind.RELU6)
def emit_relu6(op: Op, ctx: EmitContext) -> str:
    inp = op.inputs[0]
    lo, hi = relu6_clamp(inp.quant.single_scale, inp.quant.single_zero_point)
    clamp = ctx.struct("tk_activation", "clamp", {"min": str(lo), "max": str(hi)})
    return ctx.call(clamp, _unary_operands(op, ctx))


def leaky_relu_multipliers(input_scale: float, alpha: float, output_scale: float) -> tuple[float, float]:
    """(identity, alpha) real multipliers as TF Lite Micro's CalculateOpDataLeakyRelu:
    input scale times alpha, then over the output scale, all in float32."""
    alpha_real = float(np.float32(np.float32(input_scale) * np.float32(alpha)) / np.float32(output_scale))
    return float32_ratio(input_scale, output_scale), alpha_real


def negative_alpha_multiplier(alpha_real: float) -> tuple[int, int]:
    """(multiplier, shift) of |alpha_real|, as TF Lite Micro's QuantizeLeakyRelu uses it:
    it quantizes the signed multiplier (frexp and rounding are symmetric) and negates
    it back. Only a fraction rounding up to 2^31 is not symmetric: TF Lite Micro halves
    it for a positive alpha and would overflow for a negative one (legality refuses that)."""
    return quantize_multiplier(abs(alpha_real))


def leaky_relu_alpha_overflows(alpha_real: float) -> bool:
    """True for the negative alpha whose Q31 multiplier rounds to -2^31 in TF Lite Micro."""
    if alpha_real >= 0:
        return False
    fraction, _ = math.frexp(-alpha_real)
    return round_half_away(fraction * (1 << 31)) == 1 << 31


@emitter(OpKind.LEAKY_RELU)
def emit_leaky_relu(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, LeakyReluOptions)
    inp, out = op.inputs[0], op.outputs[0]
    identity, alpha = leaky_relu_multipliers(inp.quant.single_scale, op.options.alpha, out.quant.single_scale)
    params = ctx.struct("tk_leaky_relu_params", "params", {
        "input_zero_point": str(inp.quant.single_zero_point),
        "output_zero_point": str(out.quant.single_zero_point),
        "negative_alpha": "1" if alpha < 0 else "0",
    })
    quant = ctx.struct("tk_two_slope_quant", "quant", {
        "identity": per_tensor_initializer(*quantize_multiplier(identity)),
        "alpha": per_tensor_initializer(*negative_alpha_multiplier(alpha)),
    })
    return ctx.call(params, quant, _unary_operands(op, ctx))


@emitter(OpKind.PRELU)
def emit_prelu(op: Op, ctx: EmitContext) -> str:
    """TF Lite Micro's CalculatePreluParams: both ratios in float64."""
    inp, alpha, out = op.inputs[0], op.inputs[1], op.outputs[0]
    si, sa, so = inp.quant.single_scale, alpha.quant.single_scale, out.quant.single_scale
    params = ctx.struct("tk_prelu_params", "params", {
        "input_offset": str(-inp.quant.single_zero_point),
        "alpha_offset": str(-alpha.quant.single_zero_point),
        "output_offset": str(out.quant.single_zero_point),
    })
    quant = ctx.struct("tk_two_slope_quant", "quant", {
        "identity": per_tensor_initializer(*quantize_multiplier(si / so)),
        "alpha": per_tensor_initializer(*quantize_multiplier(si * sa / so)),
    })
    walk = broadcast_struct(ctx, inp.shape, alpha.shape, out.shape)
    return ctx.call(params, quant, walk, ctx.tensor(inp), ctx.tensor(alpha), ctx.tensor(out))


def downscale_to_q15(multiplier: int) -> int:
    """TF Lite's DownScaleInt32ToInt16Multiplier: a Q31 multiplier rounded to Q15."""
    if multiplier >= (1 << 31) - 1 - (1 << 15):
        return (1 << 15) - 1
    return (multiplier + (1 << 15)) >> 16


def hard_swish_multipliers(input_scale: float, output_scale: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """((output multiplier, shift), (reluish multiplier, shift)) in Q15, as TF Lite Micro's
    HardSwishPrepare: the input scale over 128 and 3/32768 in float32, each ratio in
    float32 quantized in Q31 and rounded to Q15."""
    hires_input_scale = np.float32(1.0 / 128.0) * np.float32(input_scale)
    reluish_scale = np.float32(3.0) / np.float32(32768.0)
    output_multiplier, output_shift = quantize_multiplier(float(hires_input_scale / np.float32(output_scale)))
    reluish_multiplier, reluish_shift = quantize_multiplier(float(hires_input_scale / reluish_scale))
    return ((downscale_to_q15(output_multiplier), output_shift), (downscale_to_q15(reluish_multiplier), reluish_shift))


@emitter(OpKind.HARD_SWISH)
def emit_hard_swish(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    (output_multiplier, output_shift), (reluish_multiplier, reluish_shift) = hard_swish_multipliers(
        inp.quant.single_scale, out.quant.single_scale)
    params = ctx.struct("tk_hard_swish_params", "params", {
        "input_zero_point": str(inp.quant.single_zero_point),
        "output_zero_point": str(out.quant.single_zero_point),
        "output_multiplier": str(output_multiplier), "output_shift": str(output_shift),
        "reluish_multiplier": str(reluish_multiplier), "reluish_shift": str(reluish_shift),
    })
    return ctx.call(params, _unary_operands(op, ctx))


@emitter(OpKind.TANH)
def emit_tanh(op: Op, ctx: EmitContext) -> str:
    """TF Lite Micro's int8 TanhPrepare forms the same input stage as LOGISTIC's."""
    inp = op.inputs[0]
    multiplier, shift, radius = logistic_input_scaling(inp.quant.single_scale)
    params = ctx.struct("tk_logistic_params", "params", {
        "input_zero_point": str(inp.quant.single_zero_point), "input_range_radius": str(radius),
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return ctx.call(params, quant, _unary_operands(op, ctx))
