"""Choosing a patch stage (tinykit/schedule/patches.py): the ops and the grid
that give the smallest arena under a recomputation cap.

Patches cost time: halos are computed by more than one patch, and each patch
is one more call per op (plus a copy where a patch is not whole rows). So the
build runs a stage only when the user allows some recomputation
(``tinykit build --max-recompute``, a fraction of the model's MACs; 0, the
default, keeps every op whole) and only when it makes the arena strictly
smaller. Candidates are chains of window ops that start at or before the
busiest op of the plan without patches (where the lower bound peaks) and
end at or after the op before it, on square grids (2x2 .. 8x8) and bands of
whole rows (2x1 .. 8x1, which need no copies). The smallest arena wins;
ties go to less recomputation, then to the earlier candidate. Pure and
deterministic, so the build hash check recomputes the same choice.
"""

from __future__ import annotations

from dataclasses import replace

from tinykit.errors import TinykitError
from tinykit.ir import Graph
from tinykit.planner.plan import lower_bound, plan_graph
from tinykit.schedule import Schedule
from tinykit.schedule.patches import PATCH_KINDS, patch_stage, stage_problem

GRIDS = tuple((n, n) for n in range(2, 9)) + tuple((n, 1) for n in range(2, 9))


def check_max_recompute(max_recompute: float) -> None:
    """Refuse a cap that is not a fraction >= 0."""
    if isinstance(max_recompute, bool) or not isinstance(max_recompute, (int, float)) or not max_recompute >= 0:
        raise TinykitError(
            f"--max-recompute {max_recompute!r} is not a fraction of the model's MACs: pass 0 (no patches), "
            "or e.g. 0.1 to allow 10% more MACs for a smaller arena."
        )


def choose_patches(graph: Graph, schedule: Schedule, max_recompute: float) -> Schedule:
    """``schedule`` with the patch stage that gives the smallest arena whose
    recomputation (extra MACs / the model's MACs) is at most ``max_recompute``,
    or ``schedule`` unchanged when none makes the arena smaller (or the cap is 0)."""
    check_max_recompute(max_recompute)
    if max_recompute == 0 or schedule.patches is not None:
        return schedule
    base = plan_graph(graph, schedule)
    best, best_key = schedule, (base.arena_bytes, 0.0)
    for start in range(min(base.peak_op, len(graph.ops) - 1) + 1):
        if graph.ops[start].kind not in PATCH_KINDS:
            continue
        for end in range(start, len(graph.ops)):
            ops = list(range(start, end + 1))
            if stage_problem(graph, ops) is not None:
                break
            if end + 1 < base.peak_op:
                continue  # a stage that ends before the busiest op leaves the peak where it is
            for grid in GRIDS:
                _, out_h, out_w, _ = graph.ops[end].outputs[0].shape
                if grid[0] > out_h or grid[1] > out_w:
                    continue
                stage = replace(patch_stage(graph, ops, grid), arena_without=base.arena_bytes)
                if stage.recompute > max_recompute:
                    continue
                trial = replace(schedule, patches=stage)
                if lower_bound(graph, trial) >= best_key[0]:
                    continue
                key = (plan_graph(graph, trial).arena_bytes, stage.recompute)
                if key < best_key:
                    best, best_key = trial, key
    return best
