"""Emitters for the shape family: RESHAPE, CONCATENATION and PAD (and PADV2).

These kernels move bytes without changing them, exactly as TF Lite Micro's
do; what makes them legal (ranks, shapes, one quantization for every
concatenated input) is checked before, in tinykit/legality/shape.py.
"""

from __future__ import annotations

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import flat_dims, nhwc_extents
from tinykit.ir import ConcatenationOptions, Op, OpKind, PadOptions


def dims_initializer(shape: tuple[int, ...]) -> str:
    """A `tk_dims` initializer (no address) for a shape of any rank, as `nhwc_extents` lays it out."""
    n, h, w, c = nhwc_extents(shape)
    return f"{{.n = {n}, .h = {h}, .w = {w}, .c = {c}}}"


@emitter(OpKind.RESHAPE)
def emit_reshape(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    if ctx.tensor(inp) == ctx.tensor(out):
        # The plan put the output on the input's bytes: nothing moves (the
        # kernel would return at once), and without the call neither the
        # kernel nor memmove is linked.
        return "TK_OK"
    return ctx.call(flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out), ctx.tensor(out))


@emitter(OpKind.CONCATENATION)
def emit_concatenation(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, ConcatenationOptions)
    inputs = list(op.inputs)
    out = op.outputs[0]
    rank = len(out.shape)
    params = ctx.struct("tk_concatenation_params", "params", {
        "axis": str(opts.axis + 4 - rank),
        "input_count": str(len(inputs)),
    })
    # The per-input dims and data pointers are C99 compound literals in the call itself.
    input_dims = "(const tk_dims[]){" + ", ".join(dims_initializer(t.shape) for t in inputs) + "}"
    input_data = "(const int8_t *const[]){" + ", ".join(ctx.tensor(t) for t in inputs) + "}"
    return ctx.call(params, input_dims, input_data, flat_dims(ctx, "output_dims", out), ctx.tensor(out))


@emitter(OpKind.PAD)
def emit_pad(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, PadOptions)
    inp, out = op.inputs[0], op.outputs[0]
    rank = len(inp.shape)
    paddings = ((0, 0),) * (4 - rank) + tuple(opts.paddings)
    pad_value = out.quant.single_zero_point if opts.constant is None else opts.constant
    params = ctx.struct("tk_pad_params", "params", {
        "before": "{" + ", ".join(f".{axis} = {p[0]}" for axis, p in zip("nhwc", paddings)) + "}",
        "after": "{" + ", ".join(f".{axis} = {p[1]}" for axis, p in zip("nhwc", paddings)) + "}",
        "pad_value": str(pad_value),
    })
    return ctx.call(params, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out),
                    ctx.tensor(out))
