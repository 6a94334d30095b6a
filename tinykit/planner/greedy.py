"""Greedy first-fit placement of buffers in one arena.

Buffers are placed one at a time in a given order; each goes to the lowest
offset where it does not collide with an already placed buffer that is live
at the same time. Which order is best depends on the graph, so several are
tried and the smallest arena is kept (ties go to the earlier ordering in
``ORDERINGS``, so the result is deterministic); when they all leave gaps, a
bounded, seeded search over shuffled orders usually closes them.

The first ordering, largest first with ties in registration order, is the one
TF Lite Micro's GreedyMemoryPlanner uses; keeping the best of a set that
includes it is what makes our arena never larger than TF Lite Micro's for the
same buffers.

Overlaps (``BufferOverlap``: an output buffer may lie on an input buffer that
dies at its op, at least ``min_distance`` bytes below it) shrink the offsets a
buffer must avoid: the output may start anywhere up to ``min_distance`` below
the input's offset instead of a whole output size below it. Such a chain
packs downward, output under input, so orderings that place the latest
buffers first are tried too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Sequence

from tinykit.planner.lifetimes import Buffer, BufferOverlap


# The random search's generator seed: fixed, so plans are reproducible.
SEARCH_SEED = 0


def align_up(value: int, alignment: int) -> int:
    """``value`` rounded up to a multiple of ``alignment``."""
    return -(-value // alignment) * alignment


def _lifetime(b: Buffer) -> int:
    return b.last_use - b.first_use + 1


# Each ordering sorts buffers by a key of the buffer and its reserved (aligned)
# size; every key ends with ``Buffer.order`` so no two buffers compare equal
# and the result never depends on the order the buffers were listed in. Sizes
# are compared aligned, as TF Lite Micro does: 100 and 112 bytes tie at 112.
ORDERINGS: dict[str, Callable[[Buffer, int], tuple]] = {
    "size, then registration (TF Lite Micro)": lambda b, size: (-size, b.order),
    "size, then first use": lambda b, size: (-size, b.first_use, b.order),
    "size x lifetime": lambda b, size: (-size * _lifetime(b), -size, b.order),
    "lifetime, then size": lambda b, size: (-_lifetime(b), -size, b.order),
    "first use, then size": lambda b, size: (b.first_use, -size, b.order),
    # Last produced first: an output placed before its input lets the input sit
    # just min_distance above it (a chain of overlapping layers stacks downward).
    "size, then latest first": lambda b, size: (-size, -b.first_use, b.order),
    "latest first": lambda b, size: (-b.first_use, -b.last_use, -size, b.order),
}


def ordering_sequence(buffers: Sequence[Buffer], ordering: str, alignment: int) -> list[int]:
    """Indices of ``buffers`` in the placement order ``ORDERINGS[ordering]`` gives."""
    key = ORDERINGS[ordering]
    return sorted(range(len(buffers)), key=lambda i: key(buffers[i], align_up(buffers[i].size, alignment)))


@dataclass(frozen=True)
class Placement:
    """Offsets of a set of buffers (in the buffers' order), the arena they
    need, and the name of the ordering that produced them."""

    offsets: tuple[int, ...]
    arena_bytes: int
    ordering: str


def _distances(buffers: Sequence[Buffer], overlaps: Sequence[BufferOverlap]) -> dict[tuple[int, int], int]:
    """(output index, input index) -> min_distance, for the ``overlaps`` among ``buffers``."""
    index = {b.key: i for i, b in enumerate(buffers)}
    return {(index[o.output], index[o.input]): o.min_distance for o in overlaps}


def forbidden_offsets(size: int, other_offset: int, other_size: int, distance: int | None,
                      placing_output: bool) -> tuple[int, int]:
    """The open interval of offsets a buffer of ``size`` bytes may not take
    next to a live buffer at ``other_offset`` of ``other_size`` bytes (empty
    when its low end is not below its high end).

    ``distance`` is None for buffers that must stay disjoint; otherwise the
    two overlap under a rule of that ``min_distance``, the buffer being placed
    being the output (``placing_output``) or the input. Offsets and sizes are
    aligned reservations, ``distance`` rounded up to the alignment."""
    if distance is None:
        return other_offset - size, other_offset + other_size
    if placing_output:  # allowed: at or below other_offset - distance, or disjoint
        return other_offset - min(distance, size), other_offset + other_size
    return other_offset - size, other_offset + min(distance, other_size)  # input at or above output + distance


def place_first_fit(buffers: Sequence[Buffer], sequence: Sequence[int], alignment: int,
                    overlaps: Sequence[BufferOverlap] = ()) -> tuple[int, ...]:
    """Offsets of ``buffers`` placed one by one in ``sequence`` (indices into
    ``buffers``), each at the lowest aligned offset free during its lifetime,
    where free means: disjoint from every live placed buffer, or overlapping
    one as ``overlaps`` allow."""
    sizes = [align_up(b.size, alignment) for b in buffers]
    distances = {pair: align_up(d, alignment) for pair, d in _distances(buffers, overlaps).items()}
    offsets = [0] * len(buffers)
    placed: list[int] = []
    for i in sequence:
        intervals = []
        for j in placed:
            if sizes[j] == 0 or not buffers[j].overlaps_in_time(buffers[i]):
                continue
            as_output, as_input = distances.get((i, j)), distances.get((j, i))
            distance = as_output if as_output is not None else as_input
            low, high = forbidden_offsets(sizes[i], offsets[j], sizes[j], distance, as_output is not None)
            if low < high:
                intervals.append((low, high))
        intervals.sort()
        candidate = 0
        moved = True
        while moved:  # the lowest offset inside no interval: jump past each one it falls in
            moved = False
            for low, high in intervals:
                if low < candidate < high:
                    candidate, moved = high, True
        offsets[i] = candidate
        placed.append(i)
    return tuple(offsets)


def arena_bytes(buffers: Sequence[Buffer], offsets: Sequence[int], alignment: int) -> int:
    """The arena size ``offsets`` need: the highest end of any reserved span."""
    return max((o + align_up(b.size, alignment) for b, o in zip(buffers, offsets)), default=0)


def best_placement(buffers: Sequence[Buffer], alignment: int, target: int = 0, search_rounds: int = 0,
                   overlaps: Sequence[BufferOverlap] = ()) -> Placement:
    """The smallest arena over all ``ORDERINGS`` (the first one wins ties),
    then, while it is above ``target`` (a lower bound: nothing below it is
    possible), over up to ``search_rounds`` random orderings.

    The random orderings come from a generator with a fixed seed applied to
    the buffers sorted by ``Buffer.order``, so the result is still a pure
    function of the buffers. On graphs where the fixed orderings leave gaps,
    a few dozen shuffles usually reach the lower bound.
    """
    canonical = sorted(range(len(buffers)), key=lambda i: buffers[i].order)

    def placement(name: str, sequence: Sequence[int]) -> Placement:
        offsets = place_first_fit(buffers, sequence, alignment, overlaps)
        return Placement(offsets=offsets, arena_bytes=arena_bytes(buffers, offsets, alignment), ordering=name)

    best = min(
        (placement(name, ordering_sequence(buffers, name, alignment)) for name in ORDERINGS),
        key=lambda p: p.arena_bytes,
    )
    rng = random.Random(SEARCH_SEED)
    for round_number in range(1, search_rounds + 1):
        if best.arena_bytes <= target:
            break
        sequence = list(canonical)
        rng.shuffle(sequence)
        candidate = placement(f"random ordering {round_number} (seed {SEARCH_SEED})", sequence)
        if candidate.arena_bytes < best.arena_bytes:
            best = candidate
    return best
