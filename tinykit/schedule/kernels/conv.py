"""Kernel variants of the convolution family: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV."""

from __future__ import annotations

import numpy as np

from tinykit.codegen.quant import conv_channel_multipliers
from tinykit.ir import Conv2DOptions, DepthwiseConv2DOptions, Op, OpKind
from tinykit.schedule.overlap import (Order, Overlap, Window, exactly_in_place, no_overlap, window_min_distance,
                                      window_of)
from tinykit.schedule.variants import KernelVariant, reference, register


def _conv_window(op: Op) -> Window:
    opts = op.options
    assert isinstance(opts, (Conv2DOptions, DepthwiseConv2DOptions))
    kernel = tuple(op.inputs[1].shape[1:3])
    return window_of(op, kernel, (opts.stride_h, opts.stride_w), (opts.dilation_h, opts.dilation_w))  # type: ignore[arg-type]


def _fc_window(op: Op) -> Window:
    depth, units = op.inputs[1].shape[1], op.outputs[0].shape[-1]
    rows = op.inputs[0].size // depth
    return Window((rows, 1, 1, depth), (rows, 1, 1, units), (1, 1), (1, 1), (1, 1), (0, 0))


def pixel_by_pixel(op: Op) -> tuple[Overlap, ...]:
    """reference/tk_conv_s8.c, tk_depthwise_conv_s8.c and tk_fully_connected_s8.c (and the
    DSP FULLY_CONNECTED): output pixels (FULLY_CONNECTED: rows) one at a time in NHWC order;
    each output channel of a pixel re-reads the window before it is stored, so a pixel's
    writes may precede its reads. A depthwise layer of depth multiplier 1 reads only its
    own channel for each output channel: ``channel_by_channel``."""
    if op.kind is OpKind.DEPTHWISE_CONV_2D and _depth_multiplier_one(op):
        return channel_by_channel(op)
    window = _fc_window(op) if op.kind is OpKind.FULLY_CONNECTED else _conv_window(op)
    return (Overlap(0, window_min_distance(window, 1, Order.WRITES_DURING_READS)),)


def channel_by_channel(op: Op) -> tuple[Overlap, ...]:
    """Depthwise kernels of depth multiplier 1 (reference/tk_depthwise_conv_s8.c channel by
    channel; cortexm/tk_depthwise_conv_dm1_s8.c four channels at a time, ascending, each
    group stored right after its window's reads of those channels)."""
    return (Overlap(0, window_min_distance(_conv_window(op), 1, Order.CHANNEL_BY_CHANNEL)),)


def two_pixels_in_place(op: Op) -> tuple[Overlap, ...]:
    """cortexm/tk_conv_1x1_s8.c: two output pixels per step, each pair of output channels
    reading both pixels' inputs again."""
    return (Overlap(0, window_min_distance(_conv_window(op), 2, Order.WRITES_DURING_READS)),)


def two_columns_in_place(op: Op) -> tuple[Overlap, ...]:
    """cortexm/tk_conv_s8.c: two output pixels per step, their patches copied to scratch
    (one group at a time) before any of their outputs is written; with several groups,
    group 0's outputs are written before group 1's patches are read. Also cortexm/tk_conv_quads_s8.c
    and cortexm/tk_conv_shallow_s8.c (one group), which put both pixels' inputs in their scratch
    pair before writing any of their outputs."""
    grouped = op.inputs[1].shape[-1] != op.inputs[0].shape[-1]
    order = Order.WRITES_DURING_READS if grouped else Order.WRITES_AFTER_READS
    return (Overlap(0, window_min_distance(_conv_window(op), 2, order)),)


reference(OpKind.CONV_2D, "tk_conv_s8", overlaps=pixel_by_pixel)
reference(OpKind.DEPTHWISE_CONV_2D, "tk_depthwise_conv_s8", overlaps=pixel_by_pixel)
reference(OpKind.FULLY_CONNECTED, "tk_fully_connected_s8", overlaps=pixel_by_pixel)


def transpose_conv_accumulator_bytes(op: Op) -> int:
    """reference/tk_transpose_conv_s8.c: one int32 accumulator per output element,
    as its tk_transpose_conv_s8_get_buffer_size computes it."""
    return op.outputs[0].size * 4


reference(OpKind.TRANSPOSE_CONV, "tk_transpose_conv_s8", scratch_bytes=transpose_conv_accumulator_bytes)


# The weight layout the DSP CONV_2D kernels read (their emitter,
# tinykit/codegen/ops/conv.py, writes it): filter rows (out_c rows of
# kh * kw * filter_c taps) paired within each group and interleaved four bytes
# at a time, then the pair's last taps % 4 bytes of each row; an odd last
# channel keeps its row. The bias has the input offset's contribution folded
# in (the kernels pad with the input zero point, which then adds nothing).
FILTER_PAIRS = "filter_pairs"


def conv_column_bytes(op: Op) -> int:
    """cortexm/tk_conv_s8.c: two output pixels' input patches (filter_h * filter_w * filter_c
    taps each) as int8, as its tk_conv_s8_get_buffer_size computes it."""
    _, k_h, k_w, filter_c = op.inputs[1].shape
    return 2 * k_h * k_w * filter_c


register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_s8", "dsp", ("cortexm/tk_conv_s8.c",), requires=frozenset({"dsp"}), preference=10,
    scratch_bytes=conv_column_bytes, weight_layout=FILTER_PAIRS, overlaps=two_columns_in_place,
    description="im2col of two output pixels' patches into int8 scratch, SMLAD blocked 2 channels x 2 pixels",
))


def _one_by_one(op: Op) -> bool:
    return tuple(op.inputs[1].shape[1:3]) == (1, 1)


# A 1x1 filter reads contiguous channels and is never padded: the pixels are
# the columns, no scratch, so pointwise layers (the arena's peak in
# depthwise-separable networks) add none.
register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_1x1_s8", "dsp", ("cortexm/tk_conv_1x1_s8.c",), requires=frozenset({"dsp"}), preference=20,
    applies=_one_by_one, weight_layout=FILTER_PAIRS, overlaps=two_pixels_in_place,
    description="1x1 filters: SMLAD blocked 2 channels x 2 pixels straight from the input; no scratch",
))


# The weight layout of the "quads" CONV_2D kernels (tinykit/conv_quads.h says
# what they read and why): filter rows, padded with zero taps to a multiple of
# 4, interleaved in blocks of four output channels to match the pixel pairs'
# interleaving, and instead of quant and bias one record per output channel
# (bias with the input offset folded in, multiplier, rounding constant, shift);
# tinykit/codegen/ops/conv.py writes both.
QUADS = "quads"


# The accumulators the "quads" requantization takes (tinykit/conv_quads.h): doubled, then
# SMMLAR's high word plus up to 2^30 must stay inside int32.
QUADS_ACCUMULATOR_LIMIT = 1 << 29


def accumulator_bounds(op: Op) -> tuple[np.ndarray, np.ndarray]:
    """The least and greatest accumulator (bias + sum of filter * (input - input zero point))
    each output channel of a CONV_2D can reach over all int8 inputs; a padding tap adds 0,
    which lies between."""
    filt = op.inputs[1].array().astype(np.int64).reshape(op.inputs[1].shape[0], -1)
    zero_point = op.inputs[0].quant.single_zero_point
    low, high = -128 - zero_point, 127 - zero_point
    bias_tensor = op.inputs[2] if len(op.inputs) > 2 else None
    bias = np.zeros(len(filt), dtype=np.int64) if bias_tensor is None else bias_tensor.array().astype(np.int64)
    return (bias + np.minimum(filt * low, filt * high).sum(axis=1),
            bias + np.maximum(filt * low, filt * high).sum(axis=1))


def _requantization_shifts_right(op: Op) -> bool:
    """Every channel's requantization is a multiply and a right shift of 1..31 bits (a real
    multiplier below 1/2; every trained layer tinykit has met) and every accumulator it can
    reach stays within QUADS_ACCUMULATOR_LIMIT, or the channel's output is a constant (a
    multiplier of 0, or a filter row of zeros: its record says the constant): the cases
    conv_quads.h's single SMMLAR form of TF Lite Micro's two roundings covers in int32."""
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    if op.inputs[1].data is None or (bias is not None and bias.data is None):
        return False
    multipliers = np.array(conv_channel_multipliers(op), dtype=np.int64).reshape(-1, 2)
    varying = (multipliers[:, 0] != 0) & op.inputs[1].array().reshape(len(multipliers), -1).any(axis=1)
    low, high = accumulator_bounds(op)
    return bool(np.all(multipliers[varying, 1] <= -1) and np.all(low[varying] >= -QUADS_ACCUMULATOR_LIMIT)
                and np.all(high[varying] <= QUADS_ACCUMULATOR_LIMIT))


def _quads(op: Op) -> bool:
    out_c, _, _, filter_c = op.inputs[1].shape
    return filter_c == op.inputs[0].shape[-1] and out_c % 4 == 0 and _requantization_shifts_right(op)


def conv_quads_column_bytes(op: Op) -> int:
    """cortexm/tk_conv_quads_s8.c: two output pixels' patches (filter_h * filter_w * filter_c taps
    rounded up to a multiple of 4), interleaved, as its tk_conv_quads_s8_get_buffer_size computes it."""
    _, k_h, k_w, filter_c = op.inputs[1].shape
    return 2 * (-(-k_h * k_w * filter_c // 4) * 4)


register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_quads_s8", "dsp", ("cortexm/tk_conv_quads_s8.c",), requires=frozenset({"dsp"}),
    preference=15, applies=_quads, scratch_bytes=conv_quads_column_bytes, weight_layout=QUADS,
    overlaps=two_columns_in_place,
    description="im2col of two pixels straight into their interleaved pair (a word or a window row at a time), SMLAD blocked "
                "4 channels x 2 pixels, "
                "requantization constants prepared by the build",
))


# The weight layout of cortexm/tk_conv_shallow_s8.c (its header comment says
# why): a pixel's taps as int16 pairs in the order shallow_pairs_order gives,
# per block of four output channels and per pair the four channels' int16
# pairs; with it the channel records of the "quads" kernels.
# tinykit/codegen/ops/conv.py writes both.
SHALLOW_PAIRS = "shallow_pairs"


def shallow_pairs_order(filter_h: int, filter_w: int, depth: int) -> list[tuple[int, int | None]]:
    """The taps (indices into a filter row of filter_h * filter_w * depth taps, TFLite's order)
    of each int16 pair cortexm/tk_conv_shallow_s8.c gathers, low half first (None: a zero
    tap): per window row (filter_w * depth contiguous bytes) each whole word's bytes
    (b0, b2) and (b1, b3); the row's last bytes wait one at a time for a partner, the next
    such byte (possibly of a later row); one still waiting at the end pairs with a zero tap."""
    row = filter_w * depth
    whole = row - row % 4
    order: list[tuple[int, int | None]] = []
    waiting: int | None = None
    for ky in range(filter_h):
        base = ky * row
        for i in range(base, base + whole, 4):
            order += [(i, i + 2), (i + 1, i + 3)]
        for tap in range(base + whole, base + row):
            if waiting is None:
                waiting = tap
            else:
                order.append((waiting, tap))
                waiting = None
    if waiting is not None:
        order.append((waiting, None))
    return order


def conv_shallow_pair_bytes(op: Op) -> int:
    """cortexm/tk_conv_shallow_s8.c: two output pixels' patches as int16 pairs, interleaved
    (8 bytes per pair of taps), then three window rows (filter_w * filter_c bytes) in whole words
    (zero points, and one per pixel for rows partly outside the image), as its
    tk_conv_shallow_s8_get_buffer_size computes it."""
    _, k_h, k_w, filter_c = op.inputs[1].shape
    return 8 * len(shallow_pairs_order(k_h, k_w, filter_c)) + 3 * (-(-k_w * filter_c // 4) * 4)


def _shallow(op: Op) -> bool:
    """Input depths that are not whole words (first layers: one or three channels), which
    tk_conv_quads_s8 gathers tap by tap into int8 pairs and then widens for every block of
    output channels; this kernel widens each tap once."""
    return _quads(op) and op.inputs[0].shape[-1] % 4 != 0


register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_shallow_s8", "dsp", ("cortexm/tk_conv_shallow_s8.c",), requires=frozenset({"dsp"}),
    preference=25, applies=_shallow, scratch_bytes=conv_shallow_pair_bytes, weight_layout=SHALLOW_PAIRS,
    overlaps=two_columns_in_place,
    description="input depth not a multiple of 4 (first layers): two pixels' patches gathered once as int16 pairs, "
                "int16 weights prepared by the build, LDRD and SMLAD blocked 4 channels x 2 pixels; quads requantization",
))


def _quads_wide(op: Op) -> bool:
    return _quads(op) and op.inputs[1].shape[-1] % 4 == 0


def widened_patches_bytes(op: Op, pixels: int) -> int:
    """``pixels`` output pixels' patches (filter_h * filter_w * filter_c taps) widened to int16, as
    tinykit/conv_quads.h's tk_conv_widened_patches_bytes computes it for the kernels that widen them."""
    _, k_h, k_w, filter_c = op.inputs[1].shape
    return pixels * 2 * k_h * k_w * filter_c


def conv_quads_wide_bytes(op: Op) -> int:
    """cortexm/tk_conv_quads_wide_s8.c: two widened patches."""
    return widened_patches_bytes(op, 2)


# Between tk_conv_quads_s8 and tk_conv_triples_s8 in speed and in scratch: the memory-aware
# choice takes it where the triples' three patches would enlarge the arena and its two do not
# (ResNet-8's second layer, whose input stays live for the residual ADD, so that no overlap is
# lost). Never the fastest variant of a layer alone, it claims no overlap with its input (the
# op tests cannot put a one-op model on it to run a rule at its limit).
register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_quads_wide_s8", "dsp", ("cortexm/tk_conv_quads_wide_s8.c",), requires=frozenset({"dsp"}),
    preference=16, applies=_quads_wide, scratch_bytes=conv_quads_wide_bytes, weight_layout=QUADS,
    overlaps=no_overlap,
    description="depth a multiple of 4: im2col of two pixels widened once to int16 in scratch, SMLAD blocked "
                "4 channels x 2 pixels (30 instructions per 32 MACs), requantization constants prepared by the build",
))


# The weight layout of cortexm/tk_conv_1x1_quads_s8.c: filter rows (a depth that is a multiple
# of 4) paired and interleaved four bytes at a time, FILTER_PAIRS's order, and instead of quant
# and bias the "quads" kernels' channel records; tinykit/codegen/ops/conv.py writes both.
CHANNEL_PAIRS = "channel_pairs"


def _one_by_one_pairs(op: Op) -> bool:
    out_c, _, _, filter_c = op.inputs[1].shape
    return (_one_by_one(op) and filter_c == op.inputs[0].shape[-1] and filter_c % 4 == 0 and out_c % 2 == 0
            and _requantization_shifts_right(op))


def conv_1x1_triple_bytes(op: Op) -> int:
    """cortexm/tk_conv_1x1_quads_s8.c: three input pixels widened to int16, as its
    tk_conv_1x1_quads_s8_get_buffer_size computes it."""
    return 3 * 2 * op.inputs[0].shape[-1]


def three_columns_in_place(op: Op) -> tuple[Overlap, ...]:
    """cortexm/tk_conv_1x1_quads_s8.c and cortexm/tk_conv_triples_s8.c: three output pixels per
    step, all three inputs (patches) widened into scratch before any of their outputs is written."""
    return (Overlap(0, window_min_distance(_conv_window(op), 3, Order.WRITES_AFTER_READS)),)


register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_1x1_quads_s8", "dsp", ("cortexm/tk_conv_1x1_quads_s8.c",), requires=frozenset({"dsp"}),
    preference=30, applies=_one_by_one_pairs, scratch_bytes=conv_1x1_triple_bytes,
    overlaps=three_columns_in_place, weight_layout=CHANNEL_PAIRS,
    description="1x1 filters, depth a multiple of 4: three pixels widened once to doubled int16 in scratch, SMLAD "
                "blocked 2 channels x 3 pixels, SMMLAR requantization from records prepared by the build; "
                "all three pixels read before any output",
))


def _triples(op: Op) -> bool:
    out_c, _, _, filter_c = op.inputs[1].shape
    return (filter_c == op.inputs[0].shape[-1] and filter_c % 4 == 0 and out_c % 2 == 0
            and _requantization_shifts_right(op))


def conv_triples_bytes(op: Op) -> int:
    """cortexm/tk_conv_triples_s8.c: three widened patches."""
    return widened_patches_bytes(op, 3)


# Above tk_conv_quads_s8 where both apply (depth a multiple of 4: every layer but a first one):
# widening each patch once pays for the scratch three times the pair's.
register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_triples_s8", "dsp", ("cortexm/tk_conv_triples_s8.c",), requires=frozenset({"dsp"}),
    preference=17, applies=_triples, scratch_bytes=conv_triples_bytes, overlaps=three_columns_in_place,
    weight_layout=CHANNEL_PAIRS,
    description="depth a multiple of 4: im2col of three pixels widened once to doubled int16 in scratch, SMLAD "
                "blocked 2 channels x 3 pixels (the 1x1 quads kernel's loop), SMMLAR requantization from records "
                "prepared by the build; all three patches read before any output",
))


def _depth_multiplier_one(op: Op) -> bool:
    return op.inputs[1].shape[-1] == op.inputs[0].shape[-1]


# Depth multiplier 1 (every depthwise layer of MobileNet and DS-CNN): output
# channel c reads input channel c, so four channels are one word of input and
# one of filter per tap.
register(KernelVariant(
    OpKind.DEPTHWISE_CONV_2D, "tk_depthwise_conv_dm1_s8", "dsp", ("cortexm/tk_depthwise_conv_dm1_s8.c",),
    requires=frozenset({"dsp"}), preference=10, applies=_depth_multiplier_one, overlaps=channel_by_channel,
    description="depth multiplier 1: four channels per step with SXTAB16/SMLABB/SMLATT; padding outside the inner loop",
))


def _three_by_three_dm1(op: Op) -> bool:
    opts = op.options
    assert isinstance(opts, DepthwiseConv2DOptions)
    return (_depth_multiplier_one(op) and tuple(op.inputs[1].shape[1:3]) == (3, 3)
            and (opts.dilation_h, opts.dilation_w) == (1, 1))


# The weight layout cortexm/tk_depthwise_conv_3x3_s8.c reads (its emitter,
# tinykit/codegen/ops/conv.py, writes it): per channel six int16 pairs,
# (w[k][0], w[k][1]) then (w[k][1], w[k][2]) for filter rows k = 0, 1, 2, so
# SMLAD multiplies two taps of one channel; the bias has the input offset's
# contribution folded in (the kernel pads with the input zero point). Filter
# and bias are doubled: the kernel's accumulator is twice the reference's,
# the operand its SMMLAR requantization wants.
DW3X3_PAIRS = "dw3x3_pairs"

# The largest |bias| the doubled layout takes: the folded bias (at most
# 9 * 128 * 256 away) plus nine products of int8 inputs with doubled taps,
# all doubled, stay inside int32 with room to spare. Real models' biases are
# far smaller; a layer beyond it runs tk_depthwise_conv_dm1_s8.
DW3X3_BIAS_LIMIT = 1 << 28
# The most taps a doubled depthwise kernel takes: 2 * 2^28 plus 2^12 taps of at most
# 2 * 128 * 255 each stays below 2^31.
DW_DOUBLED_TAPS = 1 << 12


def _bias_fits_doubled(op: Op) -> bool:
    """Whether the doubled depthwise kernels' accumulators fit in int32: |bias| at most
    DW3X3_BIAS_LIMIT (the folded bias of a 3x3 filter adds at most 9 * 128 * 256 to it), and
    at most DW_DOUBLED_TAPS taps (each adds at most 256 * 255 to the doubled accumulator)."""
    if op.inputs[1].shape[1] * op.inputs[1].shape[2] > DW_DOUBLED_TAPS:
        return False
    if len(op.inputs) < 3:
        return True
    bias = op.inputs[2]
    return bias.data is not None and int(np.abs(bias.array().astype(np.int64)).max(initial=0)) <= DW3X3_BIAS_LIMIT


def depthwise_3x3_ring_bytes(op: Op) -> int:
    """cortexm/tk_depthwise_conv_3x3_s8.c: three int16 lines as long as the longer of the
    output's height and width times its stride, plus 4 entries, rounded down to whole words
    (room for the padded line of either orientation), as its
    tk_depthwise_conv_3x3_s8_get_buffer_size computes it."""
    opts = op.options
    assert isinstance(opts, DepthwiseConv2DOptions)
    _, out_h, out_w, _ = op.outputs[0].shape
    longest = max(out_h * opts.stride_h, out_w * opts.stride_w)
    return 3 * ((longest + 4) & ~1) * 2


# The weight layout cortexm/tk_depthwise_conv_c4_s8.c reads (its emitter,
# tinykit/codegen/ops/conv.py, writes it): the taps in pairs, per group of four
# channels and per pair (t, t + 1) the int16 pairs (2 w[t][c], 2 w[t + 1][c]) of
# its four channels c, so SMLAD multiplies two taps of one channel, then an odd
# count's last tap alone (2 w[c0], 2 w[c2]), (2 w[c1], 2 w[c3]) for SMLABB and
# SMLATT (one tap: a pair with a zero tap); instead of quant and bias, per group 16
# int32 words: the four biases doubled, then per channel the SMMLAR
# requantization's high term, multiplier and right shift
# (tinykit/requant_doubled.h). Doubled, as for DW3X3_PAIRS.
DW_C4 = "dw_c4"
# The largest filter (taps) it takes: its table of tap offsets lives on the stack
# (TK_DW_C4_MAX_TAPS in firmware/runtime/include/tinykit/conv.h).
DW_C4_MAX_TAPS = 64


def _requantization_doubled(op: Op) -> bool:
    """Every channel's requantization takes tinykit/requant_doubled.h's SMMLAR form: a right shift
    of 1..23 bits and a multiplier of at least 2^30 (every trained layer's)."""
    return all(1 <= -shift <= 23 and (multiplier >= 1 << 30 or multiplier == 0)
               for multiplier, shift in conv_channel_multipliers(op))


def _channels_in_words(op: Op) -> bool:
    return (_depth_multiplier_one(op) and op.inputs[0].shape[-1] % 4 == 0
            and op.inputs[1].shape[1] * op.inputs[1].shape[2] <= DW_C4_MAX_TAPS and _bias_fits_doubled(op)
            and _requantization_doubled(op))


register(KernelVariant(
    OpKind.DEPTHWISE_CONV_2D, "tk_depthwise_conv_c4_s8", "dsp", ("cortexm/tk_depthwise_conv_c4_s8.c",),
    requires=frozenset({"dsp"}), preference=15, applies=_channels_in_words, overlaps=channel_by_channel,
    weight_layout=DW_C4,
    description="depth multiplier 1, channels a multiple of 4, filters up to 64 taps: two taps x four channels per "
                "step in assembly (PKHBT/PKHTB, SXTB16, SMLAD on doubled filter pairs prepared by the build), SMMLAR "
                "requantization; input offset folded into the bias, padding read as the zero point; no scratch",
))

# The longest output side (the ring kernel's line) up to which tk_depthwise_conv_c4_s8 beats the
# 3x3 ring kernel at stride 1: the ring's per-line and per-channel costs spread over short lines
# only. Measured on qemu_m7 (instructions, pairs vs ring), MLPerf Tiny's VWW: 6x6x128 129 K vs
# 209 K, 12x12x64 252 K vs 284 K, 48x48x8 557 K vs 380 K (24x24x32 about 480 K, from its strided
# twin, vs 425 K); KWS's 25x5x64 225 K vs 199 K (long columns, many windows in the padding).
# Strided layers always: the ring kernel widens every input line but uses half its columns.
DW_PAIRS_FASTER_SIDE = 12


def _pairs_beat_the_ring(op: Op) -> bool:
    """A 3x3 layer tk_depthwise_conv_c4_s8 runs faster than the ring kernel: strided, or short output lines."""
    if not (_three_by_three_dm1(op) and _channels_in_words(op)):
        return False
    opts = op.options
    assert isinstance(opts, DepthwiseConv2DOptions)
    _, out_h, out_w, _ = op.outputs[0].shape
    return (opts.stride_h, opts.stride_w) != (1, 1) or max(out_h, out_w) <= DW_PAIRS_FASTER_SIDE


# The same kernel again, above the ring kernel where it is the faster; the ring kernel stays an
# alternative there, which the memory-aware choice (tinykit/planner/kernel_choice.py) may take.
register(KernelVariant(
    OpKind.DEPTHWISE_CONV_2D, "tk_depthwise_conv_c4_s8", "dsp", ("cortexm/tk_depthwise_conv_c4_s8.c",),
    requires=frozenset({"dsp"}), preference=25, applies=_pairs_beat_the_ring, overlaps=channel_by_channel,
    weight_layout=DW_C4,
    description="the pairs kernel again, preferred to the 3x3 ring kernel on strided 3x3 layers and output sides "
                f"of at most {DW_PAIRS_FASTER_SIDE} pixels (faster there)",
))


register(KernelVariant(
    OpKind.DEPTHWISE_CONV_2D, "tk_depthwise_conv_3x3_s8", "dsp", ("cortexm/tk_depthwise_conv_3x3_s8.c",),
    requires=frozenset({"dsp"}), preference=20, applies=lambda op: _three_by_three_dm1(op) and _bias_fits_doubled(op),
    scratch_bytes=depthwise_3x3_ring_bytes, overlaps=exactly_in_place,
    weight_layout=DW3X3_PAIRS,
    description="3x3, depth multiplier 1, no dilation: channel by channel through a three-line int16 ring, "
                "SMLAD on pairs of taps, two outputs per step at stride 1, SMMLAR requantization; input offset folded into the bias",
))

# FULLY_CONNECTED's weights in blocks of four units (cortexm/tk_fully_connected_folded_s8.c
# says how), with the input offset folded into the bias; tinykit/codegen/ops/conv.py writes both.
FC_BLOCKS4_LAYOUT = "fc_blocks4"

register(KernelVariant(
    OpKind.FULLY_CONNECTED, "tk_fully_connected_folded_s8", "dsp", ("cortexm/tk_fully_connected_folded_s8.c",),
    requires=frozenset({"dsp"}), preference=10, weight_layout=FC_BLOCKS4_LAYOUT, overlaps=pixel_by_pixel,
    description="four units per pass sharing each SXTB16-widened input word, SMLAD; input offset folded into the bias",
))

# The weight layout of cortexm/tk_fully_connected_blocks8_s8.c: blocks of eight units, each int16
# half of every word of four depths stored as (127 - second weight, first weight) (the kernel says
# how and why), and instead of quant and bias the "quads" kernels' record per unit (bias with the
# input offset and the layout's correction folded in, requantization constants), or one shared
# record and the biases (a per-tensor layer clamped to all of int8); tinykit/codegen/ops/conv.py
# writes both.
FC_BLOCKS8_LAYOUT = "fc_blocks8"

# The fewest multiply-accumulates (all rows) for which a FULLY_CONNECTED layer takes the blocked
# kernel. It runs about 1.1 instructions per MAC against the small kernel's 1.9 and needs no generic
# requantization (the small kernel's costs about 30 instructions per unit), but it is ~4.5 KB of
# code (the assembly loop written out, once per form of its constants) that every firmware linking
# it carries. Classifier heads (MLPerf Tiny's KWS 64 -> 12, VWW
# 256 -> 2, ResNet-8 64 -> 10, streaming 32 -> 3: at most 768 MACs, under 2,000 instructions on the
# small kernel, a fraction of a percent of their models) would save a thousand instructions at
# most, and KWS's firmware would no longer fit issue 8's 20 KB (tests/test_code_size.py); the AD
# autoencoder's layers (1,024 to 81,920 MACs, all of its work) run about twice as fast.
FC_BLOCKS8_MIN_MACS = 1024


def fc_macs(op: Op) -> int:
    """A FULLY_CONNECTED layer's multiply-accumulates: every input row times every weight."""
    return op.inputs[0].size * op.inputs[1].shape[0]


register(KernelVariant(
    OpKind.FULLY_CONNECTED, "tk_fully_connected_blocks8_s8", "dsp", ("cortexm/tk_fully_connected_blocks8_s8.c",),
    requires=frozenset({"dsp"}), preference=20,
    applies=lambda op: fc_macs(op) >= FC_BLOCKS8_MIN_MACS and _requantization_shifts_right(op),
    weight_layout=FC_BLOCKS8_LAYOUT, overlaps=pixel_by_pixel,
    description=f"layers of at least {FC_BLOCKS8_MIN_MACS:,} MACs: eight units per pass sharing each input word, three "
                "instructions (SMLAD, SXTB16, SMLAD) per four weights, an assembly inner loop; corrections and input "
                "offset folded into the bias; SMMLAR requantization from records prepared by the build",
))
