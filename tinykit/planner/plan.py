"""The memory plan of a graph: where each activation and scratch area lives
in the one static arena, decided at build time by a pure function."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from tinykit.errors import TinykitError
from tinykit.ir import Graph, Op, Tensor
from tinykit.planner.bound import live_bytes_per_op, peak_live_bytes
from tinykit.planner.greedy import align_up, best_placement
from tinykit.planner.lifetimes import Buffer, BufferOverlap, buffer_overlaps, graph_buffers
from tinykit.planner.picture import render_svg
from tinykit.planner.render import render_plan
from tinykit.schedule import Schedule
from tinykit.schedule.patches import PatchStage


@dataclass(frozen=True)
class PlacedBuffer:
    """A buffer and the arena offset it was given; ``reserved`` is its size
    rounded up to the plan's alignment (the bytes no other live buffer uses)."""

    buffer: Buffer
    offset: int
    reserved: int

    @property
    def end(self) -> int:
        return self.offset + self.reserved


@dataclass(frozen=True)
class MemoryPlan:
    """Offsets of every activation tensor and scratch area of one graph.

    ``lower_bound`` is the peak of live bytes over time with every allowed
    in-place merge made and overlap used: no plan of this graph can be smaller.
    ``overlaps`` are the overlaps the kernels' rules allow between these
    buffers (the checker accepts shared bytes only under one of them).
    """

    graph_name: str
    op_kinds: tuple[str, ...]  # kind of the op at each time step, for reports
    alignment: int
    arena_bytes: int
    lower_bound: int
    peak_op: int  # first op index where the lower bound is reached
    strategy: str  # the buffer ordering that gave the smallest arena
    in_place: bool  # whether in-place merges were kept (they are dropped if that packs better)
    buffers: tuple[PlacedBuffer, ...]  # sorted by Buffer.order
    overlaps: tuple[BufferOverlap, ...] = ()
    patches: PatchStage | None = None  # the schedule's patch stage, whose patch buffers are among ``buffers``

    @cached_property
    def _by_key(self) -> dict[str, PlacedBuffer]:
        return {p.buffer.key: p for p in self.buffers}

    def used_overlaps(self) -> tuple[BufferOverlap, ...]:
        """The allowed overlaps this plan uses: output and input share bytes."""
        used = []
        for o in self.overlaps:
            out, src = self._by_key[o.output], self._by_key[o.input]
            if out.offset < src.offset + src.buffer.size and src.offset < out.offset + out.buffer.size:
                used.append(o)
        return tuple(used)

    @cached_property
    def _tensor_offsets(self) -> dict[int, int]:
        return {index: p.offset for p in self.buffers for index in p.buffer.tensors}

    @cached_property
    def _scratch_offsets(self) -> dict[int, int]:
        return {p.buffer.scratch_op: p.offset for p in self.buffers if p.buffer.scratch_op is not None}

    def tensor_offset(self, tensor: Tensor) -> int:
        """Byte offset of an activation tensor in the arena."""
        try:
            return self._tensor_offsets[tensor.index]
        except KeyError:
            kind = "a constant (it lives in flash)" if tensor.is_constant else "not used by any op"
            raise ValueError(
                f"tensor {tensor.name!r} (index {tensor.index}) has no place in the arena of "
                f"{self.graph_name!r}: it is {kind} or belongs to another graph"
            ) from None

    def patch_offset(self, key: str) -> int:
        """Byte offset of a patch stage's patch or window buffer (``Buffer.key`` ``p<tensor>`` or ``w<tensor>``)."""
        return self._by_key[key].offset

    def has_place(self, tensor: Tensor) -> bool:
        """Whether ``tensor`` has a buffer of its own (not: constants, and a patch stage's
        intermediate tensors, which only ever hold one patch in a patch buffer)."""
        return tensor.index in self._tensor_offsets

    def scratch_offset(self, op: Op) -> int | None:
        """Byte offset of the op's scratch area, None if its kernel needs none."""
        return self._scratch_offsets.get(op.index)

    def live_bytes(self) -> tuple[int, ...]:
        """Reserved bytes live at each op index in this plan."""
        return live_bytes_per_op([p.buffer for p in self.buffers], self.alignment, self.used_overlaps())

    def render(self) -> str:
        """An ASCII drawing of the plan (time across, addresses down) with a legend."""
        return render_plan(self)

    def to_svg(self) -> str:
        """The same drawing as an SVG picture, with a tooltip per buffer (drawn from ``to_json()``)."""
        return render_svg(self.to_json())

    def to_json(self) -> dict:
        """The plan as plain JSON values (for tinykit.json and reports)."""
        return {
            "graph": self.graph_name,
            "op_kinds": list(self.op_kinds),
            "alignment": self.alignment,
            "arena_bytes": self.arena_bytes,
            "lower_bound": self.lower_bound,
            "peak_op": self.peak_op,
            "strategy": self.strategy,
            "in_place": self.in_place,
            "buffers": [
                {
                    "id": p.buffer.key,
                    "name": p.buffer.name,
                    "kind": p.buffer.kind,
                    "tensors": list(p.buffer.tensors),
                    "size": p.buffer.size,
                    "reserved": p.reserved,
                    "offset": p.offset,
                    "first": p.buffer.first_use,
                    "last": p.buffer.last_use,
                }
                for p in self.buffers
            ],
            "overlaps": [
                {**o.to_json(), "distance": self._by_key[o.input].offset - self._by_key[o.output].offset}
                for o in self.used_overlaps()
            ],
            **({} if self.patches is None else {"patches": self.patches.to_json()}),
        }


def _buffer_sets(graph: Graph, schedule: Schedule) -> tuple[tuple[tuple[Buffer, ...], tuple[BufferOverlap, ...]], ...]:
    """The buffers and overlaps of ``graph``, with in-place merges and without."""
    sets = []
    for in_place in (True, False):
        buffers = graph_buffers(graph, schedule, in_place=in_place)
        sets.append((buffers, buffer_overlaps(graph, schedule, buffers)))
    return tuple(sets)


def _lower_bound(merged: Sequence[Buffer], merged_overlaps: Sequence[BufferOverlap], separate: Sequence[Buffer],
                 separate_overlaps: Sequence[BufferOverlap], alignment: int) -> tuple[int, int]:
    # Without merges the same sharing is allowed as overlaps at distance 0 (and
    # lifetimes stay short), so the smaller of the two peaks bounds every plan.
    return min(peak_live_bytes(merged, alignment, merged_overlaps), peak_live_bytes(separate, alignment, separate_overlaps))


def lower_bound(graph: Graph, schedule: Schedule, alignment: int = 16) -> int:
    """The ``lower_bound`` of ``plan_graph(graph, schedule, alignment)``, without placing anything."""
    (merged, merged_overlaps), (separate, separate_overlaps) = _buffer_sets(graph, schedule)
    return _lower_bound(merged, merged_overlaps, separate, separate_overlaps, alignment)[0]


def plan_graph(graph: Graph, schedule: Schedule, alignment: int = 16, search_rounds: int = 64) -> MemoryPlan:
    """Place every activation and scratch area of ``graph`` in one arena.

    ``schedule`` (``tinykit.schedule.select_kernels``) says which scratch
    areas the chosen kernels need and which inputs each output may overlap.

    Buffers are packed greedily, once with in-place merges and once without:
    several fixed orderings, then (while the arena is above that buffer set's
    peak of live bytes) up to ``search_rounds`` seeded random orderings. The
    merged plan is kept unless the other one is strictly smaller. Pure and
    deterministic.
    """
    if isinstance(alignment, bool) or not isinstance(alignment, int) or alignment < 1 or alignment & (alignment - 1):
        raise TinykitError(
            f"Arena alignment {alignment!r} is not a positive power of two. Kernels and DMA need buffer "
            "addresses aligned to a power of two: pass alignment=16 (the default) or another power of two."
        )
    if isinstance(search_rounds, bool) or not isinstance(search_rounds, int) or search_rounds < 0:
        raise TinykitError(
            f"search_rounds={search_rounds!r} is not a count. It bounds how many shuffled orderings the "
            "planner tries after its fixed ones: pass 0 to skip that search, or a small positive integer."
        )
    (merged, merged_overlaps), (separate, separate_overlaps) = _buffer_sets(graph, schedule)
    lower_bound, peak_op = _lower_bound(merged, merged_overlaps, separate, separate_overlaps, alignment)
    in_place, buffers, overlaps = True, merged, merged_overlaps
    placement = best_placement(merged, alignment, lower_bound, search_rounds, merged_overlaps)
    if placement.arena_bytes > lower_bound and separate != merged:
        # Merging lengthens lifetimes, which can (rarely) pack worse than keeping tensors apart.
        alternative = best_placement(separate, alignment, lower_bound, search_rounds, separate_overlaps)
        if alternative.arena_bytes < placement.arena_bytes:
            in_place, buffers, placement, overlaps = False, separate, alternative, separate_overlaps
    return MemoryPlan(
        graph_name=graph.name,
        op_kinds=tuple(op.kind.value for op in graph.ops),
        alignment=alignment,
        arena_bytes=placement.arena_bytes,
        lower_bound=lower_bound,
        peak_op=peak_op,
        strategy=placement.ordering,
        in_place=in_place,
        buffers=tuple(
            PlacedBuffer(buffer=b, offset=offset, reserved=align_up(b.size, alignment))
            for b, offset in zip(buffers, placement.offsets)
        ),
        overlaps=overlaps,
        patches=schedule.patches,
    )
