"""Kernel variants of the reductions: SUM, REDUCE_MAX, REDUCE_MIN, ARG_MAX (and MEAN
beyond global average pooling, declared with the pooling family). Each output
reduces its own elements straight from the input: no scratch, not in place."""

from tinykit.ir import OpKind
from tinykit.schedule.variants import reference

reference(OpKind.SUM, "tk_sum_s8")
reference(OpKind.REDUCE_MAX, "tk_reduce_max_s8")
reference(OpKind.REDUCE_MIN, "tk_reduce_min_s8")
reference(OpKind.ARG_MAX, "tk_arg_max_s8")
