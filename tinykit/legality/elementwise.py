"""Legality of the element-wise family: ADD, LOGISTIC, QUANTIZE, DEQUANTIZE.

Shapes are kept (ADD adds tensors of one shape, without broadcasting), and
every fixed-point constant TF Lite Micro's Prepare would derive has a shift
the kernels can apply: ADD's output rescaling must be a right shift,
LOGISTIC's input scaling must lie between 2^-28 and the int32 range, and a
requantizing QUANTIZE's shift fits in 31 bits.
"""

from __future__ import annotations

import numpy as np

from tinykit.codegen.ops.elementwise import ADD_LEFT_SHIFT, add_multipliers, logistic_input_scaling
from tinykit.errors import TinykitError
from tinykit.ir import AddOptions, DType, Op, OpKind
from tinykit.legality import legality
from tinykit.legality.common import (
    MAX_SHIFT,
    describe,
    require_activation_range,
    require_arity,
    require_int8_activations,
    require_same_size,
    require_shift_fits,
)


def _without_leading_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape with leading 1s dropped: [1, 4] + [4] broadcasts to plain element-wise addition."""
    first = next((i for i, d in enumerate(shape) if d != 1), len(shape))
    return tuple(shape[first:])


@legality(OpKind.ADD)
def check_add(op: Op) -> None:
    require_arity(op, 2, 2)
    opts = op.options
    assert isinstance(opts, AddOptions)
    in1, in2 = op.inputs
    out = op.outputs[0]
    require_int8_activations(op, [in1, in2, out])
    if not (_without_leading_ones(in1.shape) == _without_leading_ones(in2.shape) == _without_leading_ones(out.shape)):
        raise TinykitError(
            f"{describe(op)}: the inputs have shapes {list(in1.shape)} and {list(in2.shape)} (output "
            f"{list(out.shape)}); tinykit's int8 ADD adds tensors of one shape and does not broadcast. Make both "
            "operands the same shape in the model (e.g. tile or broadcast the smaller one explicitly)."
        )
    s1, s2, so = in1.quant.single_scale, in2.quant.single_scale, out.quant.single_scale
    quants = require_shift_fits(op, add_multipliers(s1, s2, so), "rescaling multiplier")
    if any(shift > 0 for _, shift in quants):
        raise TinykitError(
            f"{describe(op)}: the output scale {so} is more than 2^{ADD_LEFT_SHIFT} times smaller than the inputs' "
            f"({s1}, {s2}); TF Lite Micro's int8 ADD cannot rescale that far. Re-convert the model with a "
            "representative dataset that covers the sum's real range."
        )
    require_activation_range(op, opts.activation, out)


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
