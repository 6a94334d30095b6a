"""Memory-aware kernel choice: a slower kernel variant where it makes the arena smaller.

``select_kernels`` gives every op its most preferred (fastest) variant. Some
of those need more scratch, or allow a less useful overlap, than a slower
variant of the same op (cortexm/tk_depthwise_conv_3x3_s8.c needs a ring
buffer and may only run exactly in place; tk_depthwise_conv_dm1_s8.c needs
neither). Where the busiest ops are such ops, the slower variant can lower
the planned arena, and on a microcontroller RAM usually matters more than a
few instructions. So the build plans the fastest schedule, then tries the
other variants of each op and keeps a swap only when the arena gets
strictly smaller, repeating until no swap helps. Each kept swap records
the bytes it saved in its ``OpSchedule.arena_saved`` (printed by
``tinykit build``). The search is a pure function of the graph and the
target, so the build hash check (``tinykit.build.schedule_for``) recomputes
the same schedule.
"""

from __future__ import annotations

from collections.abc import Iterable

from tinykit.ir import Graph
from tinykit.planner.plan import lower_bound, plan_graph
from tinykit.schedule import Schedule, select_kernels
from tinykit.schedule.schedule import applicable_variants, link_conflict


def memory_aware_kernels(graph: Graph, features: Iterable[str], kernels: str = "auto") -> Schedule:
    """``select_kernels(graph, features, kernels)``, except at ops where a less
    preferred variant makes ``plan_graph``'s arena strictly smaller (not with
    ``kernels="fastest"``, which keeps the fastest variants whatever the arena).

    Swaps are tried op by op in graph order, passes repeated until none is
    kept. A swap is kept when it lowers the arena, or leaves it equal and
    lowers the plan's lower bound: two swaps can be needed together (a
    layer's scratch at the peak goes away only once its neighbour's output
    may move), and the second one then lowers the arena. Each kept swap
    lowers (arena, lower bound), so the search ends. Finally a swap whose
    undoing does not enlarge the arena is undone (the fastest kernel wins
    ties); each remaining one records in ``arena_saved`` how many bytes
    undoing it alone would add."""
    available = frozenset(features)
    fastest = select_kernels(graph, available, kernels)
    if kernels == "fastest":
        return fastest

    def selected(chosen: dict[int, str]) -> Schedule:
        return select_kernels(graph, available, kernels, {i: (kernel, 0) for i, kernel in chosen.items()})

    def planned(schedule: Schedule) -> tuple[int, int]:
        plan = plan_graph(graph, schedule)
        return plan.arena_bytes, plan.lower_bound

    chosen: dict[int, str] = {}
    schedule = fastest
    cost = planned(schedule)
    improved = True
    while improved:
        improved = False
        for op in graph.ops:
            others = [(entry.kernel, entry.sources) for entry in schedule.ops if entry.op_index != op.index]
            for variant in applicable_variants(op, available, kernels):
                if (variant.kernel == schedule.op(op).kernel
                        or link_conflict([*others, (variant.kernel, variant.sources)]) is not None):
                    continue  # the op's kernel already, or another op links another file under its C name
                trial = {**chosen, op.index: variant.kernel}
                if variant.kernel == fastest.op(op).kernel:
                    del trial[op.index]
                trial_schedule = selected(trial)
                if lower_bound(graph, trial_schedule) >= cost[0]:
                    continue  # then its arena cannot be smaller, nor equal with a smaller bound
                trial_cost = planned(trial_schedule)
                if trial_cost < cost:
                    chosen, schedule, cost, improved = trial, trial_schedule, trial_cost, True
    for index in sorted(chosen):  # undo the swaps the arena does not need
        without = {i: kernel for i, kernel in chosen.items() if i != index}
        if planned(selected(without))[0] <= cost[0]:
            chosen = without
    arena = planned(selected(chosen))[0]
    saved = {index: planned(selected({i: k for i, k in chosen.items() if i != index}))[0] - arena for index in chosen}
    return select_kernels(graph, available, kernels, {i: (kernel, saved[i]) for i, kernel in chosen.items()})
