"""A scatter plot as inline SVG: one dot per point, some highlighted and joined
by a line, one marked with a ring, and a limit (a budget) drawn as a vertical
line; each dot's hover tooltip is given by the caller.

Both axes span their points rounded out to whole tick steps (1, 2 or 5 times
a power of ten). A limit within twice the largest x is brought into the
range so that its line shows; one further out would squeeze every dot
against the left edge, so it is written at the right edge instead, with
how many times the largest x it is ("... 3.1x the largest value -> off the
chart"), and no line is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tinykit.profile.report.markup import text

WIDTH, HEIGHT = 600, 380
_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 24, 40, 48  # margins: room for tick labels, axis names and the legend
_TICKS = 5  # about this many ticks per axis
_LIMIT_REACH = 2.0  # a limit beyond this many times the largest x is written, not drawn
_DOT_FILL, _HIGHLIGHT_FILL, _MARK_STROKE, _LIMIT_STROKE = "#9aa5b1", "#d9822b", "#b00020", "#444"


@dataclass(frozen=True)
class Point:
    """One dot: where, what its tooltip says, whether it is highlighted (and joined) and whether it is marked;
    ``key`` is written as the dot's ``data-key`` so that tools can find it."""

    x: float
    y: float
    tooltip: str
    key: str
    highlighted: bool = False
    marked: bool = False


@dataclass(frozen=True)
class Axis:
    """An axis's name, how its tick labels are written (ticks fall on 1, 2 or 5 times a power of ten, so a short
    format does), and an optional limit drawn across the plot with its label."""

    name: str
    format: Callable[[float], str]
    limit: float | None = None
    limit_label: str = ""


def scatter_svg(points: Sequence[Point], x: Axis, y: Axis, title: str, legend: tuple[str, str],
                css_class: str) -> str:
    """The plot of ``points``; ``legend`` names what a highlighted dot and a marked one are;
    ``title`` names the plot for screen readers; only ``x`` may carry a limit."""
    xs, ys = [p.x for p in points], [p.y for p in points]
    reach = max(xs, default=0.0)
    limit_drawn = x.limit is not None and x.limit <= _LIMIT_REACH * max(reach, 0.0)
    x_low, x_high, x_ticks = _span(xs + ([x.limit] if limit_drawn and x.limit is not None else []))
    y_low, y_high, y_ticks = _span(ys)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def px(value: float) -> float:
        return _LEFT + (value - x_low) / (x_high - x_low) * plot_w

    def py(value: float) -> float:
        return _TOP + plot_h - (value - y_low) / (y_high - y_low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{text(css_class)}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="monospace" font-size="11">',
        f"<title>{text(title)}</title>",
        f'<rect class="frame" x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>',
    ]
    for tick in x_ticks:
        parts.append(f'<line x1="{px(tick):.2f}" y1="{_TOP + plot_h}" x2="{px(tick):.2f}" y2="{_TOP + plot_h + 4}" '
                     f'stroke="#999"/><text x="{px(tick):.2f}" y="{_TOP + plot_h + 16}" text-anchor="middle">'
                     f"{text(x.format(tick))}</text>")
    for tick in y_ticks:
        parts.append(f'<line x1="{_LEFT - 4}" y1="{py(tick):.2f}" x2="{_LEFT}" y2="{py(tick):.2f}" stroke="#999"/>'
                     f'<text x="{_LEFT - 6}" y="{py(tick) + 4:.2f}" text-anchor="end">{text(y.format(tick))}</text>')
    parts.append(f'<text class="axis-name" x="{_LEFT + plot_w / 2:.2f}" y="{HEIGHT - 8}" text-anchor="middle">'
                 f"{text(x.name)}</text>")
    parts.append(f'<text class="axis-name" x="14" y="{_TOP + plot_h / 2:.2f}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {_TOP + plot_h / 2:.2f})">{text(y.name)}</text>')
    if x.limit is not None:
        if limit_drawn:
            at = px(x.limit)
            parts.append(f'<line class="limit" x1="{at:.2f}" y1="{_TOP}" x2="{at:.2f}" y2="{_TOP + plot_h}" '
                         f'stroke="{_LIMIT_STROKE}" stroke-dasharray="6 4"><title>{text(x.limit_label)}</title></line>'
                         f'<text class="limit" x="{at - 4:.2f}" y="{_TOP + 12}" text-anchor="end">'
                         f"{text(x.limit_label)}</text>")
        else:
            times = f", {x.limit / reach:.1f}x the largest value" if reach > 0 else ""
            parts.append(f'<text class="limit off-chart" x="{_LEFT + plot_w - 4}" y="{_TOP + 12}" text-anchor="end">'
                         f"{text(x.limit_label + times)} &#8594; off the chart</text>")
    joined = sorted((p for p in points if p.highlighted), key=lambda p: (p.x, p.y))
    if len(joined) > 1:
        path = " ".join(f"{px(p.x):.2f},{py(p.y):.2f}" for p in joined)
        parts.append(f'<polyline class="joined" points="{path}" fill="none" stroke="{_HIGHLIGHT_FILL}" '
                     'stroke-width="1.5"/>')
    # Plain dots first, so highlighted and marked ones are drawn over them.
    for p in sorted(points, key=lambda p: (p.highlighted, p.marked)):
        classes = " ".join(["point", *(["highlighted"] if p.highlighted else []), *(["marked"] if p.marked else [])])
        fill, radius = (_HIGHLIGHT_FILL, 5) if p.highlighted else (_DOT_FILL, 4)
        ring = (f'<circle class="ring" cx="{px(p.x):.2f}" cy="{py(p.y):.2f}" r="9" fill="none" '
                f'stroke="{_MARK_STROKE}" stroke-width="2"/>' if p.marked else "")
        parts.append(f'<g class="{classes}" data-key="{text(p.key)}"><title>{text(p.tooltip)}</title>'
                     f'<circle cx="{px(p.x):.2f}" cy="{py(p.y):.2f}" r="{radius}" fill="{fill}" stroke="#333" '
                     f'stroke-width="0.5"/>{ring}</g>')
    highlighted_name, marked_name = legend
    parts.append(
        f'<g class="legend"><circle cx="{_LEFT + 6}" cy="{_TOP - 16}" r="5" fill="{_HIGHLIGHT_FILL}"/>'
        f'<text x="{_LEFT + 16}" y="{_TOP - 12}">{text(highlighted_name)}</text>'
        f'<circle cx="{_LEFT + 186}" cy="{_TOP - 16}" r="8" fill="none" stroke="{_MARK_STROKE}" stroke-width="2"/>'
        f'<text x="{_LEFT + 200}" y="{_TOP - 12}">{text(marked_name)}</text></g>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _span(values: Sequence[float]) -> tuple[float, float, list[float]]:
    """The axis range (``values`` rounded out to whole steps) and its ticks."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:  # one value (or all equal): a range around it, so it is not drawn on the frame
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / _TICKS
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    # A value exactly on the end would be drawn on the frame (a budget line there is lost in it): one more step.
    if last * step == high:
        last += 1
    if first * step == low and low > 0:
        first -= 1
    return first * step, last * step, [i * step for i in range(first, last + 1)]
