"""Kernel variants of SOFTMAX."""

from tinykit.ir import OpKind
from tinykit.schedule.variants import reference

reference(OpKind.SOFTMAX, "tk_softmax_s8")
