"""Nearest-neighbour upsampling written as TILE becomes RESIZE_NEAREST_NEIGHBOR.

Keras writes ``UpSampling2D(interpolation="nearest")`` as a repeat along
height, then along width, and TensorFlow's converter writes each repeat as a
view inserting an axis of extent 1 after the repeated one, a TILE of that
axis and a view folding it back: [N,H,W,C] -> [N,H,1,W,C] -> TILE ->
[N,H,s,W,C] -> [N,H*s,W,C] (or straight on to the next repeat's view).
tflite-micro has no TILE kernel. Such a TILE, between views, is output row
``y`` copying input row ``y // s``: RESIZE_NEAREST_NEIGHBOR (no corner
alignment, no half-pixel centres) on the same bytes seen as [N,H,W,C] ->
[N,H*s,W,C], whenever tflite-micro's float32 index arithmetic lands on those
rows (checked for the sizes at hand; otherwise the TILE stays, and the reader
refuses it). The height and width repeats then fuse into one resize, and the
views that only re-state a shape drop out. Runs after ``views_as_reshape``,
so every view is a RESHAPE.
"""

from __future__ import annotations

from dataclasses import replace

from tinykit.codegen.ops.spatial import nearest_neighbor_sources
from tinykit.ir import Graph, Op, OpKind, ResizeOptions, Tensor, TileOptions

_NEAREST = ResizeOptions(align_corners=False, half_pixel_centers=False)


def _repeats_rows(in_size: int, out_size: int) -> bool:
    """Whether tflite-micro's nearest-neighbour resize from ``in_size`` to ``out_size`` sends index y to y // s."""
    if out_size % in_size:
        return False
    factor = out_size // in_size
    return nearest_neighbor_sources(in_size, out_size, False, False) == [y // factor for y in range(out_size)]


def _is_repeat(op: Op) -> bool:
    """A RESIZE_NEAREST_NEIGHBOR that repeats rows and columns a whole number of times."""
    if op.kind is not OpKind.RESIZE_NEAREST_NEIGHBOR or op.options != _NEAREST:
        return False
    (_, in_h, in_w, _), (_, out_h, out_w, _) = op.inputs[0].shape, op.outputs[0].shape
    return _repeats_rows(in_h, out_h) and _repeats_rows(in_w, out_w)


def _as_resize_shapes(tile: Op) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The [N,H,W,C] input and output shapes of a TILE that repeats H or W, or None when it does not."""
    assert isinstance(tile.options, TileOptions)
    shape, multiples = tile.inputs[0].shape, tile.options.multiples
    if len(shape) != 5:
        return None
    for axis in (1, 2):  # the repeated axis of extent 1 follows height (1) or width (2)
        times = multiples[axis + 1]
        if shape[axis + 1] == 1 and all(m == 1 for i, m in enumerate(multiples) if i != axis + 1):
            squeezed = shape[:axis + 1] + shape[axis + 2:]
            grown = tuple(d * times if i == axis else d for i, d in enumerate(squeezed))
            return (squeezed, grown) if _repeats_rows(squeezed[axis], grown[axis]) else None
    return None


class _Rewrite:
    """The graph's ops as a list, with who writes and who reads each tensor, edited in place."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.ops = list(graph.ops)
        self.outputs = {t.index for t in graph.outputs}

    def producer(self, tensor: Tensor) -> Op | None:
        return next((op for op in self.ops if any(t.index == tensor.index for t in op.outputs)), None)

    def readers(self, tensor: Tensor) -> list[Op]:
        return [op for op in self.ops if any(t is not None and t.index == tensor.index for t in op.inputs)]

    def private(self, tensor: Tensor, reader_kind: OpKind | None = None) -> bool:
        """``tensor`` is not a graph output and has one reader (of ``reader_kind``, when given)."""
        readers = self.readers(tensor)
        return tensor.index not in self.outputs and len(readers) == 1 and \
            (reader_kind is None or readers[0].kind is reader_kind)

    def put(self, old: Op, new: Op | None) -> None:
        position = self.ops.index(old)
        if new is None:
            del self.ops[position]
        else:
            self.ops[position] = new

    def relabel(self, tensors: dict[int, Tensor]) -> None:
        """Every op reading or writing tensor ``i`` sees ``tensors[i]`` (the same bytes under another shape)."""
        def swap(t: Tensor | None) -> Tensor | None:
            return None if t is None else tensors.get(t.index, t)
        self.ops = [replace(op, inputs=tuple(map(swap, op.inputs)), outputs=tuple(map(swap, op.outputs)))
                    for op in self.ops]
        self.graph = replace(self.graph, tensors=tuple(map(swap, self.graph.tensors)))

    def result(self) -> Graph:
        return replace(self.graph, ops=tuple(self.ops))


def _identity_view_before(rw: _Rewrite, op: Op) -> Op | None:
    """The RESHAPE that writes ``op``'s input with its own input's shape, when only ``op`` reads it."""
    view = rw.producer(op.inputs[0])
    if view is None or not view.is_view or view.inputs[0].shape != view.outputs[0].shape \
            or not rw.private(op.inputs[0]):
        return None
    return view


def tiles_as_resize(graph: Graph) -> Graph:
    """``graph`` with every TILE that repeats height or width between views as RESIZE_NEAREST_NEIGHBOR,
    consecutive repeats fused into one resize."""
    rw = _Rewrite(graph)
    shapes: dict[int, Tensor] = {}
    made: list[int] = []
    for op in rw.ops:
        if op.kind is not OpKind.TILE or (resize_shapes := _as_resize_shapes(op)) is None:
            continue
        before, after = rw.producer(op.inputs[0]), rw.readers(op.outputs[0])
        if before is None or not before.is_view or not rw.private(op.inputs[0]) \
                or op.outputs[0].index in rw.outputs or not after or not all(reader.is_view for reader in after):
            continue  # the 5-D tensors are seen by more than views: they cannot change shape
        shapes[op.inputs[0].index] = replace(op.inputs[0], shape=resize_shapes[0])
        shapes[op.outputs[0].index] = replace(op.outputs[0], shape=resize_shapes[1])
        made.append(op.index)
    rw.ops = [replace(op, kind=OpKind.RESIZE_NEAREST_NEIGHBOR, options=_NEAREST) if op.index in made else op
              for op in rw.ops]
    rw.relabel(shapes)
    for index in made:
        resize = next(op for op in rw.ops if op.index == index)
        # Read past a view that only re-states the shape, and through an earlier repeat read only here.
        while (view := _identity_view_before(rw, resize)) is not None:
            reading_past = replace(resize, inputs=view.inputs[:1])
            rw.put(resize, reading_past)
            rw.put(view, None)
            resize = reading_past
        earlier = rw.producer(resize.inputs[0])
        if earlier is not None and earlier.index in made and rw.private(resize.inputs[0]):
            fused = replace(resize, inputs=earlier.inputs)
            if _is_repeat(fused):
                rw.put(resize, fused)
                rw.put(earlier, None)
    for index in made:  # write straight into a view that only re-states the shape
        resize = next((op for op in rw.ops if op.index == index), None)
        if resize is not None and rw.private(resize.outputs[0]):
            view = rw.readers(resize.outputs[0])[0]
            if view.is_view and view.inputs[0].shape == view.outputs[0].shape:
                rw.put(resize, replace(resize, outputs=view.outputs))
                rw.put(view, None)
    return rw.result()
