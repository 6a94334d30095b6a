"""Legality of the shape family: RESHAPE, CONCATENATION and PAD (and PADV2).

These kernels move bytes without changing them, exactly as TF Lite Micro's
do. TF Lite Micro's int8 CONCATENATION does not requantize: it copies each
input's bytes even when that input's scale or zero point differs from the
output's, which silently gives wrong numbers, so such a model is refused.
Ranks are at most 4 (the runtime's ``tk_dims``).
"""

from __future__ import annotations

from tinykit.errors import TinykitError
from tinykit.ir import Activation, ConcatenationOptions, Op, OpKind, PadOptions, Tensor
from tinykit.legality import legality
from tinykit.legality.common import (
    INCONSISTENT,
    MALFORMED,
    describe,
    require_arity,
    require_int8_activations,
    require_same_size,
)


def require_rank_at_most_4(op: Op, tensor: Tensor) -> None:
    if len(tensor.shape) > 4:
        raise TinykitError(
            f"{describe(op)}: tensor {tensor.name!r} has {len(tensor.shape)} dimensions {list(tensor.shape)}, but "
            f"tinykit's (and TF Lite Micro's) {op.kind.value} kernel handles at most 4. Reshape the model so this "
            "layer works on tensors of rank 4 or less."
        )


@legality(OpKind.RESHAPE)
def check_reshape(op: Op) -> None:
    require_arity(op, 1, 1)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    require_same_size(op)


@legality(OpKind.CONCATENATION)
def check_concatenation(op: Op) -> None:
    require_arity(op, 1, len(op.inputs) or 1)
    opts = op.options
    assert isinstance(opts, ConcatenationOptions)
    inputs = list(op.inputs)
    out = op.outputs[0]
    require_int8_activations(op, [*inputs, out])
    if opts.activation is not Activation.NONE:
        raise TinykitError(
            f"{describe(op)}: the concatenation has a fused {opts.activation.value} activation, which TF Lite "
            "Micro's CONCATENATION refuses. Re-convert the model, or put the activation in a layer of its own "
            "before the concatenation."
        )
    for t in (*inputs, out):
        require_rank_at_most_4(op, t)
    for t in inputs:
        if t.quant.scale != out.quant.scale or t.quant.zero_point != out.quant.zero_point:
            raise TinykitError(
                f"{describe(op)}: input {t.name!r} is quantized with scale {t.quant.single_scale} and zero point "
                f"{t.quant.single_zero_point}, the output with scale {out.quant.single_scale} and zero point "
                f"{out.quant.single_zero_point}. TF Lite Micro's int8 concatenation copies bytes without "
                "requantizing, so every input must share the output's quantization. Convert the model with the "
                "TFLite converter, which gives concatenation inputs the output's quantization."
            )
    rank = len(out.shape)
    if not 0 <= opts.axis < rank:
        raise TinykitError(
            f"{describe(op)}: the concatenation axis {opts.axis} is outside the output's {rank} dimensions. {MALFORMED}"
        )
    for t in inputs:
        others_in = [d for a, d in enumerate(t.shape) if a != opts.axis]
        others_out = [d for a, d in enumerate(out.shape) if a != opts.axis]
        if len(t.shape) != rank or others_in != others_out:
            raise TinykitError(
                f"{describe(op)}: input {t.name!r} has shape {list(t.shape)}, which does not match the output "
                f"{list(out.shape)} outside axis {opts.axis}. {INCONSISTENT}"
            )
    if sum(t.shape[opts.axis] for t in inputs) != out.shape[opts.axis]:
        raise TinykitError(
            f"{describe(op)}: the inputs' extents along axis {opts.axis} do not add up to the output's "
            f"{out.shape[opts.axis]}. {INCONSISTENT}"
        )


@legality(OpKind.PAD)
def check_pad(op: Op) -> None:
    require_arity(op, 1, 1)
    opts = op.options
    assert isinstance(opts, PadOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    require_rank_at_most_4(op, inp)
    rank = len(inp.shape)
    if len(opts.paddings) != rank or any(before < 0 or after < 0 for before, after in opts.paddings):
        raise TinykitError(
            f"{describe(op)}: the paddings {list(opts.paddings)} must give one non-negative (before, after) pair "
            f"for each of the input's {rank} dimensions. {MALFORMED}"
        )
    expected = tuple(d + before + after for d, (before, after) in zip(inp.shape, opts.paddings))
    if tuple(out.shape) != expected:
        raise TinykitError(
            f"{describe(op)}: the output has shape {list(out.shape)} but the input {list(inp.shape)} padded by "
            f"{list(opts.paddings)} gives {list(expected)}. {INCONSISTENT}"
        )
    if opts.constant is not None and not -128 <= opts.constant <= 127:
        raise TinykitError(f"{describe(op)}: the padding value {opts.constant} is not an int8. {MALFORMED}")
