"""The per-layer latency bar chart: an inline SVG, one horizontal bar per op.

Bars share one scale (the slowest op fills ``BAR_MAX_WIDTH``), so their
lengths compare cycles directly; each row is labelled "index kind" and ends
with the op's share of the total, and hovering a row shows its MACs and MACs
per cycle. A last line gives the scale: the cycles of the longest bar.
"""

from __future__ import annotations

from typing import Any

from tinykit.profile.report.markup import text
from tinykit.profile.report.numbers import count, millis, percent, ratio

BAR_MAX_WIDTH = 480  # pixels for the slowest op
_ROW_HEIGHT = 18
_BAR_HEIGHT = 13
_CHAR_WIDTH = 8  # pixels per character of the 12 px monospace labels (0.6 em, rounded up)
_GAP = 8
_SHARE_WIDTH = 56  # room for "100.0%" after the longest bar
_BAR_FILL = "#5b8fc7"


def layer_bars_svg(layers: list[dict[str, Any]], title: str) -> str:
    """The chart of ``layers`` (a profile's "layers" list); ``title`` names it for screen readers."""
    labels = [f"{layer['index']} {layer['op']}" for layer in layers]
    label_width = _CHAR_WIDTH * max((len(label) for label in labels), default=0) + _GAP
    slowest = max((layer["cycles"] for layer in layers), default=0)
    scale = BAR_MAX_WIDTH / slowest if slowest > 0 else 0.0
    width = label_width + BAR_MAX_WIDTH + _GAP + _SHARE_WIDTH
    height = (len(layers) + 1) * _ROW_HEIGHT  # the last row holds the scale
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="layer-bars" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">',
        f"<title>{text(title)}</title>",
    ]
    for row, (layer, label) in enumerate(zip(layers, labels)):
        top = row * _ROW_HEIGHT
        bar_width = layer["cycles"] * scale
        baseline = top + _BAR_HEIGHT - 2
        tooltip = (
            f"{label}: {count(layer['cycles'])} cycles, {millis(layer['ms'])} ms, {percent(layer['share'])} of the total; "
            f"{count(layer['macs'])} MACs, {ratio(layer['macs_per_cycle'])} MACs/cycle"
        )
        parts.append(
            f'<g class="layer" data-index="{text(layer["index"])}"><title>{text(tooltip)}</title>'
            f'<text x="{label_width - _GAP}" y="{baseline}" text-anchor="end">{text(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{top}" width="{bar_width:.3f}" height="{_BAR_HEIGHT}" fill="{_BAR_FILL}"/>'
            f'<text x="{label_width + bar_width + 4:.3f}" y="{baseline}">{text(percent(layer["share"]))}</text></g>'
        )
    scale_note = f"bar length: cycles; the longest is {count(slowest)}"
    parts.append(f'<text class="scale" x="{label_width}" y="{height - 4}" fill="#555">{text(scale_note)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
