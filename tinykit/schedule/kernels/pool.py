"""Kernel variants of the pooling family: AVERAGE_POOL_2D, MAX_POOL_2D, MEAN."""

from tinykit.ir import OpKind
from tinykit.schedule.variants import reference

reference(OpKind.AVERAGE_POOL_2D, "tk_avg_pool_s8")
reference(OpKind.MAX_POOL_2D, "tk_max_pool_s8")
# tk_mean_s8 sums each output's column straight from the input: no scratch.
reference(OpKind.MEAN, "tk_mean_s8")
