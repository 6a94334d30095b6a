"""Legality of the binary arithmetic family: ADD, SUB, MUL, SQUARED_DIFFERENCE,
MAXIMUM, MINIMUM (all with numpy broadcasting, up to 6 dimensions)."""

from __future__ import annotations

from tinykit.codegen.ops.arithmetic import add_family_quants, same_quantization
from tinykit.codegen.ops.walks import MAX_RANK, broadcast_strides, merge_dims
from tinykit.errors import TinykitError
from tinykit.ir import Op, OpKind, Tensor
from tinykit.legality import legality
from tinykit.legality.common import describe, require_int8_activations

BINARY = (OpKind.ADD, OpKind.SUB, OpKind.MUL, OpKind.SQUARED_DIFFERENCE, OpKind.MAXIMUM, OpKind.MINIMUM)


def _strip_leading_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    first = next((i for i, d in enumerate(shape) if d != 1), len(shape))
    return tuple(shape[first:])


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The numpy broadcast of two shapes, or None if they do not broadcast."""
    rank = max(len(a), len(b))
    a = (1,) * (rank - len(a)) + a
    b = (1,) * (rank - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        return None
    return tuple(max(x, y) for x, y in zip(a, b))


def require_broadcast(op: Op, first: Tensor, second: Tensor) -> None:
    """Refuse operands that do not broadcast to the op's output shape, or a walk above 6 dimensions."""
    out = op.outputs[0]
    expected = broadcast_shape(first.shape, second.shape)
    if expected is None or _strip_leading_ones(expected) != _strip_leading_ones(out.shape):
        raise TinykitError(
            f"{describe(op)}: inputs of shapes {list(first.shape)} and {list(second.shape)} do not broadcast to the "
            f"output shape {list(out.shape)} (each dimension must be equal or 1 in one of them). The model file is "
            "inconsistent; re-convert it."
        )
    walk, _ = merge_dims(out.shape, broadcast_strides(first.shape, out.shape), broadcast_strides(second.shape, out.shape))
    if len(walk) > MAX_RANK:
        raise TinykitError(
            f"{describe(op)}: broadcasting {list(first.shape)} against {list(second.shape)} needs a walk over "
            f"{len(walk)} dimensions; tinykit's kernels take at most {MAX_RANK}, as tflite-micro's do. Reshape the "
            "operands to fewer dimensions in the model."
        )


@legality(*BINARY)
def check_binary(op: Op) -> None:
    if len(op.inputs) != 2 or any(t is None for t in op.inputs) or len(op.outputs) != 1:
        raise TinykitError(
            f"{describe(op)} takes two inputs and one output, this one has {len(op.inputs)} and {len(op.outputs)}. "
            "The model file is malformed; re-convert it."
        )
    first, second = op.inputs
    require_int8_activations(op, [first, second, op.outputs[0]])
    require_broadcast(op, first, second)


@legality(OpKind.ADD, OpKind.SUB)
def check_add_sub_rescaling(op: Op) -> None:
    """TF Lite Micro aborts on an ADD/SUB whose output multiplier exceeds 1 (QuantizeMultiplierSmallerThanOneExp)."""
    if any(shift > 0 for _, shift in add_family_quants(op)):
        scales = [t.quant.single_scale for t in (*op.inputs, op.outputs[0])]
        raise TinykitError(
            f"{describe(op)}: the output scale {scales[2]} is more than 2^20 times smaller than the inputs' "
            f"({scales[0]}, {scales[1]}); TF Lite Micro's int8 {op.kind.value} cannot rescale that far. Re-convert "
            "the model with a representative dataset that covers the result's real range."
        )


@legality(OpKind.MAXIMUM, OpKind.MINIMUM)
def check_min_max_quantization(op: Op) -> None:
    """tflite-micro compares the raw int8 values, right only when all three tensors share one quantization."""
    out = op.outputs[0]
    for t in op.inputs:
        if not same_quantization(t, out):
            raise TinykitError(
                f"{describe(op)}: input {t.name!r} (scale {t.quant.single_scale}, zero point "
                f"{t.quant.single_zero_point}) and output {out.name!r} (scale {out.quant.single_scale}, zero point "
                f"{out.quant.single_zero_point}) are quantized differently; tflite-micro's int8 {op.kind.value} "
                "compares raw values, which is right only when both inputs and the output share one scale and zero "
                "point. Convert with the TFLite converter, which gives them one quantization."
            )
