"""The lower bound of any arena: the most bytes that are live at one time.

No placement can use fewer bytes than the buffers live during the busiest op,
so this peak measures how much a plan wastes in gaps between buffers.
"""

from __future__ import annotations

from typing import Sequence

from tinykit.planner.greedy import align_up
from tinykit.planner.lifetimes import Buffer


def live_bytes_per_op(buffers: Sequence[Buffer], alignment: int) -> tuple[int, ...]:
    """Sum of the aligned sizes of the buffers live at each op index."""
    num_ops = max((b.last_use + 1 for b in buffers), default=0)
    live = [0] * num_ops
    for b in buffers:
        for time in range(b.first_use, b.last_use + 1):
            live[time] += align_up(b.size, alignment)
    return tuple(live)


def peak_live_bytes(buffers: Sequence[Buffer], alignment: int) -> tuple[int, int]:
    """The peak of ``live_bytes_per_op`` and the first op index where it occurs
    (0 and 0 when there are no buffers)."""
    live = live_bytes_per_op(buffers, alignment)
    if not live:
        return 0, 0
    peak = max(live)
    return peak, live.index(peak)
