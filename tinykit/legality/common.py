"""Checks several op families share: how a message names an op, arities,
int8 activations, NHWC ranks, output shapes, window geometry, fused
activation clamps and fixed-point multipliers whose shift fits the C kernels.

Every helper raises TinykitError (naming the op, the tensor and the fix) or
returns the value it checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tinykit.codegen.quant import activation_range_int8, quantize_multiplier
from tinykit.errors import TinykitError
from tinykit.ir import Activation, DType, Op, Padding, Tensor, conv_output_size

# The kernels shift an int32 by at most 31 bits either way: a larger shift is
# undefined behaviour in C (x86 masks the count, Cortex-M does not), so host
# and board could disagree.
MAX_SHIFT = 31
INT32_MAX = 2**31 - 1
MALFORMED = "The model file is malformed; re-convert it."
INCONSISTENT = "The model file is inconsistent; re-convert it."


def describe(op: Op) -> str:
    """How error messages name an op: its index and kind."""
    return f"op {op.index} ({op.kind.value})"


def require_arity(op: Op, least: int, most: int, optional: Sequence[int] = ()) -> None:
    """``op`` has between ``least`` and ``most`` inputs, one output, and no absent
    input (-1) except at the ``optional`` positions."""
    count = len(op.inputs)
    if not least <= count <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise TinykitError(
            f"{describe(op)} has {count} inputs, but {op.kind.value} takes {wanted} (as in tflite-micro). {MALFORMED}")
    for position, tensor in enumerate(op.inputs):
        if tensor is None and position not in optional:
            raise TinykitError(f"{describe(op)}: input {position} is absent (index -1), but {op.kind.value} needs it. {MALFORMED}")
    if len(op.outputs) != 1:
        raise TinykitError(f"{describe(op)} has {len(op.outputs)} outputs; {op.kind.value} writes exactly one. {MALFORMED}")


def require_int8_activations(op: Op, tensors: Sequence[Tensor]) -> None:
    """Refuse tensors that are not per-tensor quantized int8 (the only activations the kernels take)."""
    for t in tensors:
        if t.dtype is not DType.INT8 or t.quant is None or t.quant.per_channel:
            raise TinykitError(
                f"{describe(op)}: tensor {t.name!r} is {t.dtype.value}"
                f"{'' if t.quant is not None else ' without quantization'}"
                f"{' quantized per channel' if t.quant is not None and t.quant.per_channel else ''}, but tinykit's "
                f"{op.kind.value} kernel takes int8 activations with one scale and zero point. Convert the model "
                "with full-integer int8 quantization (e.g. `tinykit build`, or the TFLite converter with "
                "`inference_input_type=tf.int8` and a representative dataset)."
            )


def require_one_input_one_output(op: Op) -> None:
    """Refuse an op of a one-input kind read with another number of inputs or outputs."""
    if len(op.inputs) != 1 or op.inputs[0] is None or len(op.outputs) != 1:
        raise TinykitError(
            f"{describe(op)} takes one input and one output, this one has {len(op.inputs)} and {len(op.outputs)}. "
            "The model file is malformed; re-convert it."
        )


def require_rank(op: Op, tensor: Tensor, ranks: Sequence[int], what: str) -> None:
    if len(tensor.shape) not in ranks:
        raise TinykitError(
            f"{describe(op)}: tensor {tensor.name!r} has shape {list(tensor.shape)}, but this op's int8 kernel "
            f"takes {what}. Re-export the model with tensors of that rank for this layer."
        )


def require_nhwc(op: Op, tensor: Tensor) -> tuple[int, int, int, int]:
    """The (n, h, w, c) shape of a rank-4 NHWC tensor; refuses other ranks."""
    require_rank(op, tensor, (4,), "4-D NHWC tensors (batch, height, width, channels)")
    n, h, w, c = tensor.shape
    return n, h, w, c


def require_matching_output_size(op: Op, expected: tuple[int, ...]) -> None:
    got = tuple(op.outputs[0].shape)
    if got != expected:
        raise TinykitError(
            f"{describe(op)}: the output tensor has shape {list(got)} but the op's input, filter and options give "
            f"{list(expected)}. {INCONSISTENT}"
        )


def require_same_size(op: Op) -> None:
    """The op's output has as many elements as its input (element-wise ops, reshapes)."""
    inp, out = op.inputs[0], op.outputs[0]
    if inp.size != out.size:
        raise TinykitError(
            f"{describe(op)}: the input has {inp.size} elements {list(inp.shape)} but the output {out.size} "
            f"{list(out.shape)}; {op.kind.value} keeps the element count. {INCONSISTENT}"
        )


def require_window(op: Op, in_h: int, in_w: int, k_h: int, k_w: int, stride_h: int, stride_w: int,
                   dilation_h: int, dilation_w: int, padding: Padding) -> tuple[int, int]:
    """(out_h, out_w) as TFLite computes them; refuses non-positive strides or dilations and empty outputs."""
    if min(stride_h, stride_w, dilation_h, dilation_w) < 1:
        raise TinykitError(
            f"{describe(op)}: strides ({stride_h}, {stride_w}) and dilations ({dilation_h}, {dilation_w}) must be "
            f"at least 1. {MALFORMED}"
        )
    out_h = conv_output_size(in_h, k_h, stride_h, dilation_h, padding)
    out_w = conv_output_size(in_w, k_w, stride_w, dilation_w, padding)
    if out_h < 1 or out_w < 1:
        raise TinykitError(
            f"{describe(op)}: a {k_h}x{k_w} window (dilation {dilation_h}x{dilation_w}) does not fit the "
            f"{in_h}x{in_w} input with VALID padding. {INCONSISTENT}"
        )
    return out_h, out_w


def require_activation_range(op: Op, activation: Activation, output: Tensor) -> None:
    """The fused activation's clamp exists in the output's int8 domain."""
    scale, zero_point = output.quant.single_scale, output.quant.single_zero_point
    try:
        lo, hi = activation_range_int8(activation, scale, zero_point)
    except (OverflowError, ValueError):
        lo, hi = 1, 0
    if lo > hi:
        raise TinykitError(
            f"{describe(op)}: the fused {activation.value} has no int8 range with the output's scale {scale} and "
            f"zero point {zero_point}. {MALFORMED}"
        )


def require_shift_fits(op: Op, real_multipliers: Sequence[float], what: str) -> list[tuple[int, int]]:
    """The fixed-point form of each multiplier, refusing one whose shift exceeds 31 bits."""
    pairs = []
    for real in real_multipliers:
        if not math.isfinite(real) or real < 0:
            shift = MAX_SHIFT + 1
        else:
            pair = quantize_multiplier(real)
            pairs.append(pair)
            shift = pair[1]
        if abs(shift) > MAX_SHIFT:
            raise TinykitError(
                f"{describe(op)}: the {what} {real:g} needs a shift of {shift} bits; the int8 kernels (and "
                f"tflite-micro's) shift by at most {MAX_SHIFT}, so its scales are out of any real range. "
                "Re-convert the model with a representative dataset."
            )
    return pairs


def require_accumulator_fits(op: Op, weights: np.ndarray, input_zero_point: int, bias: Tensor | None) -> None:
    """Every int32 accumulator stays in range for any int8 input.

    ``weights`` holds one row of int8 weights per output channel. The kernels
    sum (x - input_zero_point) * w over a row and add the bias in int32;
    overflow there is undefined behaviour in C, so a model where some input
    could overflow is refused.
    """
    rows = weights.reshape(weights.shape[0], -1).astype(np.int64)
    high = np.where(rows > 0, (127 - input_zero_point) * rows, (-128 - input_zero_point) * rows).sum(axis=1)
    low = np.where(rows > 0, (-128 - input_zero_point) * rows, (127 - input_zero_point) * rows).sum(axis=1)
    bias_values = bias.array().astype(np.int64).reshape(-1) if bias is not None else np.zeros(1, dtype=np.int64)
    worst = max(int(np.abs(high).max(initial=0)), int(np.abs(low).max(initial=0))) + int(np.abs(bias_values).max())
    if worst > INT32_MAX:
        raise TinykitError(
            f"{describe(op)}: the int32 accumulator can reach {worst:,} (weights times int8 inputs plus the bias), "
            f"beyond int32; tflite-micro would overflow too. {MALFORMED}"
        )
