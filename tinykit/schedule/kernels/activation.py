"""Kernel variants of the activation family: RELU, RELU6, LEAKY_RELU, PRELU, HARD_SWISH, TANH."""

from tinykit.ir import OpKind
from tinykit.schedule.overlap import same_size_inputs
from tinykit.schedule.variants import reference

reference(OpKind.RELU, "tk_relu_s8", overlaps=same_size_inputs)
reference(OpKind.RELU6, "tk_relu6_s8", overlaps=same_size_inputs)
reference(OpKind.LEAKY_RELU, "tk_leaky_relu_s8", overlaps=same_size_inputs)
reference(OpKind.PRELU, "tk_prelu_s8", overlaps=same_size_inputs)
reference(OpKind.HARD_SWISH, "tk_hard_swish_s8", overlaps=same_size_inputs)
reference(OpKind.TANH, "tk_tanh_s8", overlaps=same_size_inputs)
