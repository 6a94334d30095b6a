"""Emitters for reductions over any axes: SUM, REDUCE_MAX, REDUCE_MIN, ARG_MAX,
and MEAN beyond the height-and-width case (``pool.py`` emits that one).

The kernels walk a ``tk_reduction`` (``walks.py``); what each op accepts is
checked in ``tinykit/legality/reduce.py`` before any emitter runs.
"""

from __future__ import annotations

import math

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.walks import reduction_struct
from tinykit.codegen.quant import quantize_multiplier
from tinykit.ir import ArgMaxOptions, MeanOptions, Op, OpKind


def reduced_count(op: Op) -> int:
    """Number of input elements behind each output of a MEAN or SUM."""
    assert isinstance(op.options, MeanOptions)
    return math.prod(op.inputs[0].shape[a] for a in op.options.axes)


def emit_sum_call(op: Op, ctx: EmitContext, multiplier: int, shift: int) -> str:
    """tk_sum_s8 for a SUM or MEAN whose requantization (multiplier, shift) is given."""
    assert isinstance(op.options, MeanOptions)
    inp, out = op.inputs[0], op.outputs[0]
    params = ctx.struct("tk_mean_params", "params", {
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    walk = reduction_struct(ctx, inp.shape, op.options.axes)
    return ctx.call(params, quant, walk, ctx.tensor(inp), ctx.tensor(out))


@emitter(OpKind.SUM)
def emit_sum(op: Op, ctx: EmitContext) -> str:
    """TF Lite Micro's PrepareMeanOrSumHelper: the float64 ratio of the float32 scales."""
    multiplier, shift = quantize_multiplier(op.inputs[0].quant.single_scale / op.outputs[0].quant.single_scale)
    return emit_sum_call(op, ctx, multiplier, shift)


@emitter(OpKind.REDUCE_MAX)
@emitter(OpKind.REDUCE_MIN)
def emit_reduce_min_max(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, MeanOptions)
    inp, out = op.inputs[0], op.outputs[0]
    return ctx.call(reduction_struct(ctx, inp.shape, op.options.axes), ctx.tensor(inp), ctx.tensor(out))


@emitter(OpKind.ARG_MAX)
def emit_arg_max(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, ArgMaxOptions)
    inp, out = op.inputs[0], op.outputs[0]
    walk = reduction_struct(ctx, inp.shape, (op.options.axis,))
    return ctx.call(walk, ctx.tensor(inp), ctx.tensor(out))
