"""Constant folding: ops whose operands are all known at build time become constants.

SHAPE is known from its input's static shape alone (TFLite stores a dynamic
batch as 1 in a tensor's shape); the ops that do arithmetic on shapes and
move bytes (STRIDED_SLICE, SLICE, PACK, UNPACK, SPLIT, SPLIT_V,
CONCATENATION, GATHER, REDUCE_PROD, TRANSPOSE, TILE, RESHAPE, EXPAND_DIMS, SQUEEZE)
are evaluated here with numpy when all their inputs are constants. Their
outputs become constant tensors; the ops that are then unread are removed by
``remove_dead_ops``. An op whose output is a graph output is kept: the model
promised to compute it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from tinykit.errors import TinykitError
from tinykit.ir import (
    Activation, AxisOptions, ConcatenationOptions, Graph, MeanOptions, Op, OpKind, SliceOptions, Tensor,
    TileOptions, TransposeOptions,
)
from tinykit.simplify.rewrite import rebuild, substitute


def window(array: np.ndarray, options: SliceOptions) -> np.ndarray:
    """The elements STRIDED_SLICE or SLICE take from ``array`` (shrunk axes kept, of extent 1)."""
    indices = [b + s * np.arange(e) for b, s, e in zip(options.begin, options.strides, options.extents)]
    return array[np.ix_(*indices)]


def _split(array: np.ndarray, op: Op) -> list[np.ndarray]:
    """SPLIT, SPLIT_V and UNPACK: consecutive pieces along the axis, as long as the outputs say."""
    assert isinstance(op.options, AxisOptions)
    axis = op.options.axis
    sizes = [1 if op.kind is OpKind.UNPACK else out.shape[axis] for out in op.outputs]
    return np.split(array, np.cumsum(sizes)[:-1], axis=axis)


def _options(op: Op, cls: type):
    assert isinstance(op.options, cls), f"{op.kind.value} read with options {op.options!r}"
    return op.options


_EVALUATE: dict[OpKind, Callable[[Op, list[np.ndarray]], list[np.ndarray]]] = {
    OpKind.RESHAPE: lambda op, xs: [xs[0]],
    OpKind.EXPAND_DIMS: lambda op, xs: [xs[0]],
    OpKind.SQUEEZE: lambda op, xs: [xs[0]],
    OpKind.STRIDED_SLICE: lambda op, xs: [window(xs[0], _options(op, SliceOptions))],
    OpKind.SLICE: lambda op, xs: [window(xs[0], _options(op, SliceOptions))],
    OpKind.TRANSPOSE: lambda op, xs: [np.transpose(xs[0], _options(op, TransposeOptions).perm)],
    OpKind.TILE: lambda op, xs: [np.tile(xs[0], _options(op, TileOptions).multiples)],
    OpKind.PACK: lambda op, xs: [np.stack(xs, axis=_options(op, AxisOptions).axis)],
    OpKind.CONCATENATION: lambda op, xs: [np.concatenate(xs, axis=_options(op, ConcatenationOptions).axis)],
    OpKind.GATHER: lambda op, xs: [np.take(xs[0], xs[1], axis=_options(op, AxisOptions).axis)],
    OpKind.REDUCE_PROD: lambda op, xs: [np.prod(xs[0], axis=_options(op, MeanOptions).axes,
                                                keepdims=op.options.keep_dims, dtype=xs[0].dtype)],
    OpKind.UNPACK: lambda op, xs: _split(xs[0], op),
    OpKind.SPLIT: lambda op, xs: _split(xs[0], op),
    OpKind.SPLIT_V: lambda op, xs: _split(xs[0], op),
}


# Op kinds this pass evaluates on constant operands (SHAPE needs none).
FOLDABLE = frozenset({OpKind.SHAPE, *_EVALUATE})


def _foldable(op: Op) -> bool:
    if op.kind is OpKind.SHAPE:
        return True  # needs only the input's static shape
    if op.kind not in _EVALUATE or not all(t is not None and t.is_constant for t in op.inputs):
        return False
    # A fused activation would clamp, not just move values.
    return not (isinstance(op.options, ConcatenationOptions) and op.options.activation is not Activation.NONE)


def _evaluate(op: Op) -> list[np.ndarray]:
    if op.kind is OpKind.SHAPE:
        return [np.array(op.inputs[0].shape)]
    try:
        return _EVALUATE[op.kind](op, [t.array() for t in op.inputs])
    except (IndexError, ValueError) as error:
        raise TinykitError(
            f"op {op.index} ({op.kind.value}) cannot be evaluated on its constant operands ({error}). The model "
            "file is inconsistent; re-convert it."
        ) from None


def _as_constant(op: Op, out: Tensor, value: np.ndarray) -> Tensor:
    if value.size != out.size:
        raise TinykitError(
            f"op {op.index} ({op.kind.value}) computes {value.size} values from its constant operands, but its "
            f"output {out.name!r} has shape {list(out.shape)}. The model file is inconsistent; re-convert it."
        )
    return replace(out, data=np.ascontiguousarray(value.reshape(out.shape), dtype=out.dtype.numpy).tobytes())


def fold_constants(graph: Graph) -> Graph:
    """``graph`` with every foldable op's outputs turned into constants (ops in order, so chains fold)."""
    output_indices = {t.index for t in graph.outputs}
    folded: dict[int, Tensor] = {}
    kept: list[Op] = []
    for op in graph.ops:
        op = substitute(op, folded)
        if not _foldable(op) or any(t.index in output_indices for t in op.outputs):
            kept.append(op)
            continue
        for out, value in zip(op.outputs, _evaluate(op), strict=True):
            folded[out.index] = _as_constant(op, out, value)
    return rebuild(graph, kept, folded)
