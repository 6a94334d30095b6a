"""An ASCII picture of a memory plan, readable in a terminal.

One row per buffer, sorted by arena address (lowest first); one column per
op. A buffer's letter marks the ops during which it holds data, so holes in
the arena and buffers that reuse each other's bytes can be seen at a glance.
A last row shows how full the arena is at each op.
"""

from __future__ import annotations

import string
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinykit.planner.plan import MemoryPlan

_SYMBOLS = string.ascii_uppercase + string.ascii_lowercase + string.digits
_OVERFLOW_SYMBOL = "*"  # for buffers beyond the 62 distinct symbols
_FREE = "."
# Converter-made tensor names can run to hundreds of characters; rows keep both
# ends (layer prefix and op suffix), the JSON keeps them whole.
_MAX_NAME = 72
_TEXT_WIDTH = 100  # the legend is wrapped to fit a terminal


def render_plan(plan: MemoryPlan) -> str:
    num_ops = len(plan.op_kinds)
    rows = sorted(plan.buffers, key=lambda p: (p.offset, p.buffer.first_use, p.buffer.order))
    symbol = {p.buffer.key: _symbol(i) for i, p in enumerate(rows)}
    width = max(len(f"{plan.arena_bytes:,}"), len("offset"))
    left = f"{{:>{width}}} {{:>{width}}} {{:>{width}}}  "
    lines = [
        f"Memory plan of {plan.graph_name!r}: arena {plan.arena_bytes:,} bytes, "
        f"{_excess(plan.arena_bytes, plan.lower_bound)} the lower bound of {plan.lower_bound:,} bytes "
        f"(peak of live bytes, at op {plan.peak_op})",
        f"{len(plan.buffers)} buffers, {num_ops} ops, alignment {plan.alignment}, "
        f"placed by {plan.strategy}, in-place merges {'kept' if plan.in_place else 'dropped (packed better)'}",
        *([f"Patch stage: {plan.patches.describe()}"] if plan.patches is not None else []),
        "",
    ]
    header = _column_header(num_ops)
    for digits in header[:-1]:
        lines.append(left.format("", "", "") + digits)
    lines.append(left.format("offset", "end", "bytes") + header[-1] + "  buffer")
    for p in rows:
        cells = "".join(symbol[p.buffer.key] if p.buffer.live_at(t) else _FREE for t in range(num_ops))
        lines.append(
            left.format(f"{p.offset:,}", f"{p.end:,}", f"{p.buffer.size:,}")
            + cells
            + f"  {symbol[p.buffer.key]} {p.buffer.key} {_shorten(p.buffer.name)}"
        )
    fill = "".join(_fill_digit(b, plan.arena_bytes) for b in plan.live_bytes()[:num_ops])
    lines.append(left.format("", "", "fill") + fill)
    used = plan.used_overlaps()
    if used:
        offset = {p.buffer.key: p.offset for p in plan.buffers}
        lines += ["", "Overlaps (an op's output on an input that dies there, as its kernel's rule allows):"]
        lines += [
            f"  op {o.op}: {symbol[o.output]} {o.output} starts {offset[o.input] - offset[o.output]:,} bytes below "
            f"{symbol[o.input]} {o.input} (its kernel needs {o.describe_rule()})"
            for o in used
        ]
    legend = (
        f"Rows: one per buffer, by address. Columns: op index (time). A letter marks the ops during "
        f"which the buffer holds data, '{_FREE}' that its bytes are free for others. 'bytes' is the "
        f"data size; each buffer reserves it rounded up to {plan.alignment}. 'fill': tenths of the "
        "arena live at each op ('#' = full). Ids: t<tensor index>, s<op index> for an op's scratch; "
        "'a -> b' names tensors that share one buffer in place; long names are cut in the middle."
    )
    if plan.patches is not None:
        legend += (" Patch stage: p<tensor index> holds one patch of a tensor, w<tensor index> the window of the "
                   "stage's input one patch reads; each is reused by every patch, so it is drawn once.")
    ops = "Ops: " + ", ".join(f"{t}:{kind}" for t, kind in enumerate(plan.op_kinds))
    lines += ["", textwrap.fill(legend, _TEXT_WIDTH), textwrap.fill(ops, _TEXT_WIDTH, subsequent_indent="     ")]
    return "\n".join(line.rstrip() for line in lines)


def _shorten(name: str) -> str:
    if len(name) <= _MAX_NAME:
        return name
    keep = (_MAX_NAME - 3) // 2
    return name[:keep] + "..." + name[-keep:]


def _symbol(i: int) -> str:
    return _SYMBOLS[i] if i < len(_SYMBOLS) else _OVERFLOW_SYMBOL


def _column_header(num_ops: int) -> list[str]:
    """Op indices written vertically, most significant digit first."""
    labels = [str(t) for t in range(num_ops)]
    depth = max((len(s) for s in labels), default=1)
    padded = [s.rjust(depth) for s in labels]
    return ["".join(s[d] for s in padded) for d in range(depth)]


def _fill_digit(live: int, arena: int) -> str:
    if arena == 0:
        return "0"
    tenths = live * 10 // arena
    return "#" if tenths >= 10 else str(tenths)


def _excess(arena: int, bound: int) -> str:
    if arena == bound:
        return "equal to"
    return f"{arena - bound:,} bytes ({100 * (arena - bound) / bound:.1f}%) above"
