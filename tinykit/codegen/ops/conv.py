"""Emitters for the convolution family: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED.

Each emitter checks that the op is one the int8 reference kernels compute,
derives every constant the way TF Lite Micro's Prepare does (the order of
float32 and float64 operations decides the multipliers' last bit), and
returns the kernel call. The small helpers at the top (dims, activation
clamp, int8 checks) are shared with the pooling emitters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.quant import activation_range_int8, quantize_multiplier
from tinykit.errors import TinykitError
from tinykit.ir import (
    Activation,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    DType,
    FullyConnectedOptions,
    Op,
    OpKind,
    Padding,
    Tensor,
    conv_output_size,
    conv_padding_before,
)


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


def require_matching_output_size(op: Op, expected: tuple[int, ...]) -> None:
    got = tuple(op.outputs[0].shape)
    if got != expected:
        raise TinykitError(
            f"{describe(op)}: the output tensor has shape {list(got)} but the op's input, filter and options give "
            f"{list(expected)}. The model file is inconsistent; re-convert it from the original model."
        )


def _weights(op: Op, units: int) -> tuple[Tensor, Tensor | None, tuple[float, ...]]:
    """The int8 filter, the optional int32 bias and one filter scale per output channel."""
    filt = op.inputs[1]
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    if filt is None or filt.dtype is not DType.INT8 or filt.quant is None:
        raise TinykitError(
            f"{describe(op)}: the weights must be an int8 quantized tensor (got "
            f"{'none' if filt is None else filt.dtype.value}). Convert the model with full-integer int8 "
            "quantization; int4 packed or float weights are not supported."
        )
    if any(z != 0 for z in filt.quant.zero_point):
        raise TinykitError(
            f"{describe(op)}: the weights have non-zero zero points {sorted(set(filt.quant.zero_point))}, but "
            "TFLite's int8 kernels require symmetric weights (zero point 0). Re-convert with the standard TFLite "
            "int8 quantizer, which quantizes weights symmetrically."
        )
    scales = filt.quant.scale
    if len(scales) == 1:
        scales = scales * units
    elif len(scales) != units:
        raise TinykitError(
            f"{describe(op)}: the weights carry {len(scales)} scales for {units} output channels. Per-channel "
            "weights need one scale per output channel; re-convert the model."
        )
    if bias is not None and bias.dtype is not DType.INT32:
        raise TinykitError(
            f"{describe(op)}: the bias is {bias.dtype.value}, but the int8 kernels take an int32 bias "
            "(int64 biases belong to 16-bit activations). Convert the model with int8 activations."
        )
    if bias is not None and bias.size != units:
        raise TinykitError(
            f"{describe(op)}: the bias has {bias.size} values for {units} output channels; re-convert the model."
        )
    return filt, bias, scales


def per_channel_quant(ctx: EmitContext, real_multipliers: Sequence[float]) -> str:
    """Address of a ``tk_per_channel_quant`` holding the fixed-point form of each multiplier."""
    pairs = [quantize_multiplier(m) for m in real_multipliers]
    multipliers = ctx.constant("multiplier", np.array([m for m, _ in pairs]), "int32_t")
    shifts = ctx.constant("shift", np.array([s for _, s in pairs]), "int32_t")
    return ctx.struct("tk_per_channel_quant", "quant", {"multiplier": multipliers, "shift": shifts})


def conv_multipliers(input_scale: float, filter_scales: Sequence[float], output_scale: float) -> list[float]:
    """double(input) * double(filter) / double(output), per output channel.

    This is TFLite's PopulateConvolutionQuantizationParams, and also what the
    installed tflite-micro computes for FULLY_CONNECTED with per-tensor weights:
    older TFLite sources round input * filter to float32 first there, but
    tests/test_op_fully_connected.py finds outputs where only the double
    product matches tflite-micro.
    """
    return [input_scale * f / output_scale for f in filter_scales]


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


@emitter(OpKind.CONV_2D)
def emit_conv_2d(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, Conv2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    filt, bias, scales = _weights(op, out.shape[-1] if out.shape else 0)
    if len(filt.shape) != 4:
        raise TinykitError(
            f"{describe(op)}: the filter has shape {list(filt.shape)}; CONV_2D takes a 4-D filter "
            "[out_channels, height, width, in_channels]. Re-convert the model."
        )
    out_c, k_h, k_w, filt_c = filt.shape
    n, in_h, in_w, in_c = nhwc_shape(op, inp)
    if filt_c == 0 or in_c % filt_c != 0 or out_c % (in_c // filt_c or 1) != 0:
        raise TinykitError(
            f"{describe(op)}: the input has {in_c} channels and the filter {filt_c} input channels; a (grouped) "
            "convolution needs the input channels to be a multiple of the filter's, and the output channels a "
            "multiple of the group count. The model file is inconsistent; re-convert it."
        )
    out_h, out_w, pad_h, pad_w = window_geometry(
        op, in_h, in_w, k_h, k_w, opts.stride_h, opts.stride_w, opts.dilation_h, opts.dilation_w, opts.padding)
    require_matching_output_size(op, (n, out_h, out_w, out_c))
    params = ctx.struct("tk_conv_params", "params", {
        "stride_h": str(opts.stride_h), "stride_w": str(opts.stride_w),
        "dilation_h": str(opts.dilation_h), "dilation_w": str(opts.dilation_w),
        "pad_h": str(pad_h), "pad_w": str(pad_w),
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
        "activation": activation_initializer(opts.activation, out),
    })
    quant = per_channel_quant(ctx, conv_multipliers(inp.quant.single_scale, scales, out.quant.single_scale))
    return (
        f"tk_conv_s8({params}, {quant}, "
        f"{nhwc_dims(ctx, 'input_dims', inp, op)}, {ctx.tensor(inp)}, "
        f"{nhwc_dims(ctx, 'filter_dims', filt, op)}, {ctx.tensor(filt)}, "
        f"{ctx.tensor(bias) if bias is not None else 'NULL'}, "
        f"{nhwc_dims(ctx, 'output_dims', out, op)}, {ctx.tensor(out)})"
    )


@emitter(OpKind.DEPTHWISE_CONV_2D)
def emit_depthwise_conv_2d(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, DepthwiseConv2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    filt, bias, scales = _weights(op, out.shape[-1] if out.shape else 0)
    if len(filt.shape) != 4 or filt.shape[0] != 1:
        raise TinykitError(
            f"{describe(op)}: the filter has shape {list(filt.shape)}; DEPTHWISE_CONV_2D takes a filter "
            "[1, height, width, channels * depth_multiplier]. Re-convert the model."
        )
    _, k_h, k_w, out_c = filt.shape
    n, in_h, in_w, in_c = nhwc_shape(op, inp)
    # tflite-micro loops over the option's depth multiplier, so it must agree with the shapes.
    multiplier = out_c // in_c if in_c and out_c % in_c == 0 else 0
    if multiplier < 1 or opts.depth_multiplier != multiplier:
        raise TinykitError(
            f"{describe(op)}: the filter has {out_c} output channels for {in_c} input channels and the options "
            f"give depth multiplier {opts.depth_multiplier}; a depthwise convolution needs output channels = "
            "input channels * depth multiplier. The model file is inconsistent; re-convert it."
        )
    out_h, out_w, pad_h, pad_w = window_geometry(
        op, in_h, in_w, k_h, k_w, opts.stride_h, opts.stride_w, opts.dilation_h, opts.dilation_w, opts.padding)
    require_matching_output_size(op, (n, out_h, out_w, out_c))
    params = ctx.struct("tk_depthwise_conv_params", "params", {
        "stride_h": str(opts.stride_h), "stride_w": str(opts.stride_w),
        "dilation_h": str(opts.dilation_h), "dilation_w": str(opts.dilation_w),
        "pad_h": str(pad_h), "pad_w": str(pad_w), "depth_multiplier": str(multiplier),
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
        "activation": activation_initializer(opts.activation, out),
    })
    quant = per_channel_quant(ctx, conv_multipliers(inp.quant.single_scale, scales, out.quant.single_scale))
    return (
        f"tk_depthwise_conv_s8({params}, {quant}, "
        f"{nhwc_dims(ctx, 'input_dims', inp, op)}, {ctx.tensor(inp)}, "
        f"{nhwc_dims(ctx, 'filter_dims', filt, op)}, {ctx.tensor(filt)}, "
        f"{ctx.tensor(bias) if bias is not None else 'NULL'}, "
        f"{nhwc_dims(ctx, 'output_dims', out, op)}, {ctx.tensor(out)})"
    )


@emitter(OpKind.FULLY_CONNECTED)
def emit_fully_connected(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, FullyConnectedOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    filt = op.inputs[1]
    if filt is None or len(filt.shape) != 2:
        raise TinykitError(
            f"{describe(op)}: the weights have shape {list(filt.shape) if filt is not None else None}; "
            "FULLY_CONNECTED takes 2-D weights [units, depth]. Re-convert the model."
        )
    units, depth = filt.shape
    filt, bias, scales = _weights(op, units)
    if filt.quant.per_channel and filt.quant.axis != 0:
        raise TinykitError(
            f"{describe(op)}: the weights are quantized per channel along axis {filt.quant.axis}; "
            "FULLY_CONNECTED needs one scale per unit (axis 0). Re-convert the model."
        )
    # TFLite flattens an input of any rank to [batches, depth].
    if depth == 0 or inp.size % depth != 0:
        raise TinykitError(
            f"{describe(op)}: the input has {inp.size} elements, not a multiple of the weights' depth {depth}. "
            "The model file is inconsistent; re-convert it."
        )
    batches = inp.size // depth
    if out.size != batches * units:
        raise TinykitError(
            f"{describe(op)}: the output has {out.size} elements but {batches} batches of {units} units give "
            f"{batches * units}. The model file is inconsistent; re-convert it."
        )
    multipliers = conv_multipliers(inp.quant.single_scale, scales, out.quant.single_scale)
    params = ctx.struct("tk_fully_connected_params", "params", {
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
        "activation": activation_initializer(opts.activation, out),
    })
    quant = per_channel_quant(ctx, multipliers)
    return (
        f"tk_fully_connected_s8({params}, {quant}, "
        f"{dims_struct(ctx, 'input_dims', batches, 1, 1, depth)}, {ctx.tensor(inp)}, "
        f"{dims_struct(ctx, 'filter_dims', units, 1, 1, depth)}, {ctx.tensor(filt)}, "
        f"{ctx.tensor(bias) if bias is not None else 'NULL'}, "
        f"{dims_struct(ctx, 'output_dims', batches, 1, 1, units)}, {ctx.tensor(out)})"
    )
