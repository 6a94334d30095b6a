"""Emitters for the element-wise family: ADD, LOGISTIC, QUANTIZE, DEQUANTIZE.

Every constant is derived the way TF Lite Micro's Prepare derives it (see
each helper's docstring for the float32/float64 order that decides the last
bit), so the generated code needs no floating point for the int8 ops. What
makes these ops legal is checked before, in tinykit/legality/elementwise.py.
"""

from __future__ import annotations

import math

import numpy as np

from tinykit.codegen.emit import EmitContext, c_float, emitter
from tinykit.codegen.ops.common import activation_initializer, flat_dims
from tinykit.codegen.quant import quantize_multiplier, round_half_away
from tinykit.ir import AddOptions, DType, Op, OpKind, Tensor

ADD_LEFT_SHIFT = 20  # headroom bits TF Lite Micro gives int8 ADD inputs
LOGISTIC_INPUT_INTEGER_BITS = 4  # must match tk_logistic_s8.c


def add_multipliers(input1_scale: float, input2_scale: float, output_scale: float) -> tuple[float, float, float]:
    """Real multipliers of ADD (input1, input2, output) as TF Lite Micro's CalculateOpDataAdd:
    the larger float32 input scale is doubled in float64 and every ratio is taken in float64."""
    twice_max_input_scale = 2.0 * float(max(np.float32(input1_scale), np.float32(input2_scale)))
    return (
        input1_scale / twice_max_input_scale,
        input2_scale / twice_max_input_scale,
        twice_max_input_scale / ((1 << ADD_LEFT_SHIFT) * output_scale),
    )


def logistic_input_scaling(input_scale: float) -> tuple[int, int, int]:
    """(multiplier, shift, input range radius) of LOGISTIC, as TF Lite Micro's
    CalculateArithmeticOpDataLogistic: input_scale * 2^27 split by frexp, and the
    largest centred input whose rescaled value stays inside Q4.27."""
    multiplier_real = input_scale * float(1 << (31 - LOGISTIC_INPUT_INTEGER_BITS))
    fraction, shift = math.frexp(multiplier_real)
    multiplier = round_half_away(fraction * (1 << 31))
    radius = math.floor(
        ((1 << LOGISTIC_INPUT_INTEGER_BITS) - 1) * float(1 << (31 - LOGISTIC_INPUT_INTEGER_BITS)) / 2.0**shift)
    return multiplier, shift, radius


def _per_tensor(multiplier: int, shift: int) -> str:
    return f"{{.multiplier = {multiplier}, .shift = {shift}}}"


def _scale_and_zero_point(t: Tensor) -> tuple[float, int]:
    return t.quant.single_scale, t.quant.single_zero_point


@emitter(OpKind.ADD)
def emit_add(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, AddOptions)
    in1, in2 = op.inputs[0], op.inputs[1]
    out = op.outputs[0]
    s1, z1 = _scale_and_zero_point(in1)
    s2, z2 = _scale_and_zero_point(in2)
    so, zo = _scale_and_zero_point(out)
    quants = [quantize_multiplier(m) for m in add_multipliers(s1, s2, so)]
    params = ctx.struct("tk_add_params", "params", {
        "input1_offset": str(-z1),
        "input2_offset": str(-z2),
        "output_offset": str(zo),
        "left_shift": str(ADD_LEFT_SHIFT),
        "activation": activation_initializer(opts.activation, out),
    })
    quant = ctx.struct("tk_add_quant", "quant", {
        "input1": _per_tensor(*quants[0]),
        "input2": _per_tensor(*quants[1]),
        "output": _per_tensor(*quants[2]),
    })
    return (
        f"tk_add_s8({params}, {quant}, {flat_dims(ctx, 'input1_dims', in1)}, {ctx.tensor(in1)}, "
        f"{flat_dims(ctx, 'input2_dims', in2)}, {ctx.tensor(in2)}, {flat_dims(ctx, 'output_dims', out)}, "
        f"{ctx.tensor(out)})"
    )


@emitter(OpKind.LOGISTIC)
def emit_logistic(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    scale, zero_point = _scale_and_zero_point(inp)
    multiplier, shift, radius = logistic_input_scaling(scale)
    params = ctx.struct("tk_logistic_params", "params", {
        "input_zero_point": str(zero_point),
        "input_range_radius": str(radius),
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return (
        f"tk_logistic_s8({params}, {quant}, {flat_dims(ctx, 'input_dims', inp)}, {ctx.tensor(inp)}, "
        f"{flat_dims(ctx, 'output_dims', out)}, {ctx.tensor(out)})"
    )


def _affine_quant(ctx: EmitContext, t: Tensor) -> str:
    """``tk_affine_quant``: the float32 scale written as an exact hexadecimal float literal."""
    scale, zero_point = _scale_and_zero_point(t)
    return ctx.struct("tk_affine_quant", "quant", {"scale": c_float(scale), "zero_point": str(zero_point)})


@emitter(OpKind.QUANTIZE)
def emit_quantize(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    dims = f"{flat_dims(ctx, 'input_dims', inp)}, {ctx.tensor(inp)}, {flat_dims(ctx, 'output_dims', out)}, {ctx.tensor(out)}"
    if inp.dtype is DType.FLOAT32:
        return f"tk_quantize_f32_s8({_affine_quant(ctx, out)}, {dims})"
    in_scale, in_zero_point = _scale_and_zero_point(inp)
    out_scale, out_zero_point = _scale_and_zero_point(out)
    multiplier, shift = quantize_multiplier(in_scale / out_scale)  # float64 ratio of float32 scales, as TFLM
    params = ctx.struct("tk_requantize_params", "params", {
        "input_zero_point": str(in_zero_point),
        "output_zero_point": str(out_zero_point),
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return f"tk_quantize_s8({params}, {quant}, {dims})"


@emitter(OpKind.DEQUANTIZE)
def emit_dequantize(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    return (
        f"tk_dequantize_s8({_affine_quant(ctx, inp)}, {flat_dims(ctx, 'input_dims', inp)}, {ctx.tensor(inp)}, "
        f"{flat_dims(ctx, 'output_dims', out)}, {ctx.tensor(out)})"
    )
