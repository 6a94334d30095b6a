"""Remove ops whose outputs nothing reads.

Folding leaves the shape arithmetic that fed a RESHAPE (SHAPE, STRIDED_SLICE,
PACK...) with no reader, since the reader takes a RESHAPE's shape from its
output tensor; this pass sweeps such ops away, and anything else the graph's
outputs do not depend on.
"""

from __future__ import annotations

from dataclasses import replace

from tinykit.ir import Graph


def remove_dead_ops(graph: Graph) -> Graph:
    """``graph`` without the ops none of whose outputs reaches a graph output."""
    needed = {t.index for t in graph.outputs}
    kept = []
    for op in reversed(graph.ops):
        if any(t.index in needed for t in op.outputs):
            kept.append(op)
            needed |= {t.index for t in op.inputs if t is not None}
    return replace(graph, ops=tuple(reversed(kept)))
