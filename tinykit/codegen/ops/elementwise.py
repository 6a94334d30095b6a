"""Emitters for the element-wise family: ADD, LOGISTIC, QUANTIZE, DEQUANTIZE.

ADD of inputs of one shape calls tk_add_s8; broadcasting ADD is emitted by
``arithmetic.py`` with SUB and the other binary ops.

Every constant is derived the way TF Lite Micro's Prepare derives it (see
each helper's docstring for the float32/float64 order that decides the last
bit), so the generated code needs no floating point for the int8 ops. What
makes these ops legal is checked before, in tinykit/legality/elementwise.py
(and arithmetic.py for ADD).
"""

from __future__ import annotations

import math

import numpy as np

from tinykit.codegen.emit import EmitContext, c_float, emitter
from tinykit.codegen.ops.arithmetic import ADD_LEFT_SHIFT, add_family_quants, add_family_structs, emit_add_broadcast
from tinykit.codegen.ops.common import flat_dims
from tinykit.codegen.quant import quantize_multiplier, requantize, round_half_away
from tinykit.ir import AddOptions, DType, Op, OpKind, Tensor
from tinykit.schedule.kernels.elementwise import ADD_TABLES_LAYOUT

LOGISTIC_INPUT_INTEGER_BITS = 4  # must match TK_SIGMOID_INPUT_INTEGER_BITS in tinykit/fixedpoint.h


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


def _scale_and_zero_point(t: Tensor) -> tuple[float, int]:
    return t.quant.single_scale, t.quant.single_zero_point


@emitter(OpKind.ADD)
def emit_add(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, AddOptions)
    in1, in2 = op.inputs[0], op.inputs[1]
    out = op.outputs[0]
    if ctx.kernel.kernel == "tk_add_broadcast_s8":  # the schedule's choice for inputs that differ in shape
        return emit_add_broadcast(op, ctx, opts.activation)
    quants = add_family_quants(op)
    params, quant = add_family_structs(op, ctx, quants, ADD_LEFT_SHIFT, opts.activation)
    operands = (flat_dims(ctx, "input1_dims", in1), ctx.tensor(in1), flat_dims(ctx, "input2_dims", in2),
                ctx.tensor(in2), flat_dims(ctx, "output_dims", out), ctx.tensor(out))
    if ctx.kernel.weight_layout == ADD_TABLES_LAYOUT:
        tables = [add_input_table(-t.quant.single_zero_point, *quants[i]) for i, t in enumerate((in1, in2))]
        # The kernel adds two entries in int32: with TFLite's input multipliers of at most 1/2
        # each entry is below 2^28 in magnitude, so the sum cannot wrap.
        assert sum(int(np.abs(table).max()) for table in tables) < 1 << 31
        names = [ctx.constant(f"input{i + 1}_table", table, "int32_t") for i, table in enumerate(tables)]
        return ctx.call(params, quant, *names, *operands)
    return ctx.call(params, quant, *operands)


def add_input_table(offset: int, multiplier: int, shift: int) -> np.ndarray:
    """Twice tk_add_scaled_input of every int8 value, indexed by the byte as unsigned (cortexm/tk_add_lut_s8.c)."""
    values = [((byte + 128) % 256) - 128 for byte in range(256)]
    return np.array([2 * requantize((x + offset) << ADD_LEFT_SHIFT, multiplier, shift) for x in values], dtype=np.int32)


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
    return ctx.call(params, quant, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out),
                    ctx.tensor(out))


def _affine_quant(ctx: EmitContext, t: Tensor) -> str:
    """``tk_affine_quant``: the float32 scale written as an exact hexadecimal float literal."""
    scale, zero_point = _scale_and_zero_point(t)
    return ctx.struct("tk_affine_quant", "quant", {"scale": c_float(scale), "zero_point": str(zero_point)})


@emitter(OpKind.QUANTIZE)
def emit_quantize(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    dims = (flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out), ctx.tensor(out))
    # The kernel selection picked tk_quantize_f32_s8 or tk_quantize_s8 by the same input type.
    if inp.dtype is DType.FLOAT32:
        return ctx.call(_affine_quant(ctx, out), *dims)
    in_scale, in_zero_point = _scale_and_zero_point(inp)
    out_scale, out_zero_point = _scale_and_zero_point(out)
    multiplier, shift = quantize_multiplier(in_scale / out_scale)  # float64 ratio of float32 scales, as TFLM
    params = ctx.struct("tk_requantize_params", "params", {
        "input_zero_point": str(in_zero_point),
        "output_zero_point": str(out_zero_point),
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return ctx.call(params, quant, *dims)


@emitter(OpKind.DEQUANTIZE)
def emit_dequantize(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    return ctx.call(_affine_quant(ctx, inp), flat_dims(ctx, "input_dims", inp), ctx.tensor(inp),
                    flat_dims(ctx, "output_dims", out), ctx.tensor(out))
