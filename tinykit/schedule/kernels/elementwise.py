"""Kernel variants of the element-wise family: ADD, LOGISTIC, QUANTIZE, DEQUANTIZE."""

from tinykit.ir import DType, Op, OpKind
from tinykit.schedule.variants import reference, same_size_inputs


def _float_input(op: Op) -> bool:
    return op.inputs[0].dtype is DType.FLOAT32


reference(OpKind.ADD, "tk_add_s8", in_place_inputs=same_size_inputs)
reference(OpKind.LOGISTIC, "tk_logistic_s8", in_place_inputs=same_size_inputs)
reference(OpKind.QUANTIZE, "tk_quantize_f32_s8", applies=_float_input, in_place_inputs=same_size_inputs)
reference(OpKind.QUANTIZE, "tk_quantize_s8", applies=lambda op: not _float_input(op), in_place_inputs=same_size_inputs)
reference(OpKind.DEQUANTIZE, "tk_dequantize_s8")
