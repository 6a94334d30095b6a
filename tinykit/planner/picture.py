"""An SVG picture of a memory plan, for reports and browsers.

Time (op index) runs left to right and arena addresses top to bottom, as in
the ASCII drawing; each buffer is a rectangle spanning its lifetime and its
reserved bytes, with its id, name, size and offset in a hover tooltip. Where
an op's output shares bytes with an input that dies there (an overlap its
kernel's rule allows), the shared bytes at that op are drawn in red.

It draws from the plan's JSON form (``MemoryPlan.to_json()``), not from the
object, so that a report can draw a plan read back from a profile or a
``tinykit.json`` file without the model at hand.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from tinykit.schedule.overlap import describe_distances

_OP_WIDTH = 24  # pixels per op
_HEIGHT = 480  # pixels for the whole arena
_MARGIN = 40
# Tensors blue, scratch orange: scratch is the short-lived kind worth spotting;
# a patch stage's patch and window buffers green.
_TENSOR_FILL = "#8fb8de"
_SCRATCH_FILL = "#f4b183"
_PATCH_FILL = "#a9d18e"
_FILLS = {"scratch": _SCRATCH_FILL, "patch": _PATCH_FILL, "window": _PATCH_FILL}
_OVERLAP_FILL = "#c0504d"


def render_svg(plan: dict[str, Any]) -> str:
    """The SVG drawing of a plan given as ``MemoryPlan.to_json()`` returns it."""
    graph_name = plan["graph"]
    arena_bytes, lower_bound = plan["arena_bytes"], plan["lower_bound"]
    num_ops = max(len(plan["op_kinds"]), 1)
    width = 2 * _MARGIN + num_ops * _OP_WIDTH
    height = 2 * _MARGIN + _HEIGHT
    scale = _HEIGHT / arena_bytes if arena_bytes else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
        f"<title>{escape(f'Memory plan of {graph_name}: arena {arena_bytes} bytes, lower bound {lower_bound} bytes')}</title>",
        f'<rect x="{_MARGIN}" y="{_MARGIN}" width="{num_ops * _OP_WIDTH}" height="{_HEIGHT}" fill="none" stroke="#444"/>',
        f'<text x="{_MARGIN}" y="{_MARGIN - 10}">{escape(graph_name)}: arena {arena_bytes:,} B, '
        f"lower bound {lower_bound:,} B</text>",
        f'<text x="{_MARGIN}" y="{height - 10}">op index (time) &#8594;   address &#8595;</text>',
    ]
    for b in plan["buffers"]:
        fill = _FILLS.get(b["kind"], _TENSOR_FILL)
        tooltip = f"{b['id']} {b['name']}: {b['size']} bytes at offset {b['offset']}, ops {b['first']}..{b['last']}"
        parts.append(
            f'<rect class="buffer" data-id={quoteattr(b["id"])} x="{_MARGIN + b["first"] * _OP_WIDTH}" '
            f'y="{_MARGIN + b["offset"] * scale:.2f}" width="{(b["last"] - b["first"] + 1) * _OP_WIDTH}" '
            f'height="{b["reserved"] * scale:.2f}" fill="{fill}" stroke="#234">'
            f"<title>{escape(tooltip)}</title></rect>"
        )
    by_id = {b["id"]: b for b in plan["buffers"]}
    for o in plan.get("overlaps", []):
        out, src = by_id[o["output"]], by_id[o["input"]]
        top = max(out["offset"], src["offset"])
        bottom = min(out["offset"] + out["size"], src["offset"] + src["size"])
        tooltip = (f"op {o['op']}: {o['output']} overlaps {o['input']} ({bottom - top} bytes), "
                   f"{o['distance']} bytes below it (its kernel needs {describe_distances(o['min_distance'], o.get('max_distance'))})")
        parts.append(
            f'<rect class="overlap" x="{_MARGIN + o["op"] * _OP_WIDTH}" y="{_MARGIN + top * scale:.2f}" '
            f'width="{_OP_WIDTH}" height="{(bottom - top) * scale:.2f}" fill="{_OVERLAP_FILL}" fill-opacity="0.7">'
            f"<title>{escape(tooltip)}</title></rect>"
        )
    parts.append("</svg>")
    return "\n".join(parts)

