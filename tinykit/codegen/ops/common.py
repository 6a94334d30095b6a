"""Helpers every op emitter shares: how errors name an op, ``tk_dims``
structs, the fused activation's clamp, the int8 checks and TFLite's window
geometry (convolutions and pools)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tinykit.codegen.emit import EmitContext
from tinykit.codegen.quant import activation_range_int8
from tinykit.errors import TinykitError
from tinykit.ir import Activation, DType, Op, Padding, Tensor, conv_output_size, conv_padding_before


def describe(op: Op) -> str:
    """How error messages name an op: its index and kind."""
    return f"op {op.index} ({op.kind.value})"


def dims_struct(ctx: EmitContext, hint: str, n: int, h: int, w: int, c: int) -> str:
    """Address of a constant ``tk_dims`` in NHWC order."""
    return ctx.struct("tk_dims", hint, {"n": str(n), "h": str(h), "w": str(w), "c": str(c)})


def nhwc_shape(op: Op, tensor: Tensor) -> tuple[int, int, int, int]:
    """The (n, h, w, c) shape of a rank-4 NHWC tensor; refuses other ranks."""
    if len(tensor.shape) != 4:
        raise TinykitError(
            f"{describe(op)}: tensor {tensor.name!r} has shape {list(tensor.shape)}, but this op's int8 kernel "
            "takes 4-D NHWC tensors (batch, height, width, channels). Re-export the model with image-shaped "
            "tensors for this layer."
        )
    n, h, w, c = tensor.shape
    return n, h, w, c


def nhwc_dims(ctx: EmitContext, hint: str, tensor: Tensor, op: Op) -> str:
    """Address of the ``tk_dims`` of a rank-4 NHWC tensor."""
    return dims_struct(ctx, hint, *nhwc_shape(op, tensor))


def activation_initializer(activation: Activation, output: Tensor) -> str:
    """``tk_activation`` initializer: the fused activation's clamp in the output's int8 domain."""
    lo, hi = activation_range_int8(activation, output.quant.single_scale, output.quant.single_zero_point)
    return f"{{.min = {lo}, .max = {hi}}}"


def require_int8_activations(op: Op, tensors: Sequence[Tensor]) -> None:
    """Refuse tensors that are not per-tensor quantized int8 (the only activations the kernels take)."""
    for t in tensors:
        if t.dtype is not DType.INT8 or t.quant is None or t.quant.per_channel:
            raise TinykitError(
                f"{describe(op)}: tensor {t.name!r} is {t.dtype.value}"
                f"{'' if t.quant is not None else ' without quantization'}"
                f"{' quantized per channel' if t.quant is not None and t.quant.per_channel else ''}, but tinykit's "
                f"{op.kind.value} kernel takes int8 activations with one scale and zero point. Convert the model "
                "with full-integer int8 quantization (e.g. `tinykit build`, or the TFLite converter with "
                "`inference_input_type=tf.int8` and a representative dataset)."
            )


def require_one_input_one_output(op: Op) -> None:
    """Refuse an op of a one-input kind read with another number of inputs or outputs."""
    if len(op.inputs) != 1 or op.inputs[0] is None or len(op.outputs) != 1:
        raise TinykitError(
            f"{describe(op)} takes one input and one output, this one has {len(op.inputs)} and {len(op.outputs)}. "
            "The model file is malformed; re-convert it."
        )


def require_matching_output_size(op: Op, expected: tuple[int, ...]) -> None:
    got = tuple(op.outputs[0].shape)
    if got != expected:
        raise TinykitError(
            f"{describe(op)}: the output tensor has shape {list(got)} but the op's input, filter and options give "
            f"{list(expected)}. The model file is inconsistent; re-convert it from the original model."
        )


def nhwc_extents(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A shape of any rank as (n, h, w, c): lower ranks pad with leading 1s,
    higher ranks fold their leading extents into n (the last three stay)."""
    if len(shape) <= 4:
        n, h, w, c = (1,) * (4 - len(shape)) + tuple(shape)
        return n, h, w, c
    return math.prod(shape[:-3]), shape[-3], shape[-2], shape[-1]


def flat_dims(ctx: EmitContext, hint: str, tensor: Tensor) -> str:
    """Address of the ``tk_dims`` of a tensor of any rank (see ``nhwc_extents``)."""
    return dims_struct(ctx, hint, *nhwc_extents(tensor.shape))


def window_geometry(op: Op, in_h: int, in_w: int, k_h: int, k_w: int, stride_h: int, stride_w: int,
                     dilation_h: int, dilation_w: int, padding: Padding) -> tuple[int, int, int, int]:
    """(out_h, out_w, pad_h, pad_w) as TFLite computes them; refuses non-positive strides or dilations."""
    if min(stride_h, stride_w, dilation_h, dilation_w) < 1:
        raise TinykitError(
            f"{describe(op)}: strides ({stride_h}, {stride_w}) and dilations ({dilation_h}, {dilation_w}) must be "
            "at least 1. The model file is malformed; re-convert it."
        )
    out_h = conv_output_size(in_h, k_h, stride_h, dilation_h, padding)
    out_w = conv_output_size(in_w, k_w, stride_w, dilation_w, padding)
    pad_h = conv_padding_before(in_h, k_h, stride_h, dilation_h, padding)
    pad_w = conv_padding_before(in_w, k_w, stride_w, dilation_w, padding)
    return out_h, out_w, pad_h, pad_w
