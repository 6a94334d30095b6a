"""An SVG picture of a memory plan, for reports and browsers.

Time (op index) runs left to right and arena addresses top to bottom, as in
the ASCII drawing; each buffer is a rectangle spanning its lifetime and its
reserved bytes, with its id, name, size and offset in a hover tooltip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from tinykit.planner.plan import MemoryPlan

_OP_WIDTH = 24  # pixels per op
_HEIGHT = 480  # pixels for the whole arena
_MARGIN = 40
# Tensors blue, scratch orange: scratch is the short-lived kind worth spotting.
_TENSOR_FILL = "#8fb8de"
_SCRATCH_FILL = "#f4b183"


def render_svg(plan: MemoryPlan) -> str:
    num_ops = max(len(plan.op_kinds), 1)
    width = 2 * _MARGIN + num_ops * _OP_WIDTH
    height = 2 * _MARGIN + _HEIGHT
    scale = _HEIGHT / plan.arena_bytes if plan.arena_bytes else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
        f'<title>{escape(f"Memory plan of {plan.graph_name}: arena {plan.arena_bytes} bytes, lower bound {plan.lower_bound} bytes")}</title>',
        f'<rect x="{_MARGIN}" y="{_MARGIN}" width="{num_ops * _OP_WIDTH}" height="{_HEIGHT}" fill="none" stroke="#444"/>',
        f'<text x="{_MARGIN}" y="{_MARGIN - 10}">{escape(plan.graph_name)}: arena {plan.arena_bytes:,} B, '
        f"lower bound {plan.lower_bound:,} B</text>",
        f'<text x="{_MARGIN}" y="{height - 10}">op index (time) &#8594;   address &#8595;</text>',
    ]
    for p in plan.buffers:
        b = p.buffer
        fill = _SCRATCH_FILL if b.scratch_op is not None else _TENSOR_FILL
        tooltip = f"{b.key} {b.name}: {b.size} bytes at offset {p.offset}, ops {b.first_use}..{b.last_use}"
        parts.append(
            f'<rect class="buffer" data-id="{escape(b.key)}" x="{_MARGIN + b.first_use * _OP_WIDTH}" '
            f'y="{_MARGIN + p.offset * scale:.2f}" width="{(b.last_use - b.first_use + 1) * _OP_WIDTH}" '
            f'height="{p.reserved * scale:.2f}" fill="{fill}" stroke="#234">'
            f"<title>{escape(tooltip)}</title></rect>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
