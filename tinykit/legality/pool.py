"""Legality of the pooling family: AVERAGE_POOL_2D and MAX_POOL_2D (MEAN is
in reduce.py with the other reductions).

Pools average or pick raw int8 values, so TFLite's kernels assume the output
keeps the input's quantization: a pool whose quantization changes is refused
rather than computed in the wrong scale.
"""

from __future__ import annotations

from tinykit.errors import TinykitError
from tinykit.ir import Op, OpKind, Pool2DOptions
from tinykit.legality import legality
from tinykit.legality.common import (
    INT32_MAX,
    MALFORMED,
    describe,
    require_activation_range,
    require_arity,
    require_int8_activations,
    require_matching_output_size,
    require_nhwc,
    require_window,
)


@legality(OpKind.AVERAGE_POOL_2D, OpKind.MAX_POOL_2D)
def check_pool_2d(op: Op) -> None:
    require_arity(op, 1, 1)
    opts = op.options
    assert isinstance(opts, Pool2DOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    if inp.quant.scale != out.quant.scale or inp.quant.zero_point != out.quant.zero_point:
        raise TinykitError(
            f"{describe(op)}: the input is quantized with scale {inp.quant.single_scale} and zero point "
            f"{inp.quant.single_zero_point} but the output with scale {out.quant.single_scale} and zero point "
            f"{out.quant.single_zero_point}; TFLite's int8 pooling keeps the input's quantization, so the two "
            "must be equal. Re-convert the model with the TFLite converter, which always gives pools equal "
            "quantization."
        )
    n, in_h, in_w, c = require_nhwc(op, inp)
    if opts.filter_h < 1 or opts.filter_w < 1:
        raise TinykitError(
            f"{describe(op)}: the pooling window is {opts.filter_h}x{opts.filter_w}; it must be at least 1x1. {MALFORMED}"
        )
    out_h, out_w = require_window(op, in_h, in_w, opts.filter_h, opts.filter_w, opts.stride_h, opts.stride_w, 1, 1,
                                  opts.padding)
    require_matching_output_size(op, (n, out_h, out_w, c))
    require_activation_range(op, opts.activation, out)
    # The average sums a window (clipped to the input) of int8 values in int32.
    if op.kind is OpKind.AVERAGE_POOL_2D and min(opts.filter_h, in_h) * min(opts.filter_w, in_w) * 128 > INT32_MAX:
        raise TinykitError(
            f"{describe(op)}: a {opts.filter_h}x{opts.filter_w} window over a {in_h}x{in_w} input overflows the int32 "
            "sum of the pooling kernel (and tflite-micro's). Pool in stages instead."
        )
