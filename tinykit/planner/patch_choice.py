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

from collections.abc import Iterator
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


def _candidates(graph: Graph, peak_op: int) -> Iterator[tuple[list[int], tuple[int, int]]]:
    """Every (ops, grid) the search tries, given the op where the arena without patches peaks."""
    for start in range(min(peak_op, len(graph.ops) - 1) + 1):
        if graph.ops[start].kind not in PATCH_KINDS:
            continue
        for end in range(start, len(graph.ops)):
            ops = list(range(start, end + 1))
            if stage_problem(graph, ops) is not None:
                break
            if end + 1 < peak_op:
                continue  # a stage that ends before the busiest op leaves the peak where it is
            _, out_h, out_w, _ = graph.ops[end].outputs[0].shape
            for grid in GRIDS:
                if grid[0] <= out_h and grid[1] <= out_w:
                    yield ops, grid


def choose_patches(graph: Graph, schedule: Schedule, max_recompute: float) -> Schedule:
    """``schedule`` with the patch stage that gives the smallest arena whose
    recomputation (extra MACs / the model's MACs) is at most ``max_recompute``,
    or ``schedule`` unchanged when none makes the arena smaller (or the cap is 0)."""
    check_max_recompute(max_recompute)
    if max_recompute == 0 or schedule.patches is not None:
        return schedule
    base = plan_graph(graph, schedule)
    best, best_key = schedule, (base.arena_bytes, 0.0)
    for ops, grid in _candidates(graph, base.peak_op):
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


def _no_chain(graph: Graph, peak_op: int) -> str:
    """Why ``_candidates`` yields nothing: what stops a chain of window ops from reaching the peak."""
    peak = graph.ops[peak_op]
    kinds = ", ".join(sorted(kind.value for kind in PATCH_KINDS))
    where = f"the arena peaks at op {peak_op} ({peak.kind.value})"
    starts = [op.index for op in graph.ops[:peak_op + 1] if op.kind in PATCH_KINDS]
    if not starts:
        return f"{where} and no op up to it is one of {kinds}, the ops a patch stage may hold"
    start = starts[-1]  # the chain nearest the peak
    end = start
    while end + 1 < len(graph.ops) and stage_problem(graph, range(start, end + 2)) is None:
        end += 1
    if end + 1 < peak_op:
        return (f"{where}, and a patch stage must be a chain of {kinds} ops reaching op {peak_op - 1} or later; "
                f"the chain from op {start} stops at op {end}: {stage_problem(graph, range(start, end + 2))}")
    _, out_h, _, _ = graph.ops[end].outputs[0].shape
    rows = min(grid[0] for grid in GRIDS)
    return (f"{where}; the chain of ops {start}..{end} ends in a {out_h}-row output, and every patch grid "
            f"tried cuts at least {rows} rows")


def why_no_patches(graph: Graph, schedule: Schedule, max_recompute: float) -> str:
    """Why ``choose_patches(graph, schedule, max_recompute)`` (a cap above 0) kept
    every op whole, for the build's note: no chain of window ops reaches the
    arena's peak, or no stage within the cap plans a smaller arena. (Some
    stage always recomputes nothing: one op alone next to the peak.)"""
    base = plan_graph(graph, schedule)
    stages = [patch_stage(graph, ops, grid) for ops, grid in _candidates(graph, base.peak_op)]
    if not stages:
        return f"no layers can run patch by patch: {_no_chain(graph, base.peak_op)}"
    over = sum(stage.recompute > max_recompute for stage in stages)
    return (f"none of the {len(stages) - over} possible patch stages within --max-recompute {max_recompute:g} plans an "
            f"arena smaller than {base.arena_bytes:,} bytes, the arena without patches"
            + (f" ({over} more recompute more than that)" if over else ""))
