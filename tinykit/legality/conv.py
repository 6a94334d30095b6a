"""Legality of TRANSPOSE_CONV (the other convolutions are checked by their emitters)."""

from __future__ import annotations

from tinykit.codegen.ops.common import describe, nhwc_shape, require_int8_activations
from tinykit.errors import TinykitError
from tinykit.ir import Op, OpKind, Padding, TransposeConvOptions
from tinykit.legality import legality


@legality(OpKind.TRANSPOSE_CONV)
def check_transpose_conv(op: Op) -> None:
    opts = op.options
    assert isinstance(opts, TransposeConvOptions)
    inp, filt, out = op.inputs[0], op.inputs[1], op.outputs[0]
    require_int8_activations(op, [inp, out])
    if filt is None or not filt.is_constant or len(filt.shape) != 4:
        raise TinykitError(
            f"{describe(op)}: the filter must be a constant 4-D tensor [out_channels, height, width, in_channels]"
            f"{'' if filt is None else f', this one has shape {list(filt.shape)}'}. Re-convert the model."
        )
    n, _, _, in_c = nhwc_shape(op, inp)
    out_n, out_h, out_w, out_c = nhwc_shape(op, out)
    filter_out_c, k_h, k_w, filter_in_c = filt.shape
    if (out_n, filter_out_c, filter_in_c) != (n, out_c, in_c) or min(k_h, k_w, out_h, out_w, in_c) < 1:
        raise TinykitError(
            f"{describe(op)}: the input {list(inp.shape)}, filter {list(filt.shape)} and output {list(out.shape)} do "
            "not fit: the filter is [output channels, height, width, input channels] and input and output share the "
            "batch. The model file is inconsistent; re-convert it."
        )
    if filt.quant is not None and filt.quant.per_channel and filt.quant.axis != 0:
        raise TinykitError(
            f"{describe(op)}: the filter is quantized per channel along axis {filt.quant.axis}; TRANSPOSE_CONV needs "
            "one scale per output channel (axis 0). Re-convert the model."
        )
    if min(opts.stride_h, opts.stride_w) < 1:
        raise TinykitError(
            f"{describe(op)}: strides ({opts.stride_h}, {opts.stride_w}) must be at least 1. The model file is "
            "malformed; re-convert it."
        )
    if opts.padding is Padding.VALID and (out_h < k_h or out_w < k_w):
        raise TinykitError(
            f"{describe(op)}: with VALID padding the output ({out_h} x {out_w}) cannot be smaller than the filter "
            f"({k_h} x {k_w}). The model file is inconsistent; re-convert it."
        )
