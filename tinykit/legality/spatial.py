"""Legality of the spatial family: RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, DEPTH_TO_SPACE, SPACE_TO_DEPTH."""

from __future__ import annotations

from tinykit.codegen.ops.arithmetic import same_quantization
from tinykit.errors import TinykitError
from tinykit.ir import BlockOptions, Op, OpKind, ResizeOptions
from tinykit.legality import legality
from tinykit.legality.common import (
    describe,
    require_int8_activations,
    require_matching_output_size,
    require_nhwc,
    require_one_input_one_output,
)

SPATIAL = (OpKind.RESIZE_NEAREST_NEIGHBOR, OpKind.RESIZE_BILINEAR, OpKind.DEPTH_TO_SPACE, OpKind.SPACE_TO_DEPTH)


@legality(*SPATIAL)
def check_spatial(op: Op) -> None:
    """One 4-D int8 input and output sharing one quantization: TF Lite Micro moves or
    interpolates raw int8 values and never requantizes."""
    require_one_input_one_output(op)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    for tensor in (inp, out):
        if min(require_nhwc(op, tensor)) < 1:
            raise TinykitError(
                f"{describe(op)}: tensor {tensor.name!r} has shape {list(tensor.shape)} with an empty dimension. "
                "The model file is malformed; re-convert it."
            )
    if not same_quantization(inp, out):
        raise TinykitError(
            f"{describe(op)}: the input and output are quantized differently (scales {inp.quant.single_scale} and "
            f"{out.quant.single_scale}, zero points {inp.quant.single_zero_point} and {out.quant.single_zero_point}); "
            f"tflite-micro's int8 {op.kind.value} moves raw values without requantizing, so its output would be "
            "read in the wrong scale. Convert with the TFLite converter, which gives this op one quantization."
        )


@legality(OpKind.RESIZE_NEAREST_NEIGHBOR, OpKind.RESIZE_BILINEAR)
def check_resize(op: Op) -> None:
    opts = op.options
    assert isinstance(opts, ResizeOptions)
    (n, _, _, c), (out_n, _, _, out_c) = op.inputs[0].shape, op.outputs[0].shape
    if (n, c) != (out_n, out_c):
        raise TinykitError(
            f"{describe(op)}: the input {list(op.inputs[0].shape)} and output {list(op.outputs[0].shape)} differ in "
            "batch or channels; a resize changes only height and width. The model file is inconsistent; re-convert it."
        )
    if op.kind is OpKind.RESIZE_BILINEAR and opts.align_corners and opts.half_pixel_centers:
        raise TinykitError(
            f"{describe(op)} sets both align_corners and half_pixel_centers, which tflite-micro refuses (half-pixel "
            "centres need align_corners off). Re-convert with one of the two."
        )


@legality(OpKind.DEPTH_TO_SPACE, OpKind.SPACE_TO_DEPTH)
def check_block_rearrangement(op: Op) -> None:
    opts = op.options
    assert isinstance(opts, BlockOptions)
    block = opts.block_size
    n, h, w, c = op.inputs[0].shape
    if block < 1:
        raise TinykitError(f"{describe(op)}: the block size is {block}; it must be at least 1. Re-convert the model.")
    if op.kind is OpKind.DEPTH_TO_SPACE:
        if c % (block * block):
            raise TinykitError(
                f"{describe(op)}: the input's {c} channels are not a multiple of block size {block} squared. "
                "The model file is inconsistent; re-convert it."
            )
        expected = (n, h * block, w * block, c // (block * block))
    else:
        if h % block or w % block:
            raise TinykitError(
                f"{describe(op)}: the input's height {h} and width {w} must be multiples of block size {block}. "
                "The model file is inconsistent; re-convert it."
            )
        expected = (n, h // block, w // block, c * block * block)
    require_matching_output_size(op, expected)
