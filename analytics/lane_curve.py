"""The emotion curve drawn along the map's lane (the whole cycle at a glance).

Mean satisfaction (0–100) per moment, one line for all customers and one per chosen
persona, as an SVG that stretches over the lane's columns: moment i sits at the
centre of column i, so the points stand above their cards at any width. Lines and
dots keep their thickness however the drawing is stretched (non-scaling strokes;
a dot is a zero-length line with round caps). Every dot has a `<title>` and the
drawing a text equivalent; the figures come from snapshots (`series`), never ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext as _

from .charts import CRITICAL_COLOR, CURVE_COLOR, SERIES_COLORS
from .formatting import numbers

COLUMN = 100  # user units per moment
HEIGHT = 100
TOP, BOTTOM = 10, 90  # where the top and the bottom of the scale are drawn
# The scale follows the means (in tens, at least this wide), so the curve's ups and
# downs show; its three levels are labelled.
MIN_RANGE = 30


@dataclass(frozen=True)
class CurvePoint:
    name: str
    position: int
    mean: float | None
    n: int
    critical: bool


@dataclass(frozen=True)
class CurveLine:
    label: str
    color: str
    points: list[CurvePoint]


def line_colors(count: int) -> list[str]:
    """All customers first, then one colour per persona (as on the dashboard's curve)."""
    return [CURVE_COLOR, *(SERIES_COLORS[index % len(SERIES_COLORS)] for index in range(count - 1))]


def scale(means: Sequence[float]) -> tuple[int, int]:
    """The range of means drawn: whole tens around them, at least `MIN_RANGE` wide, within 0–100.

    >>> scale([72.5, 81.0]), scale([3.0]), scale([55.0, 99.0])
    ((60, 90), (0, 30), (50, 100))
    """
    low = max(0, (int(min(means)) - 5) // 10 * 10)
    high = min(100, -(-(int(max(means)) + 5) // 10) * 10)
    while high - low < MIN_RANGE:
        if high < 100:
            high += 10
        else:
            low -= 10
    return low, high


def _y(mean: float, low: int, high: int) -> float:
    share = (max(low, min(high, mean)) - low) / (high - low)
    return round(BOTTOM - (BOTTOM - TOP) * share, 2)


def point_text(line: CurveLine, point: CurvePoint) -> str:
    fmt = numbers()
    if point.mean is None:
        figures = _("no ratings")
    else:
        figures = _("mean %(mean)s/100, n = %(n)s") % {"mean": fmt.decimal_number(point.mean), "n": fmt.count(point.n)}
    text = f"{line.label} · {point.position + 1}. {point.name}: {figures}"
    return text + (" · " + _("critical moment") if point.critical else "")


def lane_curve_svg(lines: Sequence[CurveLine], *, svg_id: str = "lane-curve") -> str:
    """The curves over `len(points)` columns, with their scale's labels (HTML around the
    SVG); empty when no line has a single mean."""
    means = [point.mean for line in lines for point in line.points if point.mean is not None]
    if not means:
        return ""
    low, high = scale(means)
    levels = (low, (low + high) // 2, high)
    count = len(lines[0].points)
    width = count * COLUMN
    out = [f'<line x1="0" x2="{width}" y1="{_y(value, low, high)}" y2="{_y(value, low, high)}" stroke="#d9dee6" '
           f'stroke-width="1" stroke-dasharray="3 4" vector-effect="non-scaling-stroke"/>' for value in levels]
    summary = []
    for index, line in enumerate(lines):
        present = [(position, point) for position, point in enumerate(line.points) if point.mean is not None]
        coordinates = " ".join(f"{position * COLUMN + COLUMN / 2:g},{_y(point.mean or 0, low, high)}"
                               for position, point in present)
        dash = "" if index == 0 else f' stroke-dasharray="{["6 4", "2 3", "8 3 2 3", "10 4", "1 0"][(index - 1) % 5]}"'
        out.append(f'<polyline points="{coordinates}" fill="none" stroke="{line.color}" '
                   f'stroke-width="{3 if index == 0 else 2.5}" stroke-linejoin="round"{dash} '
                   f'vector-effect="non-scaling-stroke"/>')
        for position, point in present:
            x, y = position * COLUMN + COLUMN / 2, _y(point.mean or 0, low, high)
            text = escape(point_text(line, point))
            if point.critical:
                out.append(f'<path d="M{x:g},{y}h0" stroke="{CRITICAL_COLOR}" stroke-width="13" '
                           f'stroke-linecap="round" vector-effect="non-scaling-stroke"><title>{text}</title></path>')
            out.append(f'<path d="M{x:g},{y}h0" stroke="{line.color}" stroke-width="{8 if index == 0 else 7}" '
                       f'stroke-linecap="round" vector-effect="non-scaling-stroke"><title>{text}</title></path>')
        summary.append("; ".join(point_text(line, point) for point in line.points))
    title = _("Emotion curve: mean satisfaction per moment (0–100), in cycle order")
    # The labels sit where the SVG's levels are: it is as tall as its box (CSS).
    ticks = "".join(f'<span class="lane-curve-tick" style="top: {_y(value, low, high)}%" aria-hidden="true">'
                    f'{value}</span>' for value in levels)
    return (f'<div class="lane-curve-wrap">{ticks}'
            f'<svg class="lane-curve" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT}" '
            f'preserveAspectRatio="none" role="img" aria-labelledby="{svg_id}-title" aria-describedby="{svg_id}-desc">'
            f'<title id="{svg_id}-title">{escape(title)}</title><desc id="{svg_id}-desc">{escape(". ".join(summary))}'
            f'</desc>{"".join(out)}</svg></div>')
