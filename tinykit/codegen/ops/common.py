"""Helpers every op emitter shares: ``tk_dims`` structs, the fused
activation's clamp and TFLite's window geometry (convolutions and pools).

Emitters run on graphs tinykit.legality has accepted, so they check nothing."""

from __future__ import annotations

import math

from tinykit.codegen.emit import EmitContext
from tinykit.codegen.quant import activation_range_int8
from tinykit.ir import Activation, Padding, Tensor, conv_output_size, conv_padding_before


def dims_struct(ctx: EmitContext, hint: str, n: int, h: int, w: int, c: int) -> str:
    """Address of a constant ``tk_dims`` in NHWC order."""
    return ctx.struct("tk_dims", hint, {"n": str(n), "h": str(h), "w": str(w), "c": str(c)})


def nhwc_shape(tensor: Tensor) -> tuple[int, int, int, int]:
    """The (n, h, w, c) shape of a rank-4 NHWC tensor."""
    n, h, w, c = tensor.shape
    return n, h, w, c


def nhwc_dims(ctx: EmitContext, hint: str, tensor: Tensor) -> str:
    """Address of the ``tk_dims`` of a rank-4 NHWC tensor."""
    return dims_struct(ctx, hint, *nhwc_shape(tensor))


def activation_initializer(activation: Activation, output: Tensor) -> str:
    """``tk_activation`` initializer: the fused activation's clamp in the output's int8 domain."""
    lo, hi = activation_range_int8(activation, output.quant.single_scale, output.quant.single_zero_point)
    return f"{{.min = {lo}, .max = {hi}}}"


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


def window_geometry(in_h: int, in_w: int, k_h: int, k_w: int, stride_h: int, stride_w: int,
                    dilation_h: int, dilation_w: int, padding: Padding) -> tuple[int, int, int, int]:
    """(out_h, out_w, pad_h, pad_w) as TFLite computes them."""
    out_h = conv_output_size(in_h, k_h, stride_h, dilation_h, padding)
    out_w = conv_output_size(in_w, k_w, stride_w, dilation_w, padding)
    pad_h = conv_padding_before(in_h, k_h, stride_h, dilation_h, padding)
    pad_w = conv_padding_before(in_w, k_w, stride_w, dilation_w, padding)
    return out_h, out_w, pad_h, pad_w
