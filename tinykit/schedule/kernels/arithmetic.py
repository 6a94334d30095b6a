"""Kernel variants of the binary arithmetic family: SUB, MUL, SQUARED_DIFFERENCE,
MAXIMUM, MINIMUM (ADD's two variants are declared with the element-wise family)."""

from tinykit.ir import OpKind
from tinykit.schedule.overlap import same_size_inputs
from tinykit.schedule.variants import reference

# Broadcasting kernels write output element i after reading the inputs' elements
# for i, and an input of the output's size is read at i only: element-wise in place.
reference(OpKind.SUB, "tk_sub_s8", overlaps=same_size_inputs)
reference(OpKind.MUL, "tk_mul_s8", overlaps=same_size_inputs)
reference(OpKind.SQUARED_DIFFERENCE, "tk_squared_difference_s8", overlaps=same_size_inputs)
reference(OpKind.MAXIMUM, "tk_maximum_s8", overlaps=same_size_inputs)
reference(OpKind.MINIMUM, "tk_minimum_s8", overlaps=same_size_inputs)
