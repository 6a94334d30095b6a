"""Legality of SOFTMAX int8 -> int8, as TF Lite Micro's Prepare requires it.

The output is quantized with scale 1/256 and zero point -128; beta is finite
and positive and beta times the input scale is large enough for a fixed-point
multiplier above one (TF Lite's interpreters abort the whole process
otherwise, so the converter calls this check before running one); rows are
short enough for the Q12.19 sum of exponentials.
"""

from __future__ import annotations

import math

import numpy as np

from tinykit.codegen.ops.softmax import MAX_ROW_LENGTH, softmax_input_scaling
from tinykit.errors import TinykitError
from tinykit.ir import Op, OpKind, SoftmaxOptions
from tinykit.legality import legality
from tinykit.legality.common import INCONSISTENT, MALFORMED, describe, require_arity, require_int8_activations


@legality(OpKind.SOFTMAX)
def check_softmax(op: Op) -> None:
    require_arity(op, 1, 1)
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
            f"at least 1. {INCONSISTENT}"
        )
    if inp.shape[-1] >= MAX_ROW_LENGTH:
        raise TinykitError(
            f"{describe(op)}: the softmax rows have {inp.shape[-1]} values; the int8 kernel sums their exponentials "
            f"in Q12.19, which overflows from {MAX_ROW_LENGTH} values on (in TF Lite Micro too). Split the softmax "
            "or reduce the number of classes."
        )
    if not (math.isfinite(opts.beta) and opts.beta > 0):
        raise TinykitError(f"{describe(op)}: beta is {opts.beta}; it must be finite and positive. {MALFORMED}")
    try:
        softmax_input_scaling(opts.beta, inp.quant.single_scale)
    except ValueError:
        raise TinykitError(
            f"{describe(op)}: beta {opts.beta} times the input scale {inp.quant.single_scale} is below 2^-26, too "
            "small for TF Lite (Micro)'s int8 softmax. Re-convert the model with a representative dataset that "
            "covers the softmax input's range (or a larger beta); an untrained model whose logits hardly vary "
            "gives this too."
        ) from None
