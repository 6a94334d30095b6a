"""An independent check of a plan: no two buffers live at the same time may
share a byte, and every buffer must lie inside the arena."""

from __future__ import annotations

from tinykit.planner.plan import MemoryPlan


def check_no_overlap(plan: MemoryPlan) -> list[str]:
    """Human-readable conflicts in ``plan``; [] when it is sound.

    Uses each buffer's data size (not its aligned reservation), which is the
    real constraint the generated code relies on.
    """
    problems = []
    placed = [p for p in plan.buffers if p.buffer.size > 0]
    for p in placed:
        if p.offset < 0 or p.offset + p.buffer.size > plan.arena_bytes:
            problems.append(
                f"{p.buffer.key} {p.buffer.name!r} at [{p.offset}, {p.offset + p.buffer.size}) "
                f"lies outside the arena of {plan.arena_bytes} bytes"
            )
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            if not a.buffer.overlaps_in_time(b.buffer):
                continue
            if a.offset < b.offset + b.buffer.size and b.offset < a.offset + a.buffer.size:
                both = (max(a.buffer.first_use, b.buffer.first_use), min(a.buffer.last_use, b.buffer.last_use))
                problems.append(
                    f"{a.buffer.key} {a.buffer.name!r} at [{a.offset}, {a.offset + a.buffer.size}) and "
                    f"{b.buffer.key} {b.buffer.name!r} at [{b.offset}, {b.offset + b.buffer.size}) "
                    f"overlap while both are live (ops {both[0]}..{both[1]})"
                )
    return problems
