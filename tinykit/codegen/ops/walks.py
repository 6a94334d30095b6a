"""The strided walks of broadcasting and reducing kernels (``tinykit/strides.h``).

A binary op's operands are read through a ``tk_broadcast`` (one output shape,
one stride per dimension and input, 0 where the input is broadcast); a
reduction reads its input through a ``tk_reduction`` (the kept dimensions,
one output each, and the reduced ones). Both are computed here at build time,
with extent-1 dimensions dropped and neighbouring dimensions that walk alike
merged, so the kernels' innermost loops run over long contiguous rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from tinykit.codegen.emit import EmitContext

MAX_RANK = 6  # TK_MAX_RANK in tinykit/strides.h


def contiguous_strides(shape: Sequence[int]) -> list[int]:
    """Row-major element strides of a dense tensor of ``shape``."""
    strides, step = [], 1
    for extent in reversed(shape):
        strides.append(step)
        step *= extent
    return strides[::-1]


def merge_dims(shape: Sequence[int], *strides: Sequence[int]) -> tuple[list[int], list[list[int]]]:
    """``shape`` and its stride lists with extent-1 dimensions dropped and each
    dimension folded into the one before it when every stride list steps
    through both as through one (outer stride = inner stride * inner extent).
    Never empty: a walk over nothing but extent-1 dimensions is one step."""
    kept = [d for d, extent in enumerate(shape) if extent != 1]
    out_shape: list[int] = []
    out_strides: list[list[int]] = [[] for _ in strides]
    for d in kept:
        if out_shape and all(s[-1] == own[d] * shape[d] for s, own in zip(out_strides, strides)):
            out_shape[-1] *= shape[d]
            for s, own in zip(out_strides, strides):
                s[-1] = own[d]
        else:
            out_shape.append(shape[d])
            for s, own in zip(out_strides, strides):
                s.append(own[d])
    if not out_shape:
        return [1], [[0] for _ in strides]
    return out_shape, out_strides


def broadcast_strides(shape: Sequence[int], output_shape: Sequence[int]) -> list[int]:
    """Strides of an input of ``shape`` read at every position of ``output_shape``
    (numpy broadcasting: leading dimensions added, extent-1 dimensions repeated)."""
    rank = len(output_shape)
    extended = [1] * (rank - len(shape)) + list(shape)
    own = contiguous_strides(extended)
    return [0 if extent == 1 else stride for extent, stride in zip(extended, own)]


def _array(values: Sequence[int]) -> str:
    return "{" + ", ".join(str(v) for v in values) + "}"


def broadcast_struct(ctx: EmitContext, shape1: Sequence[int], shape2: Sequence[int],
                     output_shape: Sequence[int]) -> str:
    """Address of the ``tk_broadcast`` reading inputs of ``shape1`` and ``shape2`` into ``output_shape``."""
    shape, (stride1, stride2) = merge_dims(
        output_shape, broadcast_strides(shape1, output_shape), broadcast_strides(shape2, output_shape))
    return ctx.struct("tk_broadcast", "broadcast", {
        "rank": str(len(shape)), "shape": _array(shape),
        "input1_stride": _array(stride1), "input2_stride": _array(stride2),
    })


def reduction_struct(ctx: EmitContext, input_shape: Sequence[int], axes: Sequence[int]) -> str:
    """Address of the ``tk_reduction`` of an input of ``input_shape`` reduced over ``axes``."""
    strides = contiguous_strides(input_shape)
    kept = [d for d in range(len(input_shape)) if d not in axes]
    reduced = sorted(set(axes))
    outer_shape, (outer_stride,) = merge_dims([input_shape[d] for d in kept], [strides[d] for d in kept])
    inner_shape, (inner_stride,) = merge_dims([input_shape[d] for d in reduced], [strides[d] for d in reduced])
    return ctx.struct("tk_reduction", "reduction", {
        "outer_rank": str(len(outer_shape)), "outer_shape": _array(outer_shape), "outer_stride": _array(outer_stride),
        "inner_rank": str(len(inner_shape)), "inner_shape": _array(inner_shape), "inner_stride": _array(inner_stride),
    })
