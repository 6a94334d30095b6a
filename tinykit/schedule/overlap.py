"""Overlap rules: when a kernel's output may share arena bytes with an input.

A kernel variant declares, for an op, a tuple of ``Overlap(input, min_distance)``:
when input ``input`` is dead after the op (no later op reads it, it is not a
graph output) and ``input_offset - output_offset >= min_distance`` (bytes),
running the kernel with the output overlapping that input gives the same
output bytes as with disjoint buffers, because of the order in which it
reads and writes. Disjoint buffers are always allowed; any other overlap is
not. ``min_distance`` 0 with equal sizes is the classic in-place execution;
a positive distance puts the output that far below the input (a 3x3
depthwise layer writes pixel q over input pixels its later pixels no longer
read); a negative one lets the output start above the input.

The rule holds for every distance at or above ``min_distance``, which the
planner (``tinykit/planner``) relies on, and the rules of several inputs of
one op hold together (each input is disjoint from the others). Each rule is
derived from the kernel's loop order in its C file and checked by
tests/test_overlap_rules.py, which runs the kernel at exactly that distance.

``window_min_distance`` derives the distance of the kernels that walk output
pixels in NHWC order (convolutions, depthwise, fully connected as
1x1 pixels): write every byte of a block of output pixels below the first
input pixel that any pixel from the block on (or after the block) still reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from tinykit.ir import Op, conv_padding_before


@dataclass(frozen=True)
class Overlap:
    """The op's first output may overlap activation input ``input`` (its
    position in ``op.inputs``) when ``input_offset - output_offset`` lies in
    ``[min_distance, max_distance]`` bytes and the input dies at the op.

    ``max_distance`` None (most kernels) means every distance from
    ``min_distance`` up is safe. A kernel that writes a whole channel plane
    before reading the next channel's (cortexm/tk_depthwise_conv_3x3_s8.c)
    is safe only exactly in place: ``Overlap(i, 0, 0)``."""

    input: int
    min_distance: int
    max_distance: int | None = None

    def allows(self, distance: int) -> bool:
        """Whether the kernel is safe with its input ``distance`` bytes above its output."""
        return distance_allowed(distance, self.min_distance, self.max_distance)

    def to_json(self) -> dict:
        return {"input": self.input, "min_distance": self.min_distance, "max_distance": self.max_distance}


def distance_allowed(distance: int, min_distance: int, max_distance: int | None) -> bool:
    """Whether a rule of ``min_distance`` .. ``max_distance`` (None: no upper end) allows ``distance``."""
    return min_distance <= distance and (max_distance is None or distance <= max_distance)


def describe_distances(min_distance: int, max_distance: int | None) -> str:
    """The distances a rule allows, in words (plan listings and drawings)."""
    if max_distance is None:
        return f"{min_distance:,} or more"
    if max_distance == min_distance:
        return f"exactly {min_distance:,}"
    return f"{min_distance:,} to {max_distance:,}"


def exactly_in_place(op: Op) -> tuple[Overlap, ...]:
    """The rule of a kernel that may only write its output exactly over its
    first input (same start) or somewhere disjoint from it."""
    return (Overlap(0, 0, 0),)


def no_overlap(op: Op) -> tuple[Overlap, ...]:
    """The rule of a kernel whose output must never share bytes with an input."""
    return ()


def same_size_inputs(op: Op) -> tuple[Overlap, ...]:
    """Rule of element-wise kernels: they read element i before writing
    element i and never read an earlier element again, so the output may lie
    on (or below) any activation input of its own size and type."""
    out = op.outputs[0]
    return tuple(
        Overlap(i, 0) for i, t in enumerate(op.inputs)
        if t is not None and not t.is_constant and t.nbytes == out.nbytes and t.dtype == out.dtype
    )


class Order(Enum):
    """When a window kernel writes a block of output pixels relative to reading their inputs."""

    # A pixel's output bytes may be written before all its inputs are read
    # (each output channel re-reads the window): the writes must stay below
    # every input pixel the block or any later block reads. Cautious by the
    # block's last channels, which are written once every read is done.
    WRITES_DURING_READS = "during"
    # The block's inputs are all read (copied to scratch) before any of its
    # output is written: the writes must stay below the input pixels later blocks read.
    WRITES_AFTER_READS = "after"
    # Depth multiplier 1, one pixel at a time: output channel c (or its group
    # of channels, ascending) is written right after its own input channel's
    # reads over the window. A write may land on input pixels this pixel
    # still reads, but only on channels already done, as long as the distance
    # is a whole number of pixels or more than the span back to the lowest
    # pixel still to be read.
    CHANNEL_BY_CHANNEL = "channels"


@dataclass(frozen=True)
class Window:
    """How an NHWC window op maps output pixels to input pixels (one axis pair each)."""

    in_shape: tuple[int, int, int, int]
    out_shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pad: tuple[int, int]  # before (top, left)


def window_of(op: Op, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int] = (1, 1)) -> Window:
    """The window of a 4-D NHWC convolution or depthwise op (its padding from ``op.options``)."""
    in_shape, out_shape = op.inputs[0].shape, op.outputs[0].shape
    pad = tuple(conv_padding_before(in_shape[1 + a], kernel[a], stride[a], dilation[a], op.options.padding)
                for a in (0, 1))
    return Window(in_shape, out_shape, kernel, stride, dilation, pad)  # type: ignore[arg-type]


def _last_reader_per_axis(in_size: int, out_size: int, kernel: int, stride: int, dilation: int, pad: int) -> np.ndarray:
    """For each input index along one axis, the last output index whose window reads it (-1: none)."""
    last = np.full(in_size, -1, dtype=np.int64)
    for o in range(out_size):
        taps = o * stride - pad + dilation * np.arange(kernel)
        last[taps[(taps >= 0) & (taps < in_size)]] = o
    return last


def window_min_distance(window: Window, block: int, order: Order) -> int:
    """The least ``input_offset - output_offset`` at which a kernel that
    computes output pixels in NHWC order, ``block`` pixels at a time within
    each image (in ``order``), never overwrites an input byte it still has to read.

    For block b (output pixels q0..q1-1) the writes end at byte ``q1 * out_c``
    of the output; the input pixels still needed are those whose last reader
    is at or after q0 (``WRITES_DURING_READS``) or after q1-1
    (``WRITES_AFTER_READS``), the lowest of which is j; the writes must end
    at or below it: ``q1 * out_c <= d + j * in_c``. The distance is the
    largest such bound over the blocks (each side in bytes).
    """
    n, in_h, in_w, in_c = window.in_shape
    _, out_h, out_w, out_c = window.out_shape
    rows = _last_reader_per_axis(in_h, out_h, window.kernel[0], window.stride[0], window.dilation[0], window.pad[0])
    cols = _last_reader_per_axis(in_w, out_w, window.kernel[1], window.stride[1], window.dilation[1], window.pad[1])
    # The last reader of input pixel (b, y, x) is output pixel (b, rows[y], cols[x]): the
    # window is separable, and output pixels run row by row.
    reader = (np.arange(n)[:, None, None] * out_h + rows[None, :, None]) * out_w + cols[None, None, :]
    reader = np.where((rows[None, :, None] >= 0) & (cols[None, None, :] >= 0), reader, -1).reshape(-1)
    pixels = n * out_h * out_w
    # first_live[v]: the lowest input pixel whose last reader is v or later (suffix minimum).
    inputs = reader.size
    lowest = np.full(pixels + 1, inputs, dtype=np.int64)
    read = reader >= 0
    np.minimum.at(lowest, reader[read], np.nonzero(read)[0])
    first_live = np.minimum.accumulate(lowest[::-1])[::-1]
    # Blocks start afresh in every image (the kernels loop over the batch outside the pixels).
    per_image = out_h * out_w
    starts = (np.arange(n)[:, None] * per_image + np.arange(0, per_image, block)[None, :]).reshape(-1)
    ends = np.minimum(starts + block, (starts // per_image + 1) * per_image)
    live = first_live[starts] if order is Order.WRITES_DURING_READS else first_live[ends]  # after, channels
    needed = live < inputs  # a block after which no input is read may write anywhere
    bounds = list(ends[needed] * out_c - live[needed] * in_c)
    if order is Order.CHANNEL_BY_CHANNEL:
        # Pixel q's channel c lands on channel (c - d) mod C of an input pixel; when d is not a
        # whole number of pixels that channel can be above c, so that pixel must be dead: the
        # distance must reach past the lowest pixel q still reads (first_live[q]) by a byte.
        assert block == 1 and in_c == out_c, "channel by channel needs depth multiplier 1, one pixel per step"
        reading = first_live[starts] < inputs
        bounds += list((starts[reading] - first_live[starts][reading]) * in_c + 1)
    if not bounds:
        return -inputs * in_c
    return int(max(bounds))
