"""Greedy first-fit placement of buffers in one arena.

Buffers are placed one at a time in a given order; each goes to the lowest
offset where it does not collide with an already placed buffer that is live
at the same time. Which order is best depends on the graph, so several are
tried and the smallest arena is kept (ties go to the earlier ordering in
``ORDERINGS``, so the result is deterministic).

The first ordering, largest first with ties in registration order, is the one
TF Lite Micro's GreedyMemoryPlanner uses; keeping the best of a set that
includes it is what makes our arena never larger than TF Lite Micro's for the
same buffers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from tinykit.planner.lifetimes import Buffer


def align_up(value: int, alignment: int) -> int:
    """``value`` rounded up to a multiple of ``alignment``."""
    return -(-value // alignment) * alignment


def _lifetime(b: Buffer) -> int:
    return b.last_use - b.first_use + 1


# Each ordering sorts buffers by a key; every key ends with ``Buffer.order``
# so no two buffers compare equal and the result never depends on input order.
ORDERINGS: dict[str, Callable[[Buffer], tuple]] = {
    "size, then registration (TF Lite Micro)": lambda b: (-b.size, b.order),
    "size, then first use": lambda b: (-b.size, b.first_use, b.order),
    "size x lifetime": lambda b: (-b.size * _lifetime(b), -b.size, b.order),
    "lifetime, then size": lambda b: (-_lifetime(b), -b.size, b.order),
    "first use, then size": lambda b: (b.first_use, -b.size, b.order),
}


@dataclass(frozen=True)
class Placement:
    """Offsets of a set of buffers (in the buffers' order) and the arena they need."""

    offsets: tuple[int, ...]
    arena_bytes: int
    ordering: str


def place_first_fit(buffers: Sequence[Buffer], ordering: str, alignment: int) -> Placement:
    """Place ``buffers`` in the order ``ORDERINGS[ordering]`` gives, each at the
    lowest aligned offset free during its whole lifetime."""
    sizes = [align_up(b.size, alignment) for b in buffers]
    sequence = sorted(range(len(buffers)), key=lambda i: ORDERINGS[ordering](buffers[i]))
    offsets = [0] * len(buffers)
    placed: list[int] = []
    for i in sequence:
        busy = sorted(
            (offsets[j], offsets[j] + sizes[j])
            for j in placed
            if sizes[j] > 0 and buffers[j].overlaps_in_time(buffers[i])
        )
        candidate = 0
        for start, end in busy:
            if start >= candidate + sizes[i]:
                break  # the gap below this busy range is large enough
            candidate = max(candidate, end)
        offsets[i] = candidate
        placed.append(i)
    arena = max((o + s for o, s in zip(offsets, sizes)), default=0)
    return Placement(offsets=tuple(offsets), arena_bytes=arena, ordering=ordering)


def best_placement(buffers: Sequence[Buffer], alignment: int) -> Placement:
    """The smallest arena over all ``ORDERINGS`` (the first one wins ties)."""
    candidates = [place_first_fit(buffers, name, alignment) for name in ORDERINGS]
    return min(candidates, key=lambda p: p.arena_bytes)
