"""EXPAND_DIMS and SQUEEZE become RESHAPE: all three are the input's bytes
under another shape (``Op.is_view``), which the planner places on the input's
buffer so nothing is copied. A Conv1D, written by the converter as
EXPAND_DIMS -> CONV_2D -> RESHAPE, thereby runs the 2-D kernel on one row."""

from __future__ import annotations

from dataclasses import replace

from tinykit.ir import Graph, OpKind

_VIEWS = (OpKind.EXPAND_DIMS, OpKind.SQUEEZE)


def views_as_reshape(graph: Graph) -> Graph:
    """``graph`` with every EXPAND_DIMS and SQUEEZE turned into a RESHAPE to the same output."""
    return replace(graph, ops=tuple(
        replace(op, kind=OpKind.RESHAPE, options=None) if op.kind in _VIEWS else op for op in graph.ops
    ))
