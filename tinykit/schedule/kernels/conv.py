"""Kernel variants of the convolution family: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED."""

from __future__ import annotations

from tinykit.ir import Op, OpKind
from tinykit.schedule.variants import KernelVariant, reference, register

reference(OpKind.CONV_2D, "tk_conv_s8")
reference(OpKind.DEPTHWISE_CONV_2D, "tk_depthwise_conv_s8")
reference(OpKind.FULLY_CONNECTED, "tk_fully_connected_s8")


def conv_column_bytes(op: Op) -> int:
    """cortexm/tk_conv_s8.c: one input patch (filter_h * filter_w * filter_c taps) as int16,
    as its tk_conv_s8_get_buffer_size computes it."""
    _, k_h, k_w, filter_c = op.inputs[1].shape
    return k_h * k_w * filter_c * 2


register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_s8", "dsp", ("cortexm/tk_conv_s8.c",), requires=frozenset({"dsp"}), preference=10,
    scratch_bytes=conv_column_bytes,
    description="im2col of one output pixel's patch into int16 scratch, SMLAD dot products",
))


def _one_by_one(op: Op) -> bool:
    return tuple(op.inputs[1].shape[1:3]) == (1, 1)


# A 1x1 filter reads contiguous channels: widening on the fly needs no scratch,
# so pointwise layers (the arena's peak in depthwise-separable networks) add none.
register(KernelVariant(
    OpKind.CONV_2D, "tk_conv_1x1_s8", "dsp", ("cortexm/tk_conv_1x1_s8.c",), requires=frozenset({"dsp"}), preference=20,
    applies=_one_by_one, description="1x1 filters: SXTAB16 widening with the input offset, SMLAD; no scratch",
))

# FULLY_CONNECTED's weights in blocks of four units (cortexm/tk_fully_connected_folded_s8.c
# says how), with the input offset folded into the bias; tinykit/codegen/ops/conv.py writes both.
FC_BLOCKS4_LAYOUT = "fc_blocks4"

register(KernelVariant(
    OpKind.FULLY_CONNECTED, "tk_fully_connected_folded_s8", "dsp", ("cortexm/tk_fully_connected_folded_s8.c",),
    requires=frozenset({"dsp"}), preference=10, weight_layout=FC_BLOCKS4_LAYOUT,
    description="four units per pass sharing each SXTB16-widened input word, SMLAD; input offset folded into the bias",
))
