"""Emitter for SOFTMAX int8 -> int8.

TF Lite Micro's Prepare turns beta and the input scale into a fixed-point
multiplier that maps an input's difference to its row maximum into Q5.26,
and a floor ``diff_min`` below which that mapping would overflow (such
inputs get probability 0). Both are computed here with the same float64
arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.ops.common import describe, flat_dims, require_int8_activations
from tinykit.codegen.quant import quantize_multiplier
from tinykit.errors import TinykitError
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


def checked_input_scaling(op: Op) -> tuple[int, int, int]:
    """``softmax_input_scaling`` for a SOFTMAX op, or a TinykitError when TF Lite
    cannot run it: its interpreters abort the whole process on such a model
    rather than report an error, so the converter checks this before running one."""
    (inp,) = op.inputs
    try:
        return softmax_input_scaling(op.options.beta, inp.quant.single_scale)
    except ValueError:
        raise TinykitError(
            f"{describe(op)}: beta {op.options.beta} times the input scale {inp.quant.single_scale} is below 2^-26, too "
            "small for TF Lite (Micro)'s int8 softmax. Re-convert the model with a representative dataset that "
            "covers the softmax input's range (or a larger beta); an untrained model whose logits hardly vary "
            "gives this too."
        ) from None


@emitter(OpKind.SOFTMAX)
def emit_softmax(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, SoftmaxOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    if out.quant.single_zero_point != -128 or np.float32(out.quant.single_scale) != np.float32(1.0 / 256):
        raise TinykitError(
            f"{describe(op)}: the output has scale {out.quant.single_scale} and zero point "
            f"{out.quant.single_zero_point}, but TF Lite Micro's int8 SOFTMAX requires scale 1/256 and zero "
            "point -128. Re-convert the model with the TFLite converter, which quantizes softmax outputs that way."
        )
    if tuple(inp.shape) != tuple(out.shape) or not inp.shape:
        raise TinykitError(
            f"{describe(op)}: input {list(inp.shape)} and output {list(out.shape)} must have one shape of rank "
            "at least 1. The model file is inconsistent; re-convert it."
        )
    if inp.shape[-1] >= MAX_ROW_LENGTH:
        raise TinykitError(
            f"{describe(op)}: the softmax rows have {inp.shape[-1]} values; the int8 kernel sums their exponentials "
            f"in Q12.19, which overflows from {MAX_ROW_LENGTH} values on (in TF Lite Micro too). Split the softmax "
            "or reduce the number of classes."
        )
    multiplier, shift, diff_min = checked_input_scaling(op)
    params = ctx.struct("tk_softmax_params", "params", {"diff_min": str(diff_min)})
    quant = ctx.struct("tk_per_tensor_quant", "quant", {"multiplier": str(multiplier), "shift": str(shift)})
    return ctx.call(params, quant, flat_dims(ctx, "input_dims", inp), ctx.tensor(inp), flat_dims(ctx, "output_dims", out),
                    ctx.tensor(out))
