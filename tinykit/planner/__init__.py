"""The memory planner: every activation and scratch area of a graph placed in
one static arena at build time (see ``plan_graph``)."""

from tinykit.planner.check import check_no_overlap
from tinykit.planner.plan import MemoryPlan, PlacedBuffer, plan_graph

__all__ = ["MemoryPlan", "PlacedBuffer", "check_no_overlap", "plan_graph"]
