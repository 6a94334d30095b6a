"""Buffers to place in the arena and when each one is live.

A buffer is a span of arena bytes needed from one op to another (op indices,
both inclusive). Every activation tensor gets one, and so does every op
scratch area (live only while its op runs). Constants are not buffers: they
live in flash.

When an op's kernel may write its output exactly over an input of its size
that dies at that op (an ``Overlap`` of distance 0 or less in
``OpSchedule.overlaps``, from the kernel selection), the two tensors can
share one buffer whose lifetime is the union of theirs, as TinyEngine does;
chains of such ops (RESHAPE then LOGISTIC...) become a single buffer. A view
(RESHAPE) always shares its input's buffer, whether or not the input lives on.

Every other overlap rule becomes a ``BufferOverlap`` between two buffers:
the placement may let them share bytes at that op when the input buffer
lies at least ``min_distance`` bytes above the output buffer.

With a patch stage (``Schedule.patches``, tinykit/schedule/patches.py) the
stage's intermediate tensors have no buffer: each has a patch buffer, live
from its op to the next (within one patch that is all it needs, and the
next patch rewrites it before reading it). The stage's input stays live
until its last op and its output from its first op (every patch reads the
one and writes the other), and the stage input's window copy and the last
op's output patch, when the stage needs them, live at the first and last op.
No op of a stage runs in place or overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinykit.errors import TinykitError
from tinykit.ir import Graph, Op, Tensor
from tinykit.schedule import Schedule
from tinykit.schedule.overlap import describe_distances, distance_allowed
from tinykit.schedule.patches import PatchStage


@dataclass(frozen=True)
class Buffer:
    """One span of arena bytes and its lifetime.

    ``key`` is ``t<index>`` for tensors (the index of the first tensor stored
    in the buffer), ``s<op index>`` for an op's scratch area, ``p<index>``
    for the patch buffer of tensor ``index`` in a patch stage and
    ``w<index>`` for its window copy of stage input ``index``. ``tensors``
    lists the indices of the tensors that share the buffer, in the order they
    are produced; it is empty for scratch and patch buffers, whose tensor is ``patch_of``.
    """

    key: str
    name: str
    size: int
    first_use: int
    last_use: int
    tensors: tuple[int, ...] = ()
    scratch_op: int | None = None
    patch_of: int | None = None

    @property
    def kind(self) -> str:
        """"tensor", "scratch", "patch" or "window" (plan listings and drawings)."""
        if self.scratch_op is not None:
            return "scratch"
        if self.patch_of is not None:
            return "window" if self.key.startswith("w") else "patch"
        return "tensor"

    @property
    def order(self) -> tuple[int, int, int]:
        """A total order independent of how the buffers were listed: tensor
        buffers by tensor index, then scratch areas by op index (the order in
        which TF Lite Micro registers its buffers), then patch buffers."""
        if self.scratch_op is not None:
            return (1, self.scratch_op, 0)
        if self.patch_of is not None:
            return (2, self.patch_of, int(self.key.startswith("w")))
        return (0, self.tensors[0], 0)

    def live_at(self, op_index: int) -> bool:
        return self.first_use <= op_index <= self.last_use

    def overlaps_in_time(self, other: Buffer) -> bool:
        return self.first_use <= other.last_use and other.first_use <= self.last_use


def graph_buffers(graph: Graph, schedule: Schedule, in_place: bool = True) -> tuple[Buffer, ...]:
    """The buffers of ``graph``: activations (merged in place when ``in_place``
    and the op's kernel allows it) and the scratch areas ``schedule`` asks for,
    sorted by ``Buffer.order``."""
    spans = tensor_lifetimes(graph)
    if schedule.patches is not None:
        spans = _patched_lifetimes(graph, schedule.patches, spans)
    groups = _in_place_groups(graph, schedule, spans, in_place)
    by_index = {t.index: t for t in graph.activations}
    buffers = [_tensor_buffer([by_index[i] for i in group], spans) for group in groups]
    buffers += [
        _scratch_buffer(op, time, schedule.op(op).scratch_bytes)
        for time, op in enumerate(graph.ops) if schedule.op(op).scratch_bytes > 0
    ]
    if schedule.patches is not None:
        buffers += _patch_buffers(graph, schedule.patches)
    return tuple(sorted(buffers, key=lambda b: b.order))


def _patched_lifetimes(graph: Graph, stage: PatchStage, spans: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """``spans`` without the stage's intermediate tensors, its input live
    until its last op and its output from its first."""
    inner = {graph.ops[i].outputs[0].index for i in stage.ops[:-1]}
    source, result = graph.ops[stage.first].inputs[0].index, graph.ops[stage.last].outputs[0].index
    spans = {index: span for index, span in spans.items() if index not in inner}
    spans[source] = (spans[source][0], max(spans[source][1], stage.last))
    spans[result] = (stage.first, spans[result][1])
    return spans


def _patch_buffers(graph: Graph, stage: PatchStage) -> list[Buffer]:
    """The patch buffers of ``stage``: one per intermediate tensor (from its op to the
    next), and the window copy and output patch when the stage needs them."""
    buffers = []
    for op_index, size in zip(stage.ops, stage.buffer_bytes):
        out = graph.ops[op_index].outputs[0]
        buffers.append(Buffer(key=f"p{out.index}", name=f"patch of {out.name}", size=size, first_use=op_index,
                              last_use=op_index + 1, patch_of=out.index))
    if stage.window_bytes:
        source = graph.ops[stage.first].inputs[0]
        buffers.append(Buffer(key=f"w{source.index}", name=f"window of {source.name}", size=stage.window_bytes,
                              first_use=stage.first, last_use=stage.first, patch_of=source.index))
    if stage.output_patch_bytes:
        out = graph.ops[stage.last].outputs[0]
        buffers.append(Buffer(key=f"p{out.index}", name=f"patch of {out.name}", size=stage.output_patch_bytes,
                              first_use=stage.last, last_use=stage.last, patch_of=out.index))
    return buffers


@dataclass(frozen=True)
class BufferOverlap:
    """Buffer ``output`` (keyed as ``Buffer.key``), written by op ``op``, may
    share bytes with buffer ``input``, whose value dies at that op, when
    ``offset(input) - offset(output)`` lies in ``[min_distance, max_distance]``
    (``max_distance`` None: no upper limit), as ``Overlap`` states it."""

    op: int
    output: str
    input: str
    min_distance: int
    max_distance: int | None = None

    def allows(self, distance: int) -> bool:
        """Whether the input may start ``distance`` bytes above the output."""
        return distance_allowed(distance, self.min_distance, self.max_distance)

    def describe_rule(self) -> str:
        """The distances the kernel allows, in words."""
        return describe_distances(self.min_distance, self.max_distance)

    def to_json(self) -> dict:
        return {"op": self.op, "output": self.output, "input": self.input, "min_distance": self.min_distance,
                "max_distance": self.max_distance}


def buffer_overlaps(graph: Graph, schedule: Schedule, buffers: tuple[Buffer, ...]) -> tuple[BufferOverlap, ...]:
    """The overlaps ``schedule``'s rules allow between ``buffers`` (from
    ``graph_buffers``): for each op, its first output's buffer with the buffer
    of each input named by a rule, when that input buffer's value dies at the
    op (its last use) and holds no graph output. Sorted by op, then input."""
    owner = {index: b for b in buffers for index in b.tensors}
    outputs = {t.index for t in graph.outputs}
    pairs = []
    for time, op in enumerate(graph.ops):
        if (not op.outputs or op.outputs[0].is_constant or op.outputs[0].index not in owner
                or schedule.in_patch_stage(op)):
            continue
        out = owner[op.outputs[0].index]
        for rule in schedule.op(op).overlaps:
            source = op.inputs[rule.input]
            assert source is not None and not source.is_constant  # rules name only activation inputs
            held = owner[source.index]
            # The output's buffer must begin with it: one merged in place with another input
            # still holds that input's value at this op.
            if (held is out or held.last_use != time or out.tensors[0] != op.outputs[0].index
                    or outputs & set(held.tensors)):
                continue
            pairs.append(BufferOverlap(op=time, output=out.key, input=held.key, min_distance=rule.min_distance,
                                       max_distance=rule.max_distance))
    return tuple(sorted(pairs, key=lambda p: (p.op, p.input)))


def tensor_lifetimes(graph: Graph) -> dict[int, tuple[int, int]]:
    """First and last op index (inclusive) at which each activation tensor
    must hold its value, keyed by tensor index.

    Graph inputs are live from op 0 and graph outputs until the last op. A
    tensor that is produced and never read still needs its bytes while its
    producing op writes it.
    """
    last_op = max(len(graph.ops) - 1, 0)
    input_indices = {t.index for t in graph.inputs}
    first: dict[int, int] = {index: 0 for index in input_indices}
    last: dict[int, int] = {index: 0 for index in input_indices}
    producer: dict[int, int] = {}
    for time, op in enumerate(graph.ops):
        for t in op.activation_inputs:
            if t.index not in first:
                raise TinykitError(_unproduced_message(graph, op, t))
            last[t.index] = time
        for t in op.outputs:
            if t.is_constant:
                continue
            if t.index in first:
                writer = f"written by op {producer[t.index]}" if t.index in producer else "a graph input"
                raise TinykitError(
                    f"Tensor {t.name!r} (index {t.index}) of graph {graph.name!r} is written by op "
                    f"{time} ({op.kind.value}) but it is already {writer}; every activation must have "
                    "exactly one writer. The model file is malformed: re-export it from the original model."
                )
            producer[t.index] = time
            first[t.index] = time
            last[t.index] = time
    for t in graph.outputs:
        if t.index not in first:
            raise TinykitError(
                f"Graph output {t.name!r} (index {t.index}) of graph {graph.name!r} is neither produced "
                "by an op nor a graph input, so it would never hold a value. The model file is malformed "
                "or the graph was cut wrongly: re-export it from the original model."
            )
        last[t.index] = last_op
    return {index: (first[index], last[index]) for index in sorted(first)}


def _unproduced_message(graph: Graph, op: Op, tensor: Tensor) -> str:
    return (
        f"Op {op.index} ({op.kind.value}) of graph {graph.name!r} reads tensor {tensor.name!r} "
        f"(index {tensor.index}) before any op writes it, and it is not a graph input. The ops must "
        "be listed in execution order and every activation must be produced or be a graph input: "
        "re-export the model, or list the ops in the order they run."
    )


def _in_place_groups(graph: Graph, schedule: Schedule, spans: dict[int, tuple[int, int]],
                     in_place: bool) -> list[list[int]]:
    """Tensor indices grouped by shared buffer.

    A view (``Op.is_view``: the same bytes under another shape) always joins
    its input's buffer, since both hold one value. With ``in_place``, an op's
    first output also joins the buffer of an input of its own size that its
    kernel may overwrite in place (an ``Overlap`` that allows distance 0
    in ``OpSchedule.overlaps``) when that buffer's every tensor is read for the last time by this op and none is a
    graph output (whose value must survive). Such merges only happen once the
    buffer's value is dead, so a group never needs two different values at once.
    """
    group_of = {index: [index] for index in spans}
    output_indices = {t.index for t in graph.outputs}

    def merge(source: Tensor, out: Tensor) -> None:
        group = group_of[source.index]
        group.extend(group_of[out.index])
        for member in group_of[out.index]:
            group_of[member] = group

    for time, op in enumerate(graph.ops):
        out = op.outputs[0] if op.outputs else None
        if out is None or out.is_constant or schedule.in_patch_stage(op):
            continue
        if op.is_view and op.inputs[0] is not None and not op.inputs[0].is_constant:
            merge(op.inputs[0], out)
            continue
        if not in_place:
            continue
        for rule in schedule.op(op).overlaps:
            source = op.inputs[rule.input]
            assert source is not None  # rules name only present inputs
            if not rule.allows(0) or source.nbytes != out.nbytes:
                continue
            group = group_of[source.index]
            if max(spans[m][1] for m in group) != time or any(m in output_indices for m in group):
                continue
            merge(source, out)
            break
    unique = {id(group): group for group in group_of.values()}
    return sorted(unique.values(), key=lambda group: group[0])


def _tensor_buffer(tensors: list[Tensor], spans: dict[int, tuple[int, int]]) -> Buffer:
    return Buffer(
        key=f"t{tensors[0].index}",
        name=" -> ".join(t.name for t in tensors),
        size=max(t.nbytes for t in tensors),
        first_use=min(spans[t.index][0] for t in tensors),
        last_use=max(spans[t.index][1] for t in tensors),
        tensors=tuple(t.index for t in tensors),
    )


def _scratch_buffer(op: Op, time: int, size: int) -> Buffer:
    return Buffer(
        key=f"s{op.index}",
        name=f"scratch of op {op.index} ({op.kind.value})",
        size=size,
        first_use=time,
        last_use=time,
        scratch_op=op.index,
    )
