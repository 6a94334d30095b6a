"""Kernel variants of the element-wise family: ADD, LOGISTIC, QUANTIZE, DEQUANTIZE."""

from tinykit.ir import DType, Op, OpKind
from tinykit.schedule.overlap import same_size_inputs
from tinykit.schedule.variants import KernelVariant, reference, register


def _float_input(op: Op) -> bool:
    return op.inputs[0].dtype is DType.FLOAT32


def _without_leading_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    first = next((i for i, d in enumerate(shape) if d != 1), len(shape))
    return tuple(shape[first:])


def _same_shapes(op: Op) -> bool:
    """ADD whose inputs and output differ at most in leading 1s ([1, 4] + [4]): a flat element-wise sum."""
    return len({_without_leading_ones(t.shape) for t in (*op.inputs, op.outputs[0])}) == 1


reference(OpKind.ADD, "tk_add_s8", applies=_same_shapes, overlaps=same_size_inputs)
reference(OpKind.ADD, "tk_add_broadcast_s8", applies=lambda op: not _same_shapes(op), overlaps=same_size_inputs)
# tk_add_lut_s8 reads each input's rescaling from a 256-entry int32 table the emitter
# (tinykit/codegen/ops/elementwise.py) writes: 2 KiB of flash per ADD for two requantizations per element.
ADD_TABLES_LAYOUT = "add_input_tables"
register(KernelVariant(
    OpKind.ADD, "tk_add_lut_s8", "dsp", ("cortexm/tk_add_lut_s8.c",), requires=frozenset({"dsp"}), preference=10,
    applies=_same_shapes, overlaps=same_size_inputs, weight_layout=ADD_TABLES_LAYOUT,
    description="each input's rescaling from a table of its 256 values; only the sum is requantized",
))
reference(OpKind.LOGISTIC, "tk_logistic_s8", overlaps=same_size_inputs)
reference(OpKind.QUANTIZE, "tk_quantize_f32_s8", applies=_float_input, overlaps=same_size_inputs)
reference(OpKind.QUANTIZE, "tk_quantize_s8", applies=lambda op: not _float_input(op), overlaps=same_size_inputs)
reference(OpKind.DEQUANTIZE, "tk_dequantize_s8")
