"""Legality of the element-wise family: LOGISTIC, QUANTIZE, DEQUANTIZE (ADD
is in arithmetic.py with the other binary ops).

Shapes are kept, and every fixed-point constant TF Lite Micro's Prepare would
derive has a shift the kernels can apply: LOGISTIC's input scaling must lie
between 2^-28 and the int32 range, and a requantizing QUANTIZE's shift fits
in 31 bits.
"""

from __future__ import annotations

import numpy as np

from tinykit.codegen.ops.elementwise import logistic_input_scaling
from tinykit.errors import TinykitError
from tinykit.ir import DType, Op, OpKind
from tinykit.legality import legality
from tinykit.legality.common import (
    MAX_SHIFT,
    describe,
    require_arity,
    require_int8_activations,
    require_same_size,
    require_shift_fits,
)


@legality(OpKind.LOGISTIC)
def check_logistic(op: Op) -> None:
    require_arity(op, 1, 1)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    require_same_size(op)
    if out.quant.single_zero_point != -128 or np.float32(out.quant.single_scale) != np.float32(1.0 / 256):
        raise TinykitError(
            f"{describe(op)}: the output has scale {out.quant.single_scale} and zero point "
            f"{out.quant.single_zero_point}, but TF Lite Micro's int8 LOGISTIC writes probabilities with zero point "
            "-128 (scale 1/256). Re-convert the model with the TFLite converter, which quantizes logistic outputs "
            "that way."
        )
    scale = inp.quant.single_scale
    _, shift, _ = logistic_input_scaling(scale)
    if not 0 <= shift <= MAX_SHIFT:
        raise TinykitError(
            f"{describe(op)}: the input scale {scale} is outside what TF Lite Micro's int8 logistic handles (at "
            "least 2^-28, and small enough for an int32 multiplier). Re-convert the model with a representative "
            "dataset that covers the input's range."
        )


@legality(OpKind.QUANTIZE)
def check_quantize(op: Op) -> None:
    require_arity(op, 1, 1)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [out])
    require_same_size(op)
    if inp.dtype is DType.FLOAT32:
        return
    require_int8_activations(op, [inp])
    # A float64 ratio of float32 scales, as tflite-micro forms it.
    require_shift_fits(op, [inp.quant.single_scale / out.quant.single_scale], "requantization multiplier")


@legality(OpKind.DEQUANTIZE)
def check_dequantize(op: Op) -> None:
    require_arity(op, 1, 1)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp])
    require_same_size(op)
    if out.dtype is not DType.FLOAT32:
        raise TinykitError(
            f"{describe(op)}: the output is {out.dtype.value}; tinykit dequantizes int8 to float32 only. "
            "Convert the model with a float32 (or int8) model output."
        )
