"""The lower bound of any arena: the most bytes that are live at one time.

No placement can use fewer bytes than the buffers live during the busiest op,
so this peak measures how much a plan wastes in gaps between buffers. Where an
overlap rule lets an op's output share bytes with an input that dies there,
the two may hold at most ``overlap_bytes`` in common at that op: the bound
subtracts that (live bytes minus the most they can share, by
inclusion-exclusion over the pairs, which are the only buffers that may overlap).
"""

from __future__ import annotations

from typing import Sequence

from tinykit.planner.greedy import align_up
from tinykit.planner.lifetimes import Buffer, BufferOverlap


def overlap_bytes(output_size: int, input_size: int, min_distance: int) -> int:
    """The most bytes an output and an input buffer can share when the input
    must start at least ``min_distance`` bytes above the output's start."""
    # At distance d the two share min(output_size - d, input_size) bytes for d >= 0,
    # most at d = 0, and fewer below 0: the best allowed distance is max(min_distance, 0).
    return max(0, min(output_size - max(min_distance, 0), input_size))


def live_bytes_per_op(buffers: Sequence[Buffer], alignment: int, overlaps: Sequence[BufferOverlap] = ()) -> tuple[int, ...]:
    """Aligned bytes of the buffers live at each op index, less the most the
    ``overlaps`` at each op can share (each output shares at most its own size)."""
    num_ops = max((b.last_use + 1 for b in buffers), default=0)
    live = [0] * num_ops
    for b in buffers:
        for time in range(b.first_use, b.last_use + 1):
            live[time] += align_up(b.size, alignment)
    size = {b.key: align_up(b.size, alignment) for b in buffers}
    shared: dict[tuple[int, str], int] = {}
    for o in overlaps:
        most = overlap_bytes(size[o.output], size[o.input], align_up(o.min_distance, alignment))
        shared[(o.op, o.output)] = shared.get((o.op, o.output), 0) + most
    for (time, output), most in shared.items():
        live[time] -= min(most, size[output])
    return tuple(live)


def peak_live_bytes(buffers: Sequence[Buffer], alignment: int, overlaps: Sequence[BufferOverlap] = ()) -> tuple[int, int]:
    """The peak of ``live_bytes_per_op`` and the first op index where it occurs
    (0 and 0 when there are no buffers)."""
    live = live_bytes_per_op(buffers, alignment, overlaps)
    if not live:
        return 0, 0
    peak = max(live)
    return peak, live.index(peak)
