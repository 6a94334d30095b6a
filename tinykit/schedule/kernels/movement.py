"""Kernel variants of the data-movement family: TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, PACK, UNPACK.

SLICE is a strided slice of stride 1, UNPACK a split into pieces of extent 1,
and PACK a concatenation of inputs with a unit axis inserted: the same bytes,
so the same kernels (see tinykit/codegen/ops/movement.py)."""

from tinykit.ir import OpKind
from tinykit.schedule.variants import reference

reference(OpKind.TRANSPOSE, "tk_transpose_s8")
reference(OpKind.STRIDED_SLICE, "tk_strided_slice_s8")
reference(OpKind.SLICE, "tk_strided_slice_s8")
reference(OpKind.SPLIT, "tk_split_s8")
reference(OpKind.SPLIT_V, "tk_split_s8")
reference(OpKind.UNPACK, "tk_split_s8")
reference(OpKind.PACK, "tk_concatenation_s8")
