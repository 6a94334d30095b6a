"""Legality of the data-movement ops: TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT,
SPLIT_V, PACK and UNPACK.

Their kernels copy int8 bytes (tinykit's as TF Lite Micro's), so every output
must carry its input's quantization: otherwise tflite-micro would copy values
unscaled, which silently gives wrong numbers, and tinykit refuses instead.
Tensors have at most 4 dimensions (the kernels take NHWC dims), and every
shape must agree with the op's options.
"""

from __future__ import annotations

import math

from tinykit.codegen.ops.arithmetic import same_quantization
from tinykit.errors import TinykitError
from tinykit.ir import AxisOptions, Op, OpKind, SliceOptions, Tensor, TransposeOptions
from tinykit.legality import legality
from tinykit.legality.common import describe, require_int8_activations

_MOVEMENT = (OpKind.TRANSPOSE, OpKind.STRIDED_SLICE, OpKind.SLICE, OpKind.SPLIT, OpKind.SPLIT_V, OpKind.PACK,
             OpKind.UNPACK)
_RE_CONVERT = "The model file is inconsistent; re-convert it."


def _inconsistent(op: Op, what: str) -> TinykitError:
    return TinykitError(f"{describe(op)}: {what}. {_RE_CONVERT}")


@legality(*_MOVEMENT)
def int8_same_quantization_rank_4(op: Op) -> None:
    """int8 per-tensor tensors of rank at most 4, every one quantized as the first input."""
    tensors = [t for t in (*op.inputs, *op.outputs) if t is not None]
    require_int8_activations(op, tensors)
    reference = tensors[0]
    for t in tensors:
        if len(t.shape) > 4:
            raise TinykitError(
                f"{describe(op)}: tensor {t.name!r} has {len(t.shape)} dimensions {list(t.shape)}; tinykit's "
                f"{op.kind.value} kernel handles at most 4. Reshape the model so this layer works on tensors of rank 4 "
                "or less."
            )
        if not same_quantization(t, reference):
            raise TinykitError(
                f"{describe(op)}: tensor {t.name!r} is quantized with scale {t.quant.single_scale} and zero point "
                f"{t.quant.single_zero_point}, tensor {reference.name!r} with scale {reference.quant.single_scale} "
                f"and zero point {reference.quant.single_zero_point}. TF Lite Micro's int8 {op.kind.value} copies "
                "bytes without requantizing, so they must share one quantization. Convert the model with the TFLite "
                "converter, which gives them the same quantization."
            )


@legality(OpKind.TRANSPOSE)
def transpose_shapes(op: Op) -> None:
    assert isinstance(op.options, TransposeOptions)
    inp, out = op.inputs[0], op.outputs[0]
    perm = op.options.perm
    if sorted(perm) != list(range(len(inp.shape))):
        raise _inconsistent(op, f"the permutation {list(perm)} does not reorder the input's {len(inp.shape)} axes")
    if tuple(out.shape) != tuple(inp.shape[p] for p in perm):
        raise _inconsistent(op, f"the output shape {list(out.shape)} is not the input's {list(inp.shape)} "
                                f"permuted by {list(perm)}")


def sliced_shape(options: SliceOptions) -> tuple[int, ...]:
    """The output shape of a STRIDED_SLICE or SLICE: its extents without the shrunk axes."""
    return tuple(e for axis, e in enumerate(options.extents) if axis not in options.shrink_axes)


@legality(OpKind.STRIDED_SLICE, OpKind.SLICE)
def slice_window(op: Op) -> None:
    assert isinstance(op.options, SliceOptions)
    opts, inp, out = op.options, op.inputs[0], op.outputs[0]
    for size, begin, stride, extent in zip(inp.shape, opts.begin, opts.strides, opts.extents, strict=True):
        last = begin + (extent - 1) * stride
        if extent > 0 and not (0 <= begin < size and 0 <= last < size):
            raise _inconsistent(op, f"the window (begin {list(opts.begin)}, strides {list(opts.strides)}, extents "
                                    f"{list(opts.extents)}) reaches outside the input's shape {list(inp.shape)}")
    if tuple(out.shape) != sliced_shape(opts):
        raise _inconsistent(op, f"the output shape {list(out.shape)} differs from the slice's {list(sliced_shape(opts))}")


def _others(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return tuple(d for a, d in enumerate(shape) if a != axis)


@legality(OpKind.SPLIT, OpKind.SPLIT_V)
def split_shapes(op: Op) -> None:
    assert isinstance(op.options, AxisOptions)
    inp, axis = op.inputs[0], op.options.axis
    if not 0 <= axis < len(inp.shape):
        raise _inconsistent(op, f"the axis {axis} is outside the input's {len(inp.shape)} dimensions")
    for out in op.outputs:
        if len(out.shape) != len(inp.shape) or _others(out.shape, axis) != _others(inp.shape, axis):
            raise _inconsistent(op, f"output {out.name!r} has shape {list(out.shape)}, which does not match the "
                                    f"input {list(inp.shape)} outside axis {axis}")
    if sum(out.shape[axis] for out in op.outputs) != inp.shape[axis]:
        raise _inconsistent(op, f"the outputs' extents along axis {axis} do not add up to the input's {inp.shape[axis]}")


def _stacked(op: Op, stacked: Tensor, pieces: list[Tensor]) -> None:
    """PACK's output or UNPACK's input against the pieces it stacks along the axis."""
    assert isinstance(op.options, AxisOptions)
    axis = op.options.axis
    if not 0 <= axis < len(stacked.shape):
        raise _inconsistent(op, f"the axis {axis} is outside the {len(stacked.shape)} dimensions of {stacked.name!r}")
    expected = _others(stacked.shape, axis)
    for piece in pieces:
        if tuple(piece.shape) != expected:
            raise _inconsistent(op, f"tensor {piece.name!r} has shape {list(piece.shape)}, but stacking along axis "
                                    f"{axis} into {list(stacked.shape)} needs {list(expected)}")
    if stacked.shape[axis] != len(pieces) or math.prod(stacked.shape) != sum(p.size for p in pieces):
        raise _inconsistent(op, f"{len(pieces)} tensors do not stack into {list(stacked.shape)} along axis {axis}")


@legality(OpKind.PACK)
def pack_shapes(op: Op) -> None:
    _stacked(op, op.outputs[0], [t for t in op.inputs if t is not None])


@legality(OpKind.UNPACK)
def unpack_shapes(op: Op) -> None:
    _stacked(op, op.inputs[0], list(op.outputs))
