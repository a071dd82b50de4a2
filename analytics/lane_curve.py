"""The emotion curve drawn along the map's lane (the whole cycle at a glance).

Mean satisfaction per moment, one line for all customers and one per chosen persona.
The curve is a row of small SVGs, one per moment, laid out by the same grid as the
lane's cards (equal columns, no gaps), so each point stands above its card at any
width without the page telling the grid how many moments there are. Each slice
draws its moment's point and the line from the boundary with the moment before to
the boundary with the next: with equal columns the halves meet at the boundaries,
and the slices together are exactly the polyline through the points. Lines and dots
keep their thickness however a slice is stretched (non-scaling strokes; a dot is a
zero-length line with round caps). A moment without ratings has no dot; the line
runs on between its neighbours. Figures come from snapshots (`series`), never ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from django.utils.translation import gettext as _

from .charts import CRITICAL_COLOR, CURVE_COLOR, SERIES_COLORS
from .formatting import numbers

TOP, BOTTOM = 10, 90  # where the top and the bottom of the scale are drawn (of 100)
# The scale follows the means (in tens, at least this wide), so the curve's ups and
# downs show; its three levels are labelled (CSS puts the labels at 10, 50, 90 %).
MIN_RANGE = 30
DASHES = ("", "6 4", "2 3", "8 3 2 3", "10 4", "")  # all customers solid, then one per persona


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


@dataclass(frozen=True)
class LaneCurve:
    """The drawing: one SVG per moment, the scale's levels (low, middle, high) and the
    whole curve as text (the row's accessible name)."""

    columns: list[str]
    levels: tuple[int, int, int]
    summary: str


def line_colors(count: int) -> list[str]:
    """All customers first, then one colour per persona (as on the dashboard's curve)."""
    return [CURVE_COLOR, *(SERIES_COLORS[index % len(SERIES_COLORS)] for index in range(count - 1))]


def line_dash(index: int) -> str:
    return DASHES[index % len(DASHES)]


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


def heights(means: Sequence[float | None], low: int, high: int) -> list[float | None]:
    """Where each point is drawn (0 top – 100 bottom); a moment without ratings gets the
    height the line passes it at, between its neighbours; none before the first or after
    the last mean.

    >>> heights([50.0, None, 70.0, None], 40, 80)
    [70.0, 50.0, 30.0, None]
    """
    drawn = [None if mean is None else BOTTOM - (BOTTOM - TOP) * (max(low, min(high, mean)) - low) / (high - low)
             for mean in means]
    known = [index for index, value in enumerate(drawn) if value is not None]
    for before, after in pairwise(known):
        first, last = drawn[before], drawn[after]
        if first is None or last is None:  # pragma: no cover - known indexes hold values
            continue
        for index in range(before + 1, after):
            drawn[index] = first + (last - first) * (index - before) / (after - before)
    return [None if value is None else round(value, 2) for value in drawn]


def point_text(line: CurveLine, point: CurvePoint) -> str:
    fmt = numbers()
    if point.mean is None:
        figures = _("no ratings")
    else:
        figures = _("mean %(mean)s/100, n = %(n)s") % {"mean": fmt.decimal_number(point.mean), "n": fmt.count(point.n)}
    text = f"{line.label} · {point.position + 1}. {point.name}: {figures}"
    return text + (" · " + _("critical moment") if point.critical else "")


def _slice(index: int, lines: Sequence[CurveLine], drawn: list[list[float | None]], levels: tuple[int, int, int],
           low: int, high: int) -> str:
    """Moment `index`'s column: the levels, each line's halves and its dot."""
    span = high - low
    out = [f'<line x1="0" x2="100" y1="{BOTTOM - (BOTTOM - TOP) * (level - low) / span:g}" '
           f'y2="{BOTTOM - (BOTTOM - TOP) * (level - low) / span:g}" stroke="#d9dee6" stroke-width="1" '
           f'stroke-dasharray="3 4" vector-effect="non-scaling-stroke"/>' for level in levels]
    texts = []
    for number, (line, ys) in enumerate(zip(lines, drawn, strict=True)):
        y = ys[index]
        if y is None:
            continue
        before = ys[index - 1] if index > 0 else None
        after = ys[index + 1] if index + 1 < len(ys) else None
        path = (f"M0,{(before + y) / 2:g}L50,{y:g}" if before is not None else f"M50,{y:g}") + (
            f"L100,{(y + after) / 2:g}" if after is not None else "")
        dash = f' stroke-dasharray="{line_dash(number)}"' if line_dash(number) else ""
        out.append(f'<path d="{path}" fill="none" stroke="{line.color}" stroke-width="{3 if number == 0 else 2.5}" '
                   f'stroke-linejoin="round"{dash} vector-effect="non-scaling-stroke"/>')
        point = line.points[index]
        if point.mean is None:
            continue
        texts.append(point_text(line, point))
        if point.critical:
            out.append(f'<path d="M50,{y:g}h0" stroke="{CRITICAL_COLOR}" stroke-width="13" stroke-linecap="round" '
                       f'vector-effect="non-scaling-stroke"/>')
        out.append(f'<path d="M50,{y:g}h0" stroke="{line.color}" stroke-width="{8 if number == 0 else 7}" '
                   f'stroke-linecap="round" vector-effect="non-scaling-stroke"/>')
    title = f"<title>{escape(' · '.join(texts) or _('no ratings'))}</title>"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" preserveAspectRatio="none" '
            f'aria-hidden="true">{title}{"".join(out)}</svg>')


def lane_curve(lines: Sequence[CurveLine]) -> LaneCurve | None:
    """The curve's slices, one per point of the lines; None when no line has a mean."""
    means = [point.mean for line in lines for point in line.points if point.mean is not None]
    if not lines or not means:
        return None
    low, high = scale(means)
    levels = (low, (low + high) // 2, high)
    drawn = [heights([point.mean for point in line.points], low, high) for line in lines]
    columns = [_slice(index, lines, drawn, levels, low, high) for index in range(len(lines[0].points))]
    summary = _("Emotion curve: mean satisfaction per moment (0–100), in cycle order") + ". " + ". ".join(
        "; ".join(point_text(line, point) for point in line.points) for line in lines)
    return LaneCurve(columns=columns, levels=levels, summary=summary)
