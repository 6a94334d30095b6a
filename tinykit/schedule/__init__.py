"""Kernel selection: for each op of a graph, the kernel variant that runs it on
a target (see ``select_kernels``), with the facts that follow from that
choice (scratch bytes, overlap rule, weight layout).

The planner, the code generator, the build hash, ``tinykit.json`` and the
profiler all read the ``Schedule``; none of them re-derives a kernel fact.
"""

from tinykit.schedule.overlap import Overlap
from tinykit.schedule.schedule import KERNEL_MODES, OpSchedule, Schedule, select_kernels
from tinykit.schedule.variants import VARIANTS, KernelVariant, register, variants_of

__all__ = [
    "KERNEL_MODES", "KernelVariant", "OpSchedule", "Overlap", "Schedule", "VARIANTS", "register", "select_kernels", "variants_of",
]
