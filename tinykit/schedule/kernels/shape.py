"""Kernel variants of the shape family: RESHAPE, CONCATENATION, PAD."""

from tinykit.ir import OpKind
from tinykit.schedule.overlap import same_size_inputs
from tinykit.schedule.variants import reference

# tk_reshape_s8 moves its bytes with memmove, so input and output may share them.
reference(OpKind.RESHAPE, "tk_reshape_s8", overlaps=same_size_inputs)
reference(OpKind.CONCATENATION, "tk_concatenation_s8")
reference(OpKind.PAD, "tk_pad_s8")
