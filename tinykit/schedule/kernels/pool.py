"""Kernel variants of the pooling family: AVERAGE_POOL_2D, MAX_POOL_2D, MEAN."""

from tinykit.ir import Op, OpKind
from tinykit.schedule.variants import KernelVariant, reference, register

reference(OpKind.AVERAGE_POOL_2D, "tk_avg_pool_s8")
reference(OpKind.MAX_POOL_2D, "tk_max_pool_s8")
# tk_mean_s8 sums each output's column straight from the input: no scratch.
def _global_average_pooling(op: Op) -> bool:
    """MEAN over height and width of a 4-D NHWC tensor."""
    return len(op.inputs[0].shape) == 4 and op.options.axes == (1, 2)


reference(OpKind.MEAN, "tk_mean_s8", applies=_global_average_pooling)
# Any other axes: the general reduction, SUM's kernel with 1/count in its multiplier.
reference(OpKind.MEAN, "tk_sum_s8", applies=lambda op: not _global_average_pooling(op))

# The DSP twins: AVERAGE_POOL_2D and MEAN sum four channels per SXTAB16 pair
# (tinykit/sum4.h), MAX_POOL_2D keeps four channels' maxima in registers.
register(KernelVariant(
    OpKind.AVERAGE_POOL_2D, "tk_avg_pool_s8", "dsp", ("cortexm/tk_avg_pool_s8.c",), requires=frozenset({"dsp"}),
    preference=10, description="four channels per step, summed two per SXTAB16",
))
register(KernelVariant(
    OpKind.MAX_POOL_2D, "tk_max_pool_s8", "dsp", ("cortexm/tk_max_pool_s8.c",), requires=frozenset({"dsp"}),
    preference=10, description="four channels per window walk, their maxima in registers",
))
register(KernelVariant(
    OpKind.MEAN, "tk_mean_hw_s8", "dsp", ("cortexm/tk_mean_hw_s8.c",), requires=frozenset({"dsp"}), preference=10,
    applies=_global_average_pooling, description="global average pooling: four channels per step, summed two per SXTAB16",
))
