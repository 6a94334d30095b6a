"""Read-time graph simplification: pure IR -> IR passes the reader runs on
every graph it builds, before legality and code generation.

TensorFlow's converter keeps the batch dimension dynamic unless told
otherwise, so a plain ``TFLiteConverter`` file computes shapes at run time
(SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE for a Flatten) and writes Conv1D
as EXPAND_DIMS -> CONV_2D -> RESHAPE. The reader reads such ops as they are;
these passes fold them into static shapes, turn shape changes into views of
the same bytes and drop ops that do nothing, so that what remains is ops
tinykit has kernels for. Each pass is one module with its own tests.
"""

from __future__ import annotations

from collections.abc import Callable

from tinykit.ir import Graph, OpKind
from tinykit.simplify.dead_ops import remove_dead_ops
from tinykit.simplify.fold import FOLDABLE, fold_constants
from tinykit.simplify.identity import remove_identity_quantize
from tinykit.simplify.static_shapes import static_shapes
from tinykit.simplify.upsample import tiles_as_resize
from tinykit.simplify.views import views_as_reshape

# Op kinds the reader represents only so that these passes can fold them: no kernel runs them.
FOLDED_ONLY = frozenset({OpKind.SHAPE, OpKind.GATHER, OpKind.REDUCE_PROD, OpKind.EXPAND_DIMS, OpKind.SQUEEZE,
                         OpKind.TILE})

# In order: folding makes shape operands constant, static_shapes reads them and drops
# them (their producers die); views and identities are rewritten next; the dead-op
# sweep then removes what nothing reads. TILE chains are matched once their views are RESHAPEs.
PASSES: tuple[Callable[[Graph], Graph], ...] = (
    fold_constants,
    static_shapes,
    remove_identity_quantize,
    views_as_reshape,
    tiles_as_resize,
    remove_dead_ops,
)


__all__ = ["FOLDABLE", "FOLDED_ONLY", "PASSES", "fold_constants", "remove_dead_ops", "remove_identity_quantize", "simplify",
           "static_shapes", "tiles_as_resize", "views_as_reshape"]


def simplify(graph: Graph) -> Graph:
    """``graph`` with every pass of ``PASSES`` applied."""
    for simplify_pass in PASSES:
        graph = simplify_pass(graph)
    return graph
