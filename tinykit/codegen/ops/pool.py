"""Emitters for the pooling family: AVERAGE_POOL_2D, MAX_POOL_2D and MEAN.

Pools average or pick raw int8 values in the input's quantization (which
tinykit/legality/pool.py requires the output to keep). MEAN requantizes:
its fixed-point multiplier folds in the 1/count of the average exactly as
TF Lite Micro's reference QuantizedMeanOrSum does at run time, but here at
build time. MEAN over other axes than height and width goes to the general
reduction kernel (``reduce.py``).
"""

from __future__ import annotations

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import activation_initializer, dims_struct, nhwc_dims, nhwc_shape, window_geometry
from tinykit.codegen.quant import quantize_multiplier
from tinykit.codegen.ops.reduce import emit_sum_call, reduced_count
from tinykit.ir import MeanOptions, Op, OpKind, Pool2DOptions


def _emit_pool(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, Pool2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    _, in_h, in_w, _ = nhwc_shape(inp)
    _, _, pad_h, pad_w = window_geometry(
        in_h, in_w, opts.filter_h, opts.filter_w, opts.stride_h, opts.stride_w, 1, 1, opts.padding)
    pad_h, pad_w = ctx.window_padding(op, (pad_h, pad_w))
    params = ctx.struct("tk_pool_params", "params", {
        "stride_h": str(opts.stride_h), "stride_w": str(opts.stride_w),
        "filter_h": str(opts.filter_h), "filter_w": str(opts.filter_w),
        "pad_h": str(pad_h), "pad_w": str(pad_w),
        "activation": activation_initializer(opts.activation, out),
    })
    return ctx.call(params, nhwc_dims(ctx, "input_dims", inp), ctx.tensor(inp), nhwc_dims(ctx, "output_dims", out),
                    ctx.tensor(out))


@emitter(OpKind.AVERAGE_POOL_2D)
def emit_average_pool_2d(op: Op, ctx: EmitContext) -> str:
    return _emit_pool(op, ctx)


@emitter(OpKind.MAX_POOL_2D)
def emit_max_pool_2d(op: Op, ctx: EmitContext) -> str:
    return _emit_pool(op, ctx)


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """Fixed-point (multiplier, shift) of input_scale / (output_scale * count), as TFLite's int8 MEAN forms it.

    Prepare quantizes input_scale / output_scale (in double); the kernel then
    folds 1/count in by shifting the multiplier left by floor(log2(count))
    (at most 32, and no further than keeps the shift >= -31) and dividing by
    count with truncation. Reproducing those two steps, not the exact ratio,
    is what keeps the last bit equal.
    """
    multiplier, shift = quantize_multiplier(input_scale / output_scale)
    extra = min(count.bit_length() - 1, 32, 31 + shift)
    return (multiplier << extra) // count, shift - extra


@emitter(OpKind.MEAN)
def emit_mean(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, MeanOptions)
    inp, out = op.inputs[0], op.outputs[0]
    if ctx.kernel.kernel == "tk_sum_s8":  # the schedule's choice when this is not global average pooling
        return emit_sum_call(op, ctx, *mean_multiplier(inp.quant.single_scale, out.quant.single_scale,
                                                       reduced_count(op)))
    n, h, w, c = inp.shape
    multiplier, shift = mean_multiplier(inp.quant.single_scale, out.quant.single_scale, h * w)
    params = ctx.struct("tk_mean_params", "params", {
        "input_offset": str(-inp.quant.single_zero_point), "output_offset": str(out.quant.single_zero_point),
    })
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return ctx.call(params, quant, nhwc_dims(ctx, "input_dims", inp), ctx.tensor(inp),
                    dims_struct(ctx, "output_dims", n, 1, 1, c), ctx.tensor(out))
