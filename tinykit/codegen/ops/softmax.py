"""Emitter for SOFTMAX int8 -> int8.

TF Lite Micro's Prepare turns beta and the input scale into a fixed-point
multiplier that maps an input's difference to its row maximum into Q5.26,
and a floor ``diff_min`` below which that mapping would overflow (such
inputs get probability 0). Both are computed here with the same float64
arithmetic. What makes a SOFTMAX legal is checked before, in
tinykit/legality/softmax.py.
"""

from __future__ import annotations

import math

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import flat_dims
from tinykit.codegen.quant import quantize_multiplier
from tinykit.ir import Op, OpKind, SoftmaxOptions

SCALED_DIFF_INTEGER_BITS = 5  # must match tk_softmax_s8.c
# Each exp contributes up to 2^19 to the Q12.19 sum, so 4096 equal values reach 2^31.
MAX_ROW_LENGTH = 4096


def softmax_input_scaling(beta: float, input_scale: float) -> tuple[int, int, int]:
    """(multiplier, left shift, diff_min) as TFLite's PreprocessSoftmaxScaling and
    CalculateInputRadius compute them; raises ValueError if beta * scale is too
    small for a multiplier above one."""
    real = min(beta * input_scale * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)), float((1 << 31) - 1))
    if real <= 1.0:
        raise ValueError(f"beta * input scale * 2^26 = {real} is not above 1")
    multiplier, shift = quantize_multiplier(real)
    radius = math.floor(
        ((1 << SCALED_DIFF_INTEGER_BITS) - 1) * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)) / float(1 << shift))
    return multiplier, shift, -radius


@emitter(OpKind.SOFTMAX)
def emit_softmax(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, SoftmaxOptions)
    inp, out = op.inputs[0], op.outputs[0]
    multiplier, shift, diff_min = softmax_input_scaling(opts.beta, inp.quant.single_scale)
    params = ctx.struct("tk_softmax_params", "params", {"diff_min": str(diff_min)})
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return ctx.call(params, quant, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out),
                    ctx.tensor(out))
