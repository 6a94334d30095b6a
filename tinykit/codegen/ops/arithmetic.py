"""Emitters for the binary arithmetic family with broadcasting: SUB, MUL,
SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, and ADD when its inputs differ in shape.

Every multiplier is derived the way TF Lite Micro's Prepare derives it, with
its float32/float64 order (see each helper), because the order decides the
multiplier's last bit. What each op accepts is checked in
``tinykit/legality/arithmetic.py`` before any emitter runs.
"""

from __future__ import annotations

import numpy as np

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import activation_initializer
from tinykit.codegen.ops.walks import broadcast_struct
from tinykit.codegen.quant import quantize_multiplier
from tinykit.ir import Activation, ArithmeticOptions, Op, OpKind, Tensor

ADD_LEFT_SHIFT = 20  # headroom bits TF Lite Micro gives int8 ADD and SUB inputs
SQUARED_DIFFERENCE_LEFT_SHIFT = 7  # TF Lite Micro's int8 SQUARED_DIFFERENCE headroom


def add_multipliers(input1_scale: float, input2_scale: float, output_scale: float) -> tuple[float, float, float]:
    """Real multipliers of ADD (input1, input2, output) as TF Lite Micro's CalculateOpDataAdd:
    the larger float32 input scale is doubled in float64 and every ratio is taken in float64."""
    twice_max_input_scale = 2.0 * float(max(np.float32(input1_scale), np.float32(input2_scale)))
    return (
        input1_scale / twice_max_input_scale,
        input2_scale / twice_max_input_scale,
        twice_max_input_scale / ((1 << ADD_LEFT_SHIFT) * output_scale),
    )


def sub_multipliers(input1_scale: float, input2_scale: float, output_scale: float) -> tuple[float, float, float]:
    """Real multipliers of SUB as TF Lite Micro's CalculateOpDataSub, which unlike ADD's
    keeps everything in float32 (twice the larger scale, each ratio, 2^20 times the
    output scale) and widens only the three results to float64."""
    s1, s2, so = np.float32(input1_scale), np.float32(input2_scale), np.float32(output_scale)
    twice_max_input_scale = np.float32(2) * max(s1, s2)
    return (
        float(s1 / twice_max_input_scale),
        float(s2 / twice_max_input_scale),
        float(twice_max_input_scale / (np.float32(1 << ADD_LEFT_SHIFT) * so)),
    )


def squared_difference_multipliers(input1_scale: float, input2_scale: float,
                                   output_scale: float) -> tuple[float, float, float]:
    """Real multipliers of SQUARED_DIFFERENCE as TF Lite Micro's PrepareQuantized: ADD's
    float64 input ratios, and the squared doubled scale over 2^14 times the output
    scale, that product taken in float32."""
    twice_max_input_scale = 2.0 * float(max(np.float32(input1_scale), np.float32(input2_scale)))
    shifted_output_scale = float(np.float32(1 << (2 * SQUARED_DIFFERENCE_LEFT_SHIFT)) * np.float32(output_scale))
    return (
        input1_scale / twice_max_input_scale,
        input2_scale / twice_max_input_scale,
        twice_max_input_scale * twice_max_input_scale / shifted_output_scale,
    )


def add_family_quants(op: Op) -> list[tuple[int, int]]:
    """Fixed-point (multiplier, shift) of input1, input2 and output of an ADD or SUB."""
    s1, s2, so = (t.quant.single_scale for t in (op.inputs[0], op.inputs[1], op.outputs[0]))
    reals = sub_multipliers(s1, s2, so) if op.kind is OpKind.SUB else add_multipliers(s1, s2, so)
    return [quantize_multiplier(m) for m in reals]


def per_tensor_initializer(multiplier: int, shift: int) -> str:
    """A ``tk_per_tensor_quant`` initializer."""
    return f"{{.multiplier = {multiplier}, .shift = {shift}}}"


def _operands(op: Op, ctx: EmitContext) -> str:
    """The broadcast walk and the two input and output pointers, in kernel argument order."""
    in1, in2, out = op.inputs[0], op.inputs[1], op.outputs[0]
    walk = broadcast_struct(ctx, in1.shape, in2.shape, out.shape)
    return f"{walk}, {ctx.tensor(in1)}, {ctx.tensor(in2)}, {ctx.tensor(out)}"


def add_family_structs(op: Op, ctx: EmitContext, quants: list[tuple[int, int]], left_shift: int,
                       activation: Activation) -> tuple[str, str]:
    """Addresses of the ``tk_add_params`` and ``tk_add_quant`` of an ADD, SUB or SQUARED_DIFFERENCE."""
    in1, in2, out = op.inputs[0], op.inputs[1], op.outputs[0]
    params = ctx.struct("tk_add_params", "params", {
        "input1_offset": str(-in1.quant.single_zero_point),
        "input2_offset": str(-in2.quant.single_zero_point),
        "output_offset": str(out.quant.single_zero_point),
        "left_shift": str(left_shift),
        "activation": activation_initializer(activation, out),
    })
    quant = ctx.struct("tk_add_quant", "quant", {
        name: per_tensor_initializer(*q) for name, q in zip(("input1", "input2", "output"), quants)
    })
    return params, quant


def _add_family_call(op: Op, ctx: EmitContext, quants: list[tuple[int, int]], left_shift: int,
                     activation: Activation) -> str:
    params, quant = add_family_structs(op, ctx, quants, left_shift, activation)
    return ctx.call(params, quant, _operands(op, ctx))


def emit_add_broadcast(op: Op, ctx: EmitContext, activation: Activation) -> str:
    """ADD of inputs whose shapes differ (called by the ADD emitter)."""
    return _add_family_call(op, ctx, add_family_quants(op), ADD_LEFT_SHIFT, activation)


@emitter(OpKind.SUB)
def emit_sub(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, ArithmeticOptions)
    return _add_family_call(op, ctx, add_family_quants(op), ADD_LEFT_SHIFT, op.options.activation)


@emitter(OpKind.SQUARED_DIFFERENCE)
def emit_squared_difference(op: Op, ctx: EmitContext) -> str:
    s1, s2, so = (t.quant.single_scale for t in (op.inputs[0], op.inputs[1], op.outputs[0]))
    quants = [quantize_multiplier(m) for m in squared_difference_multipliers(s1, s2, so)]
    return _add_family_call(op, ctx, quants, SQUARED_DIFFERENCE_LEFT_SHIFT,
                            Activation.NONE)


def mul_multiplier(input1_scale: float, input2_scale: float, output_scale: float) -> tuple[int, int]:
    """MUL's (multiplier, shift): the float64 product of the input scales over the output's."""
    return quantize_multiplier(input1_scale * input2_scale / output_scale)


@emitter(OpKind.MUL)
def emit_mul(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, ArithmeticOptions)
    in1, in2, out = op.inputs[0], op.inputs[1], op.outputs[0]
    multiplier, shift = mul_multiplier(in1.quant.single_scale, in2.quant.single_scale, out.quant.single_scale)
    params = ctx.struct("tk_mul_params", "params", {
        "input1_offset": str(-in1.quant.single_zero_point),
        "input2_offset": str(-in2.quant.single_zero_point),
        "output_offset": str(out.quant.single_zero_point),
        "activation": activation_initializer(op.options.activation, out),
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return ctx.call(params, quant, _operands(op, ctx))


@emitter(OpKind.MAXIMUM)
def emit_maximum(op: Op, ctx: EmitContext) -> str:
    return ctx.call(_operands(op, ctx))


@emitter(OpKind.MINIMUM)
def emit_minimum(op: Op, ctx: EmitContext) -> str:
    return ctx.call(_operands(op, ctx))


def same_quantization(a: Tensor, b: Tensor) -> bool:
    """True if two tensors have one float32 scale and one zero point in common."""
    return (np.float32(a.quant.single_scale) == np.float32(b.quant.single_scale)
            and a.quant.single_zero_point == b.quant.single_zero_point)

