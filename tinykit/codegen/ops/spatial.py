"""Emitters for the spatial family: RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR,
DEPTH_TO_SPACE, SPACE_TO_DEPTH.

TF Lite Micro computes each resize's source positions per pixel at run time;
here they are computed at build time with the same arithmetic (float32 for
nearest neighbour, 10-bit fixed point for bilinear), so the kernels only read
tables or integer scales. The checks an op must pass live in
``tinykit.legality.spatial``.
"""

from __future__ import annotations

import math

import numpy as np

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import nhwc_dims
from tinykit.ir import BlockOptions, Op, OpKind, ResizeOptions


def nearest_neighbor_sources(input_size: int, output_size: int, align_corners: bool, half_pixel_centers: bool) -> list[int]:
    """The input index each output index copies, as TF Lite Micro's GetNearestNeighbor computes it in float32."""
    f32 = np.float32
    if align_corners and output_size > 1:
        scale = f32(input_size - 1) / f32(output_size - 1)
    else:
        scale = f32(input_size) / f32(output_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    sources = []
    for value in range(output_size):
        position = float((f32(value) + offset) * scale)  # a float32 product, never negative
        # std::round rounds half away from zero; float32 + 0.5 is exact in a double.
        index = math.floor(position + 0.5) if align_corners else math.floor(position)
        index = min(index, input_size - 1)
        sources.append(max(index, 0) if half_pixel_centers else index)
    return sources


def bilinear_scale(input_size: int, output_size: int, align_corners: bool) -> int:
    """Input pixels per output pixel in units of 1/1024, rounded as TF Lite Micro's ResizeBilinearInteger does."""
    if align_corners and output_size > 1:
        return ((1 << 10) * (input_size - 1) + (output_size - 1) // 2) // (output_size - 1)
    return ((1 << 10) * input_size + output_size // 2) // output_size


def _call_with_dims(op: Op, ctx: EmitContext, params: str) -> str:
    inp, out = op.inputs[0], op.outputs[0]
    return ctx.call(params, nhwc_dims(ctx, "input_dims", inp), ctx.tensor(inp),
                    nhwc_dims(ctx, "output_dims", out), ctx.tensor(out))


@emitter(OpKind.RESIZE_NEAREST_NEIGHBOR)
def emit_resize_nearest_neighbor(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, ResizeOptions)
    (_, in_h, in_w, _), (_, out_h, out_w, _) = op.inputs[0].shape, op.outputs[0].shape
    rows = nearest_neighbor_sources(in_h, out_h, opts.align_corners, opts.half_pixel_centers)
    cols = nearest_neighbor_sources(in_w, out_w, opts.align_corners, opts.half_pixel_centers)
    params = ctx.struct("tk_resize_nearest_params", "params", {
        "source_rows": ctx.constant("source_rows", np.array(rows), "int32_t"),
        "source_cols": ctx.constant("source_cols", np.array(cols), "int32_t"),
    })
    return _call_with_dims(op, ctx, params)


@emitter(OpKind.RESIZE_BILINEAR)
def emit_resize_bilinear(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, ResizeOptions)
    (_, in_h, in_w, _), (_, out_h, out_w, _) = op.inputs[0].shape, op.outputs[0].shape
    params = ctx.struct("tk_resize_bilinear_params", "params", {
        "height_scale": str(bilinear_scale(in_h, out_h, opts.align_corners)),
        "width_scale": str(bilinear_scale(in_w, out_w, opts.align_corners)),
        "half_pixel_centers": str(int(opts.half_pixel_centers)),
    })
    return _call_with_dims(op, ctx, params)


@emitter(OpKind.DEPTH_TO_SPACE)
@emitter(OpKind.SPACE_TO_DEPTH)
def emit_block_rearrangement(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, BlockOptions)
    return _call_with_dims(op, ctx, ctx.struct("tk_block_params", "params", {"block_size": str(opts.block_size)}))
