"""An independent check of a plan: no two buffers live at the same time may
share a byte, unless a kernel's overlap rule allows it, and every buffer must
lie inside the arena."""

from __future__ import annotations

from tinykit.planner.plan import MemoryPlan, PlacedBuffer


def check_no_overlap(plan: MemoryPlan) -> list[str]:
    """Human-readable conflicts in ``plan``; [] when it is sound.

    Uses each buffer's data size (not its aligned reservation), which is the
    real constraint the generated code relies on. Two buffers may share bytes
    only as one of ``plan.overlaps`` allows: the output's first use and the
    input's last use are that op and no other time, and the input lies at
    least ``min_distance`` bytes above the output.
    """
    problems = []
    placed = [p for p in plan.buffers if p.buffer.size > 0]
    rules = {(o.output, o.input): o for o in plan.overlaps}
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
            if a.offset < b.offset + b.buffer.size and b.offset < a.offset + a.buffer.size and not _allowed(a, b, rules):
                both = (max(a.buffer.first_use, b.buffer.first_use), min(a.buffer.last_use, b.buffer.last_use))
                problems.append(
                    f"{a.buffer.key} {a.buffer.name!r} at [{a.offset}, {a.offset + a.buffer.size}) and "
                    f"{b.buffer.key} {b.buffer.name!r} at [{b.offset}, {b.offset + b.buffer.size}) "
                    f"overlap while both are live (ops {both[0]}..{both[1]})"
                    + _rule_note(a, b, rules)
                )
    return problems


def _allowed(a: PlacedBuffer, b: PlacedBuffer, rules: dict) -> bool:
    for out, src in ((a, b), (b, a)):
        rule = rules.get((out.buffer.key, src.buffer.key))
        if (rule is not None and out.buffer.first_use == rule.op == src.buffer.last_use
                and src.offset - out.offset >= rule.min_distance):
            return True
    return False


def _rule_note(a: PlacedBuffer, b: PlacedBuffer, rules: dict) -> str:
    for out, src in ((a, b), (b, a)):
        rule = rules.get((out.buffer.key, src.buffer.key))
        if rule is not None:
            return (f"; op {rule.op}'s kernel allows {out.buffer.key} on {src.buffer.key} only "
                    f"{rule.min_distance} or more bytes below it, not {src.offset - out.offset}")
    return ""
