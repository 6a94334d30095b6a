"""What makes an op legal for tinykit: one place the reader, the search, the
kernel selection and the emitters all consult.

Each op kind registers its checks with ``@legality(OpKind.X)`` in a module of
this package (one module per op family). A check raises ``TinykitError``
naming the op, the tensor or option at fault, and the fix; it never returns a
flag, so no caller can forget to act on it. ``check_graph`` runs them all and
is called by the TFLite reader, so a graph the code generator would refuse is
refused before planning.
"""

from __future__ import annotations

import functools
from typing import Callable

from tinykit.ir import Graph, Op, OpKind

Check = Callable[[Op], None]

CHECKS: dict[OpKind, list[Check]] = {}


def legality(*kinds: OpKind) -> Callable[[Check], Check]:
    """Register ``check`` for every op kind in ``kinds``."""

    def register(check: Check) -> Check:
        for kind in kinds:
            CHECKS.setdefault(kind, []).append(check)
        return check

    return register


def check_op(op: Op) -> None:
    """Raise TinykitError if ``op`` is not one tinykit can compile."""
    _load_families()
    for check in CHECKS.get(op.kind, ()):
        check(op)


def check_graph(graph: Graph) -> None:
    """Raise TinykitError for the first graph-wide fault (see ``graph.py``) or
    the first op of ``graph`` tinykit cannot compile."""
    from tinykit.legality.graph import check_structure

    check_structure(graph)
    for op in graph.ops:
        check_op(op)


@functools.cache
def _load_families() -> None:
    """Import the per-family modules, which fill CHECKS (deferred: they import this module).

    Once per process: listing the package's folder on every op took 40% of
    checking a graph, and the search checks thousands of candidate graphs."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
