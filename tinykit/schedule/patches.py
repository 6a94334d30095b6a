"""Patch-based execution of a network's first stage (as MCUNetV2 does).

A high-resolution network's arena peaks in its first layers, where the
activations are largest. A *patch stage* is a chain of spatially local ops
(convolutions, depthwise convolutions, pools) run patch by patch: the last
op's output is cut into a grid of patches, and for each patch every op of
the chain computes only the region of its output that the patch needs
(halos grow backwards through the chain, clipped to the image) into a small
patch buffer; the last op writes its region of the stage's full output. The
intermediate tensors are never whole in the arena, only one patch of each.

Everything is decided here at build time (``patch_stage``): each patch's
regions, the padding of each op's call on its region, the patch buffer sizes
and the recomputed MACs (halos are computed by more than one patch). Each
output pixel is computed exactly as the whole layer computes it: a region
that reaches the image border is padded with its input's zero point by the
kernel (the call's padding says how much), an interior edge reads the
neighbour's real pixels from its halo.

The kernels take dense NHWC tensors, so a patch whose input or output is not
whole rows of the full tensor goes through a copy: the stage's input window
is copied into a window buffer, the last op's output region is computed in
its own patch buffer and copied into the full output (``PatchStage.window_bytes``,
``PatchStage.output_patch_bytes``; both planned in the arena). A patch of
whole rows reads and writes the full tensors in place.

The stage is part of the ``Schedule`` (its ``patches``): the planner, the
code generator, the build hash and ``tinykit.json`` read it from there;
``tinykit.planner.patch_choice`` decides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tinykit.errors import TinykitError
from tinykit.ir import Conv2DOptions, DepthwiseConv2DOptions, Graph, Op, OpKind, Pool2DOptions, conv_padding_before

# The op kinds a patch stage may hold: each output pixel reads a window of input pixels.
PATCH_KINDS = frozenset({OpKind.CONV_2D, OpKind.DEPTHWISE_CONV_2D, OpKind.AVERAGE_POOL_2D, OpKind.MAX_POOL_2D})
# tk_copy_rows (tinykit/patch.h): a window copied in or a patch's output copied out.
COPY_ROWS_SOURCE = "reference/tk_copy_rows.c"


@dataclass(frozen=True)
class Region:
    """Rows ``[y0, y1)`` and columns ``[x0, x1)`` of an NHWC tensor."""

    y0: int
    y1: int
    x0: int
    x1: int

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    def to_json(self) -> list[int]:
        return [self.y0, self.y1, self.x0, self.x1]


@dataclass(frozen=True)
class PatchStep:
    """One op of one patch: the region of its input it reads, the region of
    its output it computes, and the (top, left) padding its kernel call uses
    on that input region (nonzero only where the region meets the image border)."""

    op_index: int
    input: Region
    output: Region
    pad: tuple[int, int]


@dataclass(frozen=True)
class PatchStage:
    """A chain of ops run patch by patch (see the module's docstring).

    ``ops`` are consecutive op indices, each op reading the previous one's
    output; ``patches`` holds one step per op for each patch of the
    ``grid`` (rows, columns), in row-major patch order. ``buffer_bytes``
    is, for each op but the last, its patch buffer's size (the largest of its
    output regions)."""

    ops: tuple[int, ...]
    grid: tuple[int, int]
    patches: tuple[tuple[PatchStep, ...], ...]
    buffer_bytes: tuple[int, ...]
    window_bytes: int  # the stage input's window copy (0: every patch reads whole rows in place)
    output_patch_bytes: int  # the last op's region before its copy out (0: whole rows, written in place)
    macs: int  # the stage's MACs patch by patch
    extra_macs: int  # over the stage's MACs as whole layers (halos computed more than once)
    model_macs: int  # the whole model's MACs without patches
    arena_without: int = 0  # the planned arena of the same schedule without patches (0: not planned)

    @property
    def recompute(self) -> float:
        """Extra MACs as a fraction of the model's (what ``--max-recompute`` caps)."""
        return self.extra_macs / self.model_macs if self.model_macs else 0.0

    def describe(self) -> str:
        """One line for the build's output and the plan listing."""
        return (f"ops {self.first}..{self.last} run patch by patch, a {self.grid[0]}x{self.grid[1]} grid; "
                f"{self.extra_macs:,} MACs recomputed in halos ({100 * self.recompute:.1f}% of the model's)")

    @property
    def first(self) -> int:
        return self.ops[0]

    @property
    def last(self) -> int:
        return self.ops[-1]

    @property
    def sources(self) -> tuple[str, ...]:
        """The runtime's C files the stage's generated function calls (relative to
        ``firmware/runtime/src``): the row copy, only when some patch is not whole rows."""
        return (COPY_ROWS_SOURCE,) if self.window_bytes or self.output_patch_bytes else ()

    def to_json(self) -> dict:
        return {
            "ops": list(self.ops), "grid": list(self.grid), "buffer_bytes": list(self.buffer_bytes),
            "window_bytes": self.window_bytes, "output_patch_bytes": self.output_patch_bytes,
            "macs": self.macs, "extra_macs": self.extra_macs, "model_macs": self.model_macs,
            "arena_without": self.arena_without,
        }


def _window(op: Op) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel, stride, dilation) of a patch op, each as (h, w)."""
    opts = op.options
    if isinstance(opts, Pool2DOptions):
        return (opts.filter_h, opts.filter_w), (opts.stride_h, opts.stride_w), (1, 1)
    assert isinstance(opts, (Conv2DOptions, DepthwiseConv2DOptions))
    _, k_h, k_w, _ = op.inputs[1].shape
    return (k_h, k_w), (opts.stride_h, opts.stride_w), (opts.dilation_h, opts.dilation_w)


def _input_span(start: int, end: int, size: int, kernel: int, stride: int, dilation: int, pad: int) -> tuple[int, int, int]:
    """The input rows [lo, hi) that output rows [start, end) read along one axis of length ``size``,
    clipped to the image, and the padding before ``lo`` the call on them needs."""
    first = start * stride - pad
    last = (end - 1) * stride - pad + (kernel - 1) * dilation
    lo, hi = max(first, 0), min(last + 1, size)
    return lo, hi, lo - first


def _splits(size: int, parts: int) -> list[tuple[int, int]]:
    """``size`` cut into ``parts`` nearly equal spans (the first ones one longer when it does not divide)."""
    bounds = [size * i // parts for i in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:])]


def stage_problem(graph: Graph, ops: Sequence[int]) -> str | None:
    """Why ops ``ops`` (consecutive indices) cannot form a patch stage, or None when they can."""
    if not ops or list(ops) != list(range(ops[0], ops[0] + len(ops))) or ops[-1] >= len(graph.ops):
        return "a patch stage is a run of consecutive ops of the graph"
    outputs = {t.index for t in graph.outputs}
    for position, index in enumerate(ops):
        op = graph.ops[index]
        if op.index != index:
            return "the graph's ops are not numbered in execution order"
        if op.kind not in PATCH_KINDS:
            return f"op {index} is {op.kind.value}, not one of {', '.join(sorted(k.value for k in PATCH_KINDS))}"
        inp, out = op.inputs[0], op.outputs[0]
        if len(inp.shape) != 4 or len(out.shape) != 4 or inp.shape[0] != 1 or len(op.outputs) != 1:
            return f"op {index} is not a single-image NHWC op"
        if position > 0 and inp.index != graph.ops[ops[position - 1]].outputs[0].index:
            return f"op {index} does not read the output of op {ops[position - 1]}"
        if position < len(ops) - 1:
            readers = [o.index for o in graph.ops if any(t is not None and t.index == out.index for t in o.inputs)]
            if readers != [index + 1] or out.index in outputs:
                return f"the output of op {index} is read by another op than op {index + 1} or is a graph output"
    return None


def patch_stage(graph: Graph, ops: Sequence[int], grid: tuple[int, int]) -> PatchStage:
    """The patch stage running ops ``ops`` of ``graph`` on a ``grid`` of (rows, columns) patches."""
    problem = stage_problem(graph, ops)
    if problem is None:
        last_out = graph.ops[ops[-1]].outputs[0]
        _, out_h, out_w, _ = last_out.shape
        if not (1 <= grid[0] <= out_h and 1 <= grid[1] <= out_w):
            problem = f"a {grid[0]}x{grid[1]} grid does not fit the stage's {out_h}x{out_w} output"
    if problem is not None:
        raise TinykitError(f"Ops {list(ops)} cannot run patch by patch: {problem}. Choose other stage ops or another grid.")
    patches = []
    for y0, y1 in _splits(out_h, grid[0]):
        for x0, x1 in _splits(out_w, grid[1]):
            steps = []
            region = Region(y0, y1, x0, x1)
            for index in reversed(ops):
                op = graph.ops[index]
                (k_h, k_w), (s_h, s_w), (d_h, d_w) = _window(op)
                _, in_h, in_w, _ = op.inputs[0].shape
                padding = op.options.padding
                pad_h = conv_padding_before(in_h, k_h, s_h, d_h, padding)
                pad_w = conv_padding_before(in_w, k_w, s_w, d_w, padding)
                iy0, iy1, top = _input_span(region.y0, region.y1, in_h, k_h, s_h, d_h, pad_h)
                ix0, ix1, left = _input_span(region.x0, region.x1, in_w, k_w, s_w, d_w, pad_w)
                steps.append(PatchStep(index, Region(iy0, iy1, ix0, ix1), region, (top, left)))
                region = Region(iy0, iy1, ix0, ix1)
            patches.append(tuple(reversed(steps)))
    ops_t = tuple(ops)

    def region_bytes(region: Region, channels: int) -> int:
        return region.height * region.width * channels

    buffer_bytes = tuple(
        max(region_bytes(p[k].output, graph.ops[i].outputs[0].shape[3]) for p in patches) for k, i in enumerate(ops_t[:-1])
    )
    first_in = graph.ops[ops_t[0]].inputs[0]
    window_bytes = max((region_bytes(p[0].input, first_in.shape[3]) for p in patches
                        if p[0].input.width != first_in.shape[2]), default=0)
    output_patch_bytes = max((region_bytes(p[-1].output, last_out.shape[3]) for p in patches
                              if p[-1].output.width != out_w), default=0)
    macs = sum(_region_macs(graph.ops[s.op_index], s.output) for p in patches for s in p)
    whole = sum(graph.ops[i].macs() for i in ops_t)
    return PatchStage(ops_t, grid, tuple(patches), buffer_bytes, window_bytes, output_patch_bytes, macs, macs - whole,
                      graph.macs())


def _region_macs(op: Op, region: Region) -> int:
    """The MACs of ``op`` computing only ``region`` of its output (MACs are the same for every output pixel)."""
    _, out_h, out_w, _ = op.outputs[0].shape
    return op.macs() // (out_h * out_w) * region.height * region.width
