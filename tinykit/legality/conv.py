"""Legality of the convolution family: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV.

Inputs: an int8 activation, constant symmetric int8 weights (one scale, or one
per output channel along the axis the op's kernel expects), an optional
int32 bias with one value per output channel. Shapes must agree with the
options as TFLite computes them, every requantization shift must fit in 31
bits and no int32 accumulator may overflow.
"""

from __future__ import annotations

import numpy as np

from tinykit.codegen.ops.conv import conv_multipliers
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
    TransposeConvOptions,
)
from tinykit.legality import legality
from tinykit.legality.common import (
    INCONSISTENT,
    describe,
    require_accumulator_fits,
    require_activation_range,
    require_arity,
    require_int8_activations,
    require_matching_output_size,
    require_nhwc,
    require_shift_fits,
    require_window,
)

# Axis of the weights that holds the output channels, per op kind (tflite-micro checks the same).
CHANNEL_AXIS = {OpKind.CONV_2D: 0, OpKind.DEPTHWISE_CONV_2D: 3, OpKind.FULLY_CONNECTED: 0, OpKind.TRANSPOSE_CONV: 0}


def _weights(op: Op, units: int) -> tuple[Tensor, Tensor | None, tuple[float, ...]]:
    """The int8 filter, the optional int32 bias and one filter scale per output channel."""
    filt = op.inputs[1]
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    if filt.dtype is not DType.INT8 or filt.quant is None or not filt.is_constant:
        raise TinykitError(
            f"{describe(op)}: the weights must be a constant int8 quantized tensor (got "
            f"{filt.dtype.value}{'' if filt.is_constant else ' computed at run time'}). Convert the model with "
            "full-integer int8 quantization; int4 packed or float weights are not supported."
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
    elif len(scales) != units or filt.quant.axis != CHANNEL_AXIS[op.kind]:
        raise TinykitError(
            f"{describe(op)}: the weights carry {len(scales)} scales along axis {filt.quant.axis} for {units} output "
            f"channels; {op.kind.value} needs one scale per output channel along axis {CHANNEL_AXIS[op.kind]}. "
            "Re-convert the model."
        )
    if bias is not None and (bias.dtype is not DType.INT32 or not bias.is_constant):
        raise TinykitError(
            f"{describe(op)}: the bias is {bias.dtype.value}{'' if bias.is_constant else ' computed at run time'}, "
            "but the int8 kernels take a constant int32 bias (int64 biases belong to 16-bit activations). "
            "Convert the model with int8 activations."
        )
    if bias is not None and bias.size != units:
        raise TinykitError(
            f"{describe(op)}: the bias has {bias.size} values for {units} output channels; re-convert the model."
        )
    return filt, bias, scales


def _arithmetic_fits(op: Op, activation: Activation, filter_scales: tuple[float, ...], rows: np.ndarray,
                     bias: Tensor | None) -> None:
    """The fused activation's clamp, the requantization shifts and the int32
    accumulators (``rows``: the weights of each output channel) all fit."""
    inp, out = op.inputs[0], op.outputs[0]
    require_activation_range(op, activation, out)
    reals = conv_multipliers(inp.quant.single_scale, filter_scales, out.quant.single_scale)
    require_shift_fits(op, reals, "requantization multiplier (input scale * weight scale / output scale)")
    require_accumulator_fits(op, rows, inp.quant.single_zero_point, bias)


def _window_fits(op: Op, opts: Conv2DOptions | DepthwiseConv2DOptions, input_nhw: tuple[int, int, int],
                 kernel_hw: tuple[int, int], out_c: int) -> None:
    """The output shape is what the window, strides, dilations and padding give."""
    n, in_h, in_w = input_nhw
    out_h, out_w = require_window(op, in_h, in_w, *kernel_hw, opts.stride_h, opts.stride_w,
                                  opts.dilation_h, opts.dilation_w, opts.padding)
    require_matching_output_size(op, (n, out_h, out_w, out_c))


@legality(OpKind.CONV_2D)
def check_conv_2d(op: Op) -> None:
    require_arity(op, 2, 3, optional=(2,))
    opts = op.options
    assert isinstance(opts, Conv2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    filt = op.inputs[1]
    if len(filt.shape) != 4:
        raise TinykitError(
            f"{describe(op)}: the filter has shape {list(filt.shape)}; CONV_2D takes a 4-D filter "
            "[out_channels, height, width, in_channels]. Re-convert the model."
        )
    out_c, k_h, k_w, filt_c = filt.shape
    filt, bias, scales = _weights(op, out_c)
    n, in_h, in_w, in_c = require_nhwc(op, inp)
    if in_c % filt_c != 0 or out_c % (in_c // filt_c) != 0:
        raise TinykitError(
            f"{describe(op)}: the input has {in_c} channels and the filter {filt_c} input channels; a (grouped) "
            "convolution needs the input channels to be a multiple of the filter's, and the output channels a "
            f"multiple of the group count. {INCONSISTENT}"
        )
    _window_fits(op, opts, (n, in_h, in_w), (k_h, k_w), out_c)
    _arithmetic_fits(op, opts.activation, scales, filt.array(), bias)


@legality(OpKind.DEPTHWISE_CONV_2D)
def check_depthwise_conv_2d(op: Op) -> None:
    if len(op.inputs) == 3 and op.inputs[2] is None:
        raise TinykitError(
            f"{describe(op)}: the bias is given as absent (index -1), which tflite-micro's DEPTHWISE_CONV_2D "
            "crashes on; a depthwise convolution without bias has 2 inputs. Re-convert the model."
        )
    require_arity(op, 2, 3)
    opts = op.options
    assert isinstance(opts, DepthwiseConv2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    filt = op.inputs[1]
    if len(filt.shape) != 4 or filt.shape[0] != 1:
        raise TinykitError(
            f"{describe(op)}: the filter has shape {list(filt.shape)}; DEPTHWISE_CONV_2D takes a filter "
            "[1, height, width, channels * depth_multiplier]. Re-convert the model."
        )
    _, k_h, k_w, out_c = filt.shape
    filt, bias, scales = _weights(op, out_c)
    n, in_h, in_w, in_c = require_nhwc(op, inp)
    # tflite-micro loops over the option's depth multiplier, so it must agree with the shapes.
    if opts.depth_multiplier < 1 or in_c * opts.depth_multiplier != out_c:
        raise TinykitError(
            f"{describe(op)}: the filter has {out_c} output channels for {in_c} input channels and the options "
            f"give depth multiplier {opts.depth_multiplier}; a depthwise convolution needs output channels = "
            f"input channels * depth multiplier. {INCONSISTENT}"
        )
    _window_fits(op, opts, (n, in_h, in_w), (k_h, k_w), out_c)
    _arithmetic_fits(op, opts.activation, scales, filt.array().reshape(-1, out_c).T, bias)


@legality(OpKind.FULLY_CONNECTED)
def check_fully_connected(op: Op) -> None:
    require_arity(op, 2, 3, optional=(2,))
    opts = op.options
    assert isinstance(opts, FullyConnectedOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    filt = op.inputs[1]
    if len(filt.shape) != 2:
        raise TinykitError(
            f"{describe(op)}: the weights have shape {list(filt.shape)}; FULLY_CONNECTED takes 2-D weights "
            "[units, depth]. Re-convert the model."
        )
    units, depth = filt.shape
    filt, bias, scales = _weights(op, units)
    # TFLite flattens an input of any rank to [batches, depth].
    if inp.size % depth != 0:
        raise TinykitError(
            f"{describe(op)}: the input has {inp.size} elements, not a multiple of the weights' depth {depth}. "
            f"{INCONSISTENT}"
        )
    batches = inp.size // depth
    if out.size != batches * units or out.shape[-1:] != (units,):
        raise TinykitError(
            f"{describe(op)}: the output has shape {list(out.shape)} but {batches} batches of {units} units give "
            f"{batches * units} elements, {units} in the last dimension. {INCONSISTENT}"
        )
    _arithmetic_fits(op, opts.activation, scales, filt.array(), bias)


@legality(OpKind.TRANSPOSE_CONV)
def check_transpose_conv(op: Op) -> None:
    require_arity(op, 2, 3, optional=(2,))
    opts = op.options
    assert isinstance(opts, TransposeConvOptions)
    inp, filt, out = op.inputs[0], op.inputs[1], op.outputs[0]
    require_int8_activations(op, [inp, out])
    if filt is None or not filt.is_constant or len(filt.shape) != 4:
        raise TinykitError(
            f"{describe(op)}: the filter must be a constant 4-D tensor [out_channels, height, width, in_channels]"
            f"{'' if filt is None else f', this one has shape {list(filt.shape)}'}. Re-convert the model."
        )
    n, _, _, in_c = require_nhwc(op, inp)
    out_n, out_h, out_w, out_c = require_nhwc(op, out)
    filter_out_c, k_h, k_w, filter_in_c = filt.shape
    if (out_n, filter_out_c, filter_in_c) != (n, out_c, in_c) or min(k_h, k_w, out_h, out_w, in_c) < 1:
        raise TinykitError(
            f"{describe(op)}: the input {list(inp.shape)}, filter {list(filt.shape)} and output {list(out.shape)} do "
            "not fit: the filter is [output channels, height, width, input channels] and input and output share the "
            "batch. The model file is inconsistent; re-convert it."
        )
    _, bias, scales = _weights(op, out_c)
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
    # Every output sums at most all of its channel's taps: the whole filter row bounds the accumulator.
    _arithmetic_fits(op, opts.activation, scales, filt.array(), bias)
