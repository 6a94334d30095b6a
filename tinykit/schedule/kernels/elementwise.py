"""Kernel variants of the element-wise family: ADD, LOGISTIC, QUANTIZE, DEQUANTIZE."""

from tinykit.ir import DType, Op, OpKind
from tinykit.schedule.variants import reference, same_size_inputs


def _float_input(op: Op) -> bool:
    return op.inputs[0].dtype is DType.FLOAT32


def _without_leading_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    first = next((i for i, d in enumerate(shape) if d != 1), len(shape))
    return tuple(shape[first:])


def _same_shapes(op: Op) -> bool:
    """ADD whose inputs and output differ at most in leading 1s ([1, 4] + [4]): a flat element-wise sum."""
    return len({_without_leading_ones(t.shape) for t in (*op.inputs, op.outputs[0])}) == 1


reference(OpKind.ADD, "tk_add_s8", applies=_same_shapes, in_place_inputs=same_size_inputs)
reference(OpKind.ADD, "tk_add_broadcast_s8", applies=lambda op: not _same_shapes(op), in_place_inputs=same_size_inputs)
reference(OpKind.LOGISTIC, "tk_logistic_s8", in_place_inputs=same_size_inputs)
reference(OpKind.QUANTIZE, "tk_quantize_f32_s8", applies=_float_input, in_place_inputs=same_size_inputs)
reference(OpKind.QUANTIZE, "tk_quantize_s8", applies=lambda op: not _float_input(op), in_place_inputs=same_size_inputs)
reference(OpKind.DEQUANTIZE, "tk_dequantize_s8")
