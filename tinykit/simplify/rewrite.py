"""Substituting tensors in a graph: what every pass that replaces a tensor needs."""

from __future__ import annotations

from dataclasses import replace

from tinykit.ir import Graph, Op, Tensor


def substitute(op: Op, replacements: dict[int, Tensor]) -> Op:
    """``op`` reading ``replacements[i]`` wherever it read tensor ``i``."""
    if not any(t is not None and t.index in replacements for t in op.inputs):
        return op
    return replace(op, inputs=tuple(None if t is None else replacements.get(t.index, t) for t in op.inputs))


def rebuild(graph: Graph, ops: list[Op], replacements: dict[int, Tensor]) -> Graph:
    """``graph`` with ``ops`` and every read of tensor ``i`` (by ops and as a graph
    output) turned into ``replacements[i]``. A replacement of the same index
    (a tensor made constant) also takes its place in ``graph.tensors``."""
    same_index = {i: t for i, t in replacements.items() if t.index == i}
    return replace(
        graph,
        tensors=tuple(same_index.get(t.index, t) for t in graph.tensors),
        ops=tuple(substitute(op, replacements) for op in ops),
        outputs=tuple(replacements.get(t.index, t) for t in graph.outputs),
    )
