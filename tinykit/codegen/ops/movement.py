"""Emitters for the data-movement ops: TRANSPOSE, STRIDED_SLICE, SLICE,
SPLIT, SPLIT_V, PACK and UNPACK (their legality: tinykit/legality/movement.py).

Tensors of rank below 4 become NHWC dims with leading extents of 1, so an
axis or permutation entry moves up by ``4 - rank``. SLICE is a strided slice
of stride 1, UNPACK a split into pieces of extent 1, and PACK a concatenation
of inputs with a unit axis inserted: the same bytes, so the same kernels.
"""

from __future__ import annotations

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import dims_struct, flat_dims, nhwc_extents
from tinykit.codegen.ops.shape import dims_initializer
from tinykit.ir import AxisOptions, Op, OpKind, SliceOptions, TransposeOptions

def _nhwc(values: tuple[int, ...], fill: int) -> str:
    """A `tk_dims` initializer for per-axis values of a lower-rank tensor, leading axes given ``fill``."""
    n, h, w, c = (fill,) * (4 - len(values)) + tuple(values)
    return f"{{.n = {n}, .h = {h}, .w = {w}, .c = {c}}}"


@emitter(OpKind.TRANSPOSE)
def emit_transpose(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, TransposeOptions)
    inp, out = op.inputs[0], op.outputs[0]
    lead = 4 - len(inp.shape)
    perm = tuple(range(lead)) + tuple(p + lead for p in op.options.perm)
    params = ctx.struct("tk_transpose_params", "params", {"perm": "{" + ", ".join(map(str, perm)) + "}"})
    return ctx.call(params, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out),
                    ctx.tensor(out))


def _emit_slice(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, SliceOptions)
    opts, inp, out = op.options, op.inputs[0], op.outputs[0]
    params = ctx.struct("tk_strided_slice_params", "params", {
        "begin": _nhwc(opts.begin, 0),
        "stride": _nhwc(opts.strides, 1),
    })
    # The window's extents, shrunk axes included (extent 1): the output's bytes either way.
    window = dims_struct(ctx, "window_dims", *nhwc_extents(opts.extents))
    return ctx.call(params, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), window, ctx.tensor(out))


emitter(OpKind.STRIDED_SLICE)(_emit_slice)
emitter(OpKind.SLICE)(_emit_slice)


def _emit_split(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, AxisOptions)
    inp = op.inputs[0]
    axis = op.options.axis + 4 - len(inp.shape)
    # UNPACK's outputs lack the axis; as pieces of extent 1 they are the same bytes.
    pieces = [inp.shape[:op.options.axis] + (1,) + inp.shape[op.options.axis + 1:] if op.kind is OpKind.UNPACK
              else out.shape for out in op.outputs]
    params = ctx.struct("tk_split_params", "params", {"axis": str(axis), "output_count": str(len(op.outputs))})
    output_dims = "(const tk_dims[]){" + ", ".join(dims_initializer(shape) for shape in pieces) + "}"
    outputs = "(int8_t *const[]){" + ", ".join(ctx.tensor(out) for out in op.outputs) + "}"
    return ctx.call(params, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), output_dims, outputs)


for _kind in (OpKind.SPLIT, OpKind.SPLIT_V, OpKind.UNPACK):
    emitter(_kind)(_emit_split)


@emitter(OpKind.PACK)
def emit_pack(op: Op, ctx: EmitContext) -> str:
    assert isinstance(op.options, AxisOptions)
    inputs = [t for t in op.inputs if t is not None]
    out = op.outputs[0]
    axis = op.options.axis
    piece = out.shape[:axis] + (1,) + out.shape[axis + 1:]
    params = ctx.struct("tk_concatenation_params", "params", {
        "axis": str(axis + 4 - len(out.shape)),
        "input_count": str(len(inputs)),
    })
    input_dims = "(const tk_dims[]){" + ", ".join(dims_initializer(piece) for _ in inputs) + "}"
    input_data = "(const int8_t *const[]){" + ", ".join(ctx.tensor(t) for t in inputs) + "}"
    return ctx.call(params, input_dims, input_data, flat_dims(ctx, "output_dims", out), ctx.tensor(out))
