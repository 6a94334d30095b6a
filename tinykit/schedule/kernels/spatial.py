"""Kernel variants of the spatial family: RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, DEPTH_TO_SPACE, SPACE_TO_DEPTH."""

from tinykit.ir import OpKind
from tinykit.schedule.variants import reference

# None runs in place: each reads input pixels other than the one it writes.
reference(OpKind.RESIZE_NEAREST_NEIGHBOR, "tk_resize_nearest_neighbor_s8")
reference(OpKind.RESIZE_BILINEAR, "tk_resize_bilinear_s8")
reference(OpKind.DEPTH_TO_SPACE, "tk_depth_to_space_s8")
reference(OpKind.SPACE_TO_DEPTH, "tk_space_to_depth_s8")
