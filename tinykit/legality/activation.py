"""Legality of the activation family: RELU, RELU6, LEAKY_RELU, PRELU, HARD_SWISH, TANH."""

from __future__ import annotations

import math

from tinykit.codegen.ops.activation import hard_swish_multipliers, leaky_relu_alpha_overflows, leaky_relu_multipliers
from tinykit.codegen.ops.arithmetic import same_quantization
from tinykit.codegen.ops.elementwise import logistic_input_scaling
from tinykit.errors import TinykitError
from tinykit.ir import LeakyReluOptions, Op, OpKind
from tinykit.legality import legality
from tinykit.legality.common import describe, require_int8_activations, require_one_input_one_output, require_same_size
from tinykit.legality.arithmetic import require_broadcast


@legality(OpKind.RELU, OpKind.RELU6, OpKind.LEAKY_RELU, OpKind.HARD_SWISH, OpKind.TANH)
def check_unary(op: Op) -> None:
    require_one_input_one_output(op)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    require_same_size(op)


@legality(OpKind.RELU6)
def check_relu6_quantization(op: Op) -> None:
    """tflite-micro's int8 RELU6 clamps raw values and never requantizes."""
    inp, out = op.inputs[0], op.outputs[0]
    if not same_quantization(inp, out):
        raise TinykitError(
            f"{describe(op)}: the input and output are quantized differently (scales {inp.quant.single_scale} and "
            f"{out.quant.single_scale}, zero points {inp.quant.single_zero_point} and {out.quant.single_zero_point}); "
            "tflite-micro's int8 RELU6 clamps the raw input and keeps its quantization, so its output would be "
            "read in the wrong scale. Convert with the TFLite converter, which gives RELU6 one quantization."
        )


@legality(OpKind.LEAKY_RELU)
def check_leaky_relu_alpha(op: Op) -> None:
    assert isinstance(op.options, LeakyReluOptions)
    inp, out = op.inputs[0], op.outputs[0]
    _, alpha_real = leaky_relu_multipliers(inp.quant.single_scale, op.options.alpha, out.quant.single_scale)
    if not math.isfinite(alpha_real) or leaky_relu_alpha_overflows(alpha_real):
        raise TinykitError(
            f"{describe(op)}: alpha {op.options.alpha} with input scale {inp.quant.single_scale} and output scale "
            f"{out.quant.single_scale} gives a slope TF Lite Micro cannot represent (its fixed-point multiplier "
            "overflows). Use a finite alpha, or re-convert the model so the scales differ."
        )


@legality(OpKind.HARD_SWISH)
def check_hard_swish_scales(op: Op) -> None:
    """TF Lite Micro's HardSwishPrepare refuses an output multiplier above 1."""
    inp, out = op.inputs[0], op.outputs[0]
    (_, output_shift), _ = hard_swish_multipliers(inp.quant.single_scale, out.quant.single_scale)
    if output_shift > 0:
        raise TinykitError(
            f"{describe(op)}: the output scale {out.quant.single_scale} is more than 256 times smaller than the "
            f"input scale {inp.quant.single_scale}; TF Lite Micro's int8 HARD_SWISH refuses that. Re-convert the "
            "model with a representative dataset that covers the activation's real range."
        )


@legality(OpKind.TANH)
def check_tanh_quantization(op: Op) -> None:
    inp, out = op.inputs[0], op.outputs[0]
    if out.quant.single_zero_point != 0:
        raise TinykitError(
            f"{describe(op)}: the output zero point is {out.quant.single_zero_point}, but TF Lite Micro's int8 TANH "
            "writes values in [-1, 1] with zero point 0 (scale 1/128). Re-convert the model with the TFLite "
            "converter, which quantizes tanh outputs that way."
        )
    _, shift, _ = logistic_input_scaling(inp.quant.single_scale)
    if shift < 0:
        raise TinykitError(
            f"{describe(op)}: the input scale {inp.quant.single_scale} is too small for TF Lite Micro's int8 tanh "
            "(it must be at least 2^-28). Re-convert the model with a representative dataset that covers the "
            "input's range."
        )


@legality(OpKind.PRELU)
def check_prelu(op: Op) -> None:
    if len(op.inputs) != 2 or any(t is None for t in op.inputs) or len(op.outputs) != 1:
        raise TinykitError(
            f"{describe(op)} takes an input and alpha, and one output; this one has {len(op.inputs)} inputs and "
            f"{len(op.outputs)} outputs. The model file is malformed; re-convert it."
        )
    inp, alpha = op.inputs
    require_int8_activations(op, [inp, alpha, op.outputs[0]])
    require_broadcast(op, inp, alpha)
