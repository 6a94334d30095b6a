"""Emitters for the shape family: RESHAPE, CONCATENATION and PAD (and PADV2).

These kernels move bytes without changing them, exactly as TF Lite Micro's
do. TF Lite Micro's int8 CONCATENATION does not requantize: it copies each
input's bytes even when that input's scale or zero point differs from the
output's, which silently gives wrong numbers, so tinykit refuses such a model
instead.
"""

from __future__ import annotations


from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import describe, flat_dims, nhwc_extents, require_int8_activations
from tinykit.errors import TinykitError
from tinykit.ir import Activation, ConcatenationOptions, Op, OpKind, PadOptions, Tensor


def require_rank_at_most_4(op: Op, tensor: Tensor) -> None:
    if len(tensor.shape) > 4:
        raise TinykitError(
            f"{describe(op)}: tensor {tensor.name!r} has {len(tensor.shape)} dimensions {list(tensor.shape)}, but "
            f"tinykit's (and TF Lite Micro's) {op.kind.value} kernel handles at most 4. Reshape the model so this "
            "layer works on tensors of rank 4 or less."
        )


def dims_initializer(shape: tuple[int, ...]) -> str:
    """A `tk_dims` initializer (no address) for a shape of any rank, as `nhwc_extents` lays it out."""
    n, h, w, c = nhwc_extents(shape)
    return f"{{.n = {n}, .h = {h}, .w = {w}, .c = {c}}}"


@emitter(OpKind.RESHAPE)
def emit_reshape(op: Op, ctx: EmitContext) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    if inp.size != out.size:
        raise TinykitError(
            f"{describe(op)}: the input has {inp.size} elements {list(inp.shape)} but the output {out.size} "
            f"{list(out.shape)}; a reshape keeps the element count. The model file is inconsistent; re-convert it."
        )
    return ctx.call(flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out), ctx.tensor(out))


@emitter(OpKind.CONCATENATION)
def emit_concatenation(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, ConcatenationOptions)
    inputs = [t for t in op.inputs if t is not None]
    out = op.outputs[0]
    require_int8_activations(op, [*inputs, out])
    if opts.activation is not Activation.NONE:
        raise TinykitError(
            f"{describe(op)}: the concatenation has a fused {opts.activation.value} activation, which TF Lite "
            "Micro's CONCATENATION refuses. Re-convert the model, or put the activation in a layer of its own "
            "before the concatenation."
        )
    for t in (*inputs, out):
        require_rank_at_most_4(op, t)
    for t in inputs:
        if t.quant.scale != out.quant.scale or t.quant.zero_point != out.quant.zero_point:
            raise TinykitError(
                f"{describe(op)}: input {t.name!r} is quantized with scale {t.quant.single_scale} and zero point "
                f"{t.quant.single_zero_point}, the output with scale {out.quant.single_scale} and zero point "
                f"{out.quant.single_zero_point}. TF Lite Micro's int8 concatenation copies bytes without "
                "requantizing, so every input must share the output's quantization. Convert the model with the "
                "TFLite converter, which gives concatenation inputs the output's quantization."
            )
    rank = len(out.shape)
    if not 0 <= opts.axis < rank:
        raise TinykitError(
            f"{describe(op)}: the concatenation axis {opts.axis} is outside the output's {rank} dimensions. "
            "The model file is malformed; re-convert it."
        )
    for t in inputs:
        others_in = [d for a, d in enumerate(t.shape) if a != opts.axis]
        others_out = [d for a, d in enumerate(out.shape) if a != opts.axis]
        if len(t.shape) != rank or others_in != others_out:
            raise TinykitError(
                f"{describe(op)}: input {t.name!r} has shape {list(t.shape)}, which does not match the output "
                f"{list(out.shape)} outside axis {opts.axis}. The model file is inconsistent; re-convert it."
            )
    if sum(t.shape[opts.axis] for t in inputs) != out.shape[opts.axis]:
        raise TinykitError(
            f"{describe(op)}: the inputs' extents along axis {opts.axis} do not add up to the output's "
            f"{out.shape[opts.axis]}. The model file is inconsistent; re-convert it."
        )
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
    require_int8_activations(op, [inp, out])
    require_rank_at_most_4(op, inp)
    rank = len(inp.shape)
    if len(opts.paddings) != rank or any(before < 0 or after < 0 for before, after in opts.paddings):
        raise TinykitError(
            f"{describe(op)}: the paddings {list(opts.paddings)} must give one non-negative (before, after) pair "
            f"for each of the input's {rank} dimensions. The model file is malformed; re-convert it."
        )
    expected = tuple(d + before + after for d, (before, after) in zip(inp.shape, opts.paddings))
    if tuple(out.shape) != expected:
        raise TinykitError(
            f"{describe(op)}: the output has shape {list(out.shape)} but the input {list(inp.shape)} padded by "
            f"{list(opts.paddings)} gives {list(expected)}. The model file is inconsistent; re-convert it."
        )
    paddings = ((0, 0),) * (4 - rank) + tuple(opts.paddings)
    pad_value = out.quant.single_zero_point if opts.constant is None else opts.constant
    params = ctx.struct("tk_pad_params", "params", {
        "before": "{" + ", ".join(f".{axis} = {p[0]}" for axis, p in zip("nhwc", paddings)) + "}",
        "after": "{" + ", ".join(f".{axis} = {p[1]}" for axis, p in zip("nhwc", paddings)) + "}",
        "pad_value": str(pad_value),
    })
    return ctx.call(params, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out),
                    ctx.tensor(out))
