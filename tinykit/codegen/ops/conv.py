"""Emitters for the convolution family: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV.

Each emitter derives every constant the way TF Lite Micro's Prepare does (the
order of float32 and float64 operations decides the multipliers' last bit)
and returns the kernel call; what makes the op legal is checked before, in
tinykit/legality/conv.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import activation_initializer, dims_struct, nhwc_dims, nhwc_shape, window_geometry
from tinykit.codegen.quant import (
    activation_range_int8, conv_channel_multipliers, conv_multipliers, quantize_multiplier, requantize,
)
from tinykit.errors import TinykitError
from tinykit.ir import (
    Conv2DOptions,
    DepthwiseConv2DOptions,
    FullyConnectedOptions,
    Op,
    OpKind,
    Tensor,
    TransposeConvOptions,
    conv_padding_before,
)
from tinykit.legality.common import describe
from tinykit.schedule.kernels.conv import (
    CHANNEL_PAIRS,
    DW3X3_PAIRS,
    DW_C4,
    FC_BLOCKS4_LAYOUT,
    FC_BLOCKS8_LAYOUT,
    FILTER_PAIRS,
    QUADS,
    SHALLOW_PAIRS,
    shallow_pairs_order,
)
from tinykit.schedule.variants import TFLITE_LAYOUT


def _weights(op: Op, units: int) -> tuple[Tensor, Tensor | None, tuple[float, ...]]:
    """The int8 filter, the optional int32 bias and one filter scale per output channel."""
    filt = op.inputs[1]
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    scales = filt.quant.scale
    return filt, bias, scales * units if len(scales) == 1 else scales


def per_channel_quant(ctx: EmitContext, real_multipliers: Sequence[float]) -> str:
    """Address of a ``tk_per_channel_quant`` holding the fixed-point form of each multiplier."""
    pairs = [quantize_multiplier(m) for m in real_multipliers]
    multipliers = ctx.constant("multiplier", np.array([m for m, _ in pairs]), "int32_t")
    shifts = ctx.constant("shift", np.array([s for _, s in pairs]), "int32_t")
    return ctx.struct("tk_per_channel_quant", "quant", {"multiplier": multipliers, "shift": shifts})


def _weighted_kernel_call(
    ctx: EmitContext, params: str, quant: str, op: Op, filt: Tensor, bias: Tensor | None, dims: tuple[str, str, str],
) -> str:
    """The call of the op's kernel, in the runtime's argument order: ctx, params, quant, input dims,
    input, filter dims, filter, bias (``NULL`` if none), output dims, output. ``dims`` holds the
    three ``tk_dims`` addresses (input, filter, output)."""
    input_dims, filter_dims, output_dims = dims
    # Constants enter the weights file as ctx.tensor first names them: filter, then bias.
    arguments = [params, quant, input_dims, ctx.tensor(op.inputs[0]), filter_dims, ctx.tensor(filt)]
    arguments += [ctx.tensor(bias) if bias is not None else "NULL", output_dims, ctx.tensor(op.outputs[0])]
    return ctx.call(*arguments)


def _nhwc_kernel_dims(ctx: EmitContext, op: Op, filt: Tensor) -> tuple[str, str, str]:
    """The input, filter and output ``tk_dims`` of a 2-D convolution, all rank-4."""
    return (
        nhwc_dims(ctx, "input_dims", op.inputs[0]),
        nhwc_dims(ctx, "filter_dims", filt),
        nhwc_dims(ctx, "output_dims", op.outputs[0]),
    )


def _window_params(ctx: EmitContext, op: Op, opts: Conv2DOptions | DepthwiseConv2DOptions, input_hw: tuple[int, int],
                   kernel_hw: tuple[int, int]) -> dict[str, str]:
    """The fields CONV_2D and DEPTHWISE_CONV_2D parameters share (stride,
    dilation, padding, zero-point offsets, activation clamp)."""
    in_h, in_w = input_hw
    inp, out = op.inputs[0], op.outputs[0]
    _, _, pad_h, pad_w = window_geometry(
        in_h, in_w, *kernel_hw, opts.stride_h, opts.stride_w, opts.dilation_h, opts.dilation_w, opts.padding)
    pad_h, pad_w = ctx.window_padding(op, (pad_h, pad_w))
    return {
        "stride_h": str(opts.stride_h), "stride_w": str(opts.stride_w),
        "dilation_h": str(opts.dilation_h), "dilation_w": str(opts.dilation_w),
        "pad_h": str(pad_h), "pad_w": str(pad_w),
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
        "activation": activation_initializer(opts.activation, out),
    }


@emitter(OpKind.CONV_2D)
def emit_conv_2d(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, Conv2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    filt, bias, scales = _weights(op, out.shape[-1])
    out_c, k_h, k_w, filt_c = filt.shape
    _, in_h, in_w, in_c = nhwc_shape(inp)
    params = ctx.struct("tk_conv_params", "params", _window_params(ctx, op, opts, (in_h, in_w), (k_h, k_w)))
    dims = _nhwc_kernel_dims(ctx, op, filt)
    if ctx.kernel.weight_layout in (QUADS, CHANNEL_PAIRS, SHALLOW_PAIRS):
        rows = filt.array().reshape(out_c, k_h * k_w * filt_c)
        bias_values = bias.array() if bias is not None else None
        if ctx.kernel.weight_layout == CHANNEL_PAIRS:
            ordered, folded = filter_pairs(rows, bias_values, -inp.quant.single_zero_point, out_c)
        else:
            folded = fold_input_offset(rows, bias_values, -inp.quant.single_zero_point)
            ordered = (conv_quads_weights(rows) if ctx.kernel.weight_layout == QUADS
                       else conv_shallow_weights(rows, shallow_pairs_order(k_h, k_w, filt_c)))
        # Constants enter the weights file as they are named: filter, then the channel records.
        filter_name = ctx.constant(f"filter_{ctx.kernel.weight_layout}", ordered, "int8_t")
        records = conv_channel_records(folded, conv_channel_multipliers(op), out.quant.single_zero_point,
                                       ~rows.any(axis=1))
        channels = ctx.constant("channels", records, "int32_t")
        return ctx.call(params, dims[0], ctx.tensor(inp), dims[1], filter_name, channels, dims[2], ctx.tensor(out))
    quant = per_channel_quant(ctx, conv_multipliers(inp.quant.single_scale, scales, out.quant.single_scale))
    if ctx.kernel.weight_layout == FILTER_PAIRS:
        filter_values, bias_values = filter_pairs(
            filt.array().reshape(out_c, k_h * k_w * filt_c), bias.array() if bias is not None else None,
            -inp.quant.single_zero_point, out_c // (in_c // filt_c))
        # Constants enter the weights file as they are named: filter, then bias.
        filter_name = ctx.constant("filter_pairs", filter_values, "int8_t")
        bias_name = ctx.constant("bias_folded", bias_values, "int32_t")
        return ctx.call(params, quant, dims[0], ctx.tensor(inp), dims[1], filter_name, bias_name, dims[2], ctx.tensor(out))
    if ctx.kernel.weight_layout != TFLITE_LAYOUT:
        raise TinykitError(f"{describe(op)}: no CONV_2D emitter for weight layout {ctx.kernel.weight_layout!r}")
    return _weighted_kernel_call(ctx, params, quant, op, filt, bias, dims)


def filter_pairs(
    weights: np.ndarray, bias: np.ndarray | None, input_offset: int, filters_per_group: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Filter rows [out_c, taps] in the ``filter_pairs`` layout
    (tinykit/schedule/kernels/conv.py, tinykit/dsp_dot.h) and the bias
    with the input offset's contribution folded in: bias + input_offset * the
    row's sum, wrapped to int32 as the kernel's int32 accumulator would wrap."""
    out_c, depth = weights.shape
    full = depth - depth % 4
    rows = []
    for oc in range(0, out_c, filters_per_group):
        group = weights[oc:oc + filters_per_group]
        for first in range(0, len(group) - 1, 2):
            pair = group[first:first + 2]
            words = pair[:, :full].reshape(2, -1, 4).transpose(1, 0, 2).reshape(-1)
            rows += [words, pair[0, full:], pair[1, full:]]
        if len(group) % 2:
            rows.append(group[-1])
    return np.concatenate(rows).astype(np.int8), fold_input_offset(weights, bias, input_offset)


def conv_quads_weights(rows: np.ndarray) -> np.ndarray:
    """Filter rows [out_c, taps] (out_c a multiple of 4) in the "quads" layout (tinykit/conv_quads.h):
    taps padded with zeros to a multiple of 4; per block of four channels c0..c3 and per four taps
    t0..t3 the words [c0 t0, c1 t0, c0 t2, c1 t2], [c2 t0, c3 t0, c2 t2, c3 t2], then the same with
    t1 and t3."""
    out_c, taps = rows.shape
    padded = np.zeros((out_c, -(-taps // 4) * 4), dtype=np.int8)
    padded[:, :taps] = rows
    # channel = 4 block + 2 pair + c, tap = 4 group + 2 t + half (t0 is t 0 half 0, t1 is t 0 half 1, ...)
    blocks = padded.reshape(out_c // 4, 2, 2, -1, 2, 2)  # [block, pair, c, group, t, half]
    return blocks.transpose(0, 3, 5, 1, 4, 2).ravel()


def conv_shallow_weights(rows: np.ndarray, order: Sequence[tuple[int, int | None]]) -> np.ndarray:
    """Filter rows [out_c, taps] (out_c a multiple of 4) in the "shallow_pairs" layout
    (cortexm/tk_conv_shallow_s8.c): per block of four channels, per pair (low tap, high
    tap or None for a zero tap) of ``order``, each channel's two taps as int16, little-endian."""
    out_c, _ = rows.shape
    padded = np.concatenate([rows.astype(np.int16), np.zeros((out_c, 1), dtype=np.int16)], axis=1)
    zero = padded.shape[1] - 1
    taps = np.array([[low, zero if high is None else high] for low, high in order])  # [pair, half]
    pairs = padded[:, taps]  # [channel, pair, half]
    blocks = pairs.reshape(out_c // 4, 4, len(order), 2).transpose(0, 2, 1, 3)  # [block, pair, channel, half]
    return blocks.astype("<i2").ravel().view(np.int8)


CHANNEL_RECORD_WORDS = 5  # TK_CONV_CHANNEL_WORDS in tinykit/conv_quads.h


def conv_channel_records(folded_bias: np.ndarray, multipliers: Sequence[tuple[int, int]], output_offset: int,
                         zero_rows: np.ndarray) -> np.ndarray:
    """The per-channel records of the "quads" kernels (tinykit/conv_quads.h), flattened: folded
    bias, multiplier, 2^(e - 1), the right shift e = -shift (1..31, which the variant's choice
    guarantees) and the output offset. A channel whose output does not depend on its inputs
    (multiplier 0, or ``zero_rows``: a filter row of zeros, as trained networks' dead channels
    have, often with a bias near 2^30) gets bias 0, multiplier 0, e = 1 and, for the offset,
    its constant output: requantize(folded bias) + output offset."""
    records = []
    for b, (multiplier, shift), zero in zip(folded_bias, multipliers, zero_rows):
        if multiplier == 0 or zero:
            records.append([0, 0, 1, 1, requantize(int(b), multiplier, shift) + output_offset])
        else:
            records.append([int(b), multiplier, 1 << (-shift - 1), -shift, output_offset])
    return (np.array(records, dtype=np.int64) % 2**32).astype(np.uint32).view(np.int32).ravel()


@emitter(OpKind.DEPTHWISE_CONV_2D)
def emit_depthwise_conv_2d(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, DepthwiseConv2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    filt, bias, scales = _weights(op, out.shape[-1])
    _, k_h, k_w, _ = filt.shape
    _, in_h, in_w, _ = nhwc_shape(inp)
    params = ctx.struct("tk_depthwise_conv_params", "params", {
        **_window_params(ctx, op, opts, (in_h, in_w), (k_h, k_w)), "depth_multiplier": str(opts.depth_multiplier),
    })
    dims = _nhwc_kernel_dims(ctx, op, filt)
    if ctx.kernel.weight_layout == DW_C4:
        # Constants enter the weights file as they are named: filter, then the channel records.
        taps = filt.array().reshape(k_h * k_w, -1)
        filter_name = ctx.constant("filter_dw_c4", dw_c4_taps(taps), "int32_t")
        folded = fold_input_offset(taps.T, bias.array() if bias is not None else None, -inp.quant.single_zero_point)
        records = dw_c4_records(folded, conv_channel_multipliers(op), out.quant.single_zero_point)
        channels = ctx.constant("channels", records, "int32_t")
        return ctx.call(params, dims[0], ctx.tensor(inp), dims[1], filter_name, channels, dims[2], ctx.tensor(out))
    quant = per_channel_quant(ctx, conv_multipliers(inp.quant.single_scale, scales, out.quant.single_scale))
    if ctx.kernel.weight_layout == DW3X3_PAIRS:
        # [1, 3, 3, C] as C rows of nine taps, the shape fold_input_offset sums over.
        taps = filt.array().reshape(9, -1).T
        # Constants enter the weights file as they are named: filter, then bias.
        filter_name = ctx.constant("filter_dw_pairs", dw3x3_pairs(taps), "int8_t")
        folded = fold_input_offset(taps, bias.array() if bias is not None else None, -inp.quant.single_zero_point)
        # Doubled, as the layout wants; the variant applies only where this fits (DW3X3_BIAS_LIMIT).
        bias_name = ctx.constant("bias_folded_x2", folded.astype(np.int64) * 2, "int32_t")
        return ctx.call(params, quant, dims[0], ctx.tensor(inp), dims[1], filter_name, bias_name, dims[2], ctx.tensor(out))
    if ctx.kernel.weight_layout != TFLITE_LAYOUT:
        raise TinykitError(f"{describe(op)}: no DEPTHWISE_CONV_2D emitter for weight layout {ctx.kernel.weight_layout!r}")
    return _weighted_kernel_call(ctx, params, quant, op, filt, bias, dims)


def dw_c4_taps(taps: np.ndarray) -> np.ndarray:
    """Filter taps [T, C] (row-major, C a multiple of 4) in the ``dw_c4`` layout
    (tinykit/schedule/kernels/conv.py) as int32 words, per group of four channels: for each
    pair of taps (t, t + 1) and each of the four channels c the int16 pair (2 w[t][c],
    2 w[t + 1][c]); after them an odd count's last tap alone, (2 w[c0], 2 w[c2]) and
    (2 w[c1], 2 w[c3]). One tap is a pair with a zero tap."""
    count, channels = taps.shape
    doubled = taps.astype(np.int16) * 2
    if count == 1:
        doubled = np.concatenate([doubled, np.zeros_like(doubled)])
    paired = doubled.shape[0] // 2 * 2
    # [group, pair, c, half]
    pairs = doubled[:paired].reshape(-1, 2, channels // 4, 4).transpose(2, 0, 3, 1).reshape(channels // 4, -1)
    if paired == doubled.shape[0]:
        words = pairs
    else:
        lone = doubled[paired].reshape(channels // 4, 2, 2).transpose(0, 2, 1).reshape(channels // 4, -1)  # c0 c2 c1 c3
        words = np.concatenate([pairs, lone], axis=1)
    return np.ascontiguousarray(words).astype("<i2").view("<i4").reshape(-1)


def dw_c4_records(folded_bias: np.ndarray, multipliers: Sequence[tuple[int, int]], output_offset: int) -> np.ndarray:
    """The ``dw_c4`` layout's channel records: per group of four channels the biases with the input
    offset folded in (``fold_input_offset``), doubled, then per channel the high term
    2^(e - 1) + output_offset * 2^e of tinykit/requant_doubled.h, the multiplier and e = -shift
    (1..23, which the variant's choice guarantees)."""
    records = []
    for group in range(0, len(multipliers), 4):
        words = [2 * int(b) for b in folded_bias[group:group + 4]]
        for multiplier, shift in multipliers[group:group + 4]:
            e = -shift
            words += [(1 << (e - 1)) + output_offset * (1 << e), multiplier, e]
        records.append(words)
    return np.array(records, dtype=np.int64).astype(np.int32).ravel()


def dw3x3_pairs(taps: np.ndarray) -> np.ndarray:
    """Filter taps [C, 9] (row-major 3x3) in the ``dw3x3_pairs`` layout
    (tinykit/schedule/kernels/conv.py): per channel the int16 pairs (2 w0, 2 w1),
    (2 w1, 2 w2) of each filter row, as little-endian bytes."""
    rows = taps.astype(np.int16).reshape(-1, 3, 3) * 2
    pairs = np.stack([rows[:, :, 0], rows[:, :, 1], rows[:, :, 1], rows[:, :, 2]], axis=2)  # [C, row, 4 halves]
    return pairs.astype("<i2").reshape(-1).view(np.int8)


@emitter(OpKind.FULLY_CONNECTED)
def emit_fully_connected(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, FullyConnectedOptions)
    inp, out = op.inputs[0], op.outputs[0]
    units, depth = op.inputs[1].shape
    filt, bias, scales = _weights(op, units)
    # TFLite flattens an input of any rank to [batches, depth].
    batches = inp.size // depth
    params = ctx.struct("tk_fully_connected_params", "params", {
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
        "activation": activation_initializer(opts.activation, out),
    })
    dims = (
        dims_struct(ctx, "input_dims", batches, 1, 1, depth),
        dims_struct(ctx, "filter_dims", units, 1, 1, depth),
        dims_struct(ctx, "output_dims", batches, 1, 1, units),
    )
    if ctx.kernel.weight_layout == FC_BLOCKS8_LAYOUT:
        weights = filt.array()
        # Constants enter the weights file as they are named: filter, then the unit records.
        blocked = ctx.constant("filter_blocks8", fc_blocks(fc_word_halves(weights), FC_BLOCK8), "int8_t")
        folded = fold_input_offset(weights, bias.array() if bias is not None else None, -inp.quant.single_zero_point)
        records = conv_channel_records(folded, conv_channel_multipliers(op), out.quant.single_zero_point,
                                       ~weights.any(axis=1))
        full_range = activation_range_int8(opts.activation, out.quant.single_scale,
                                           out.quant.single_zero_point) == (-128, 127)
        channels = ctx.constant("channels", fc_blocks8_channels(fc_halves_corrected(records, weights), full_range),
                                "int32_t")
        input_dims, filter_dims, output_dims = dims
        return ctx.call(params, input_dims, ctx.tensor(inp), filter_dims, blocked, channels, output_dims,
                        ctx.tensor(out))
    quant = per_channel_quant(ctx, conv_multipliers(inp.quant.single_scale, scales, out.quant.single_scale))
    if ctx.kernel.weight_layout == FC_BLOCKS4_LAYOUT:
        weights = filt.array()
        # Constants enter the weights file as they are named: filter, then bias.
        blocked = ctx.constant("filter_blocks4", fc_blocks(weights, FC_BLOCK4), "int8_t")
        folded = fold_input_offset(weights, bias.array() if bias is not None else None, -inp.quant.single_zero_point)
        bias_name = ctx.constant("bias_folded", folded, "int32_t")
        input_dims, filter_dims, output_dims = dims
        return ctx.call(params, quant, input_dims, ctx.tensor(inp), filter_dims, blocked, bias_name, output_dims,
                        ctx.tensor(out))
    if ctx.kernel.weight_layout != TFLITE_LAYOUT:
        raise TinykitError(f"{describe(op)}: no FULLY_CONNECTED emitter for weight layout {ctx.kernel.weight_layout!r}")
    return _weighted_kernel_call(ctx, params, quant, op, filt, bias, dims)


def fold_input_offset(weights: np.ndarray, bias: np.ndarray | None, input_offset: int) -> np.ndarray:
    """bias[u] (0 without bias) + input_offset * sum_d weights[u][d] for weights [units, depth],
    wrapped to int32 as the kernel's int32 accumulator wraps: sum_d w * (x + offset) + bias
    equals sum_d w * x + this, so a kernel given it multiplies raw inputs."""
    folded = weights.astype(np.int64).sum(axis=1) * input_offset
    if bias is not None:
        folded += bias.astype(np.int64)
    return ((folded + 2**31) % 2**32 - 2**31).astype(np.int32)


# The largest right shift for which cortexm/tk_fully_connected_blocks8_s8.c's shared form folds the
# output offset into the rounding constant (offset * 2^e) and stays inside int32.
FC_SHARED_MAX_SHIFT = 22


def fc_blocks8_channels(records: np.ndarray, full_range: bool) -> np.ndarray:
    """cortexm/tk_fully_connected_blocks8_s8.c's constants from the unit records: where every unit
    requantizes alike with a right shift e of at most FC_SHARED_MAX_SHIFT and the activation clamps
    to all of int8 (``full_range``), 1, the shared multiplier, 2^(e - 1) + offset * 2^e and e, then
    the biases; else 0 and the records."""
    units = records.reshape(-1, CHANNEL_RECORD_WORDS).astype(np.int64)
    _, multiplier, rounding, shift, offset = units[0]
    if full_range and np.all(units[:, 1:] == units[0, 1:]) and multiplier != 0 and shift <= FC_SHARED_MAX_SHIFT:
        shared = [1, multiplier, rounding + offset * (1 << int(shift)), shift]
        return np.concatenate([shared, units[:, 0]]).astype(np.int32)
    return np.concatenate([[0], records]).astype(np.int32)


FC_BLOCK4 = 4  # units per block: TK_FC_BLOCK in cortexm/tk_fully_connected_folded_s8.c
FC_BLOCK8 = 8  # units per block: TK_FC_BLOCK in cortexm/tk_fully_connected_blocks8_s8.c


def fc_blocks(weights: np.ndarray, block: int) -> np.ndarray:
    """Weights [units, depth] in the layout of cortexm/tk_fully_connected_folded_s8.c (block 4) and
    tk_fully_connected_blocks8_s8.c (block 8): per block of units, for each four depths the block's
    units' four bytes in turn, then the depth % 4 tail interleaved by depth; the units beyond the
    last full block row by row."""
    units, depth = weights.shape
    blocked, depth4 = units - units % block, depth - depth % 4
    parts = []
    for u in range(0, blocked, block):
        rows = weights[u:u + block]
        parts.append(rows[:, :depth4].reshape(block, depth4 // 4, 4).transpose(1, 0, 2).ravel())
        parts.append(rows[:, depth4:].T.ravel())
    parts.append(weights[blocked:].ravel())
    return np.concatenate(parts).astype(np.int8)


def fc_word_halves(weights: np.ndarray) -> np.ndarray:
    """Weights [units, depth] with each int16 half of every full word of four depths, weights
    (w0, w1), stored as the bytes (127 - w1 as an unsigned byte, w0)
    (cortexm/tk_fully_connected_blocks8_s8.c says why); the depth % 4 tail unchanged."""
    depth4 = weights.shape[1] - weights.shape[1] % 4
    stored = weights.astype(np.int8).view(np.uint8).copy()
    stored[:, :depth4:2] = (127 - weights[:, 1:depth4:2].astype(np.int16)).astype(np.uint8)
    stored[:, 1:depth4:2] = weights[:, :depth4:2].astype(np.int8).view(np.uint8)
    return stored.view(np.int8)


def fc_halves_corrected(records: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The unit records (``conv_channel_records``) with 128 w0 - w1 + 127 for each int16 half
    (w0, w1) of the unit's full words of four depths added to the bias word, wrapping: the constant
    cortexm/tk_fully_connected_blocks8_s8.c's word products leave out. A constant unit's record
    (multiplier 0) ignores its bias word."""
    depth4 = weights.shape[1] - weights.shape[1] % 4
    first = weights[:, :depth4:2].astype(np.int64).sum(axis=1)
    second = weights[:, 1:depth4:2].astype(np.int64).sum(axis=1)
    words = records.astype(np.int64).reshape(len(weights), -1)
    words[:, 0] += 128 * first - second + 127 * (depth4 // 2)
    return (words % 2**32).astype(np.uint32).view(np.int32).ravel()


@emitter(OpKind.TRANSPOSE_CONV)
def emit_transpose_conv(op: Op, ctx: EmitContext) -> str:
    """TF Lite Micro's TRANSPOSE_CONV: CONV_2D's multipliers and clamp, and the
    padding of a convolution whose input would be this op's output (dilation 1).
    Shapes and options are checked by ``tinykit.legality.conv``."""
    opts = op.options
    assert isinstance(opts, TransposeConvOptions)
    inp, out = op.inputs[0], op.outputs[0]
    filt, bias, scales = _weights(op, out.shape[-1])
    _, k_h, k_w, _ = filt.shape
    _, out_h, out_w, _ = out.shape
    params = ctx.struct("tk_conv_params", "params", {
        "stride_h": str(opts.stride_h), "stride_w": str(opts.stride_w), "dilation_h": "1", "dilation_w": "1",
        "pad_h": str(conv_padding_before(out_h, k_h, opts.stride_h, 1, opts.padding)),
        "pad_w": str(conv_padding_before(out_w, k_w, opts.stride_w, 1, opts.padding)),
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
        "activation": activation_initializer(opts.activation, out),
    })
    quant = per_channel_quant(ctx, conv_multipliers(inp.quant.single_scale, scales, out.quant.single_scale))
    return _weighted_kernel_call(ctx, params, quant, op, filt, bias, _nhwc_kernel_dims(ctx, op, filt))
