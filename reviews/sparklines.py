"""Small inline SVG trend lines drawn on the server (no JS, no chart library).

A pure function of a few numbers: the dissatisfied share of each of the last
weeks (None where a week had no ratings) and the cycle's critical share, drawn
as a dashed reference line. Text is escaped; numbers are formatted by us.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 120
HEIGHT = 28
PAD = 3


def _y(share: float, top: float) -> float:
    # Scale to the larger of the data and the threshold, so the line is visible.
    return round(HEIGHT - PAD - (share / top) * (HEIGHT - 2 * PAD), 1)


def sparkline_svg(shares: list[float | None], *, critical_share: float, label: str) -> SafeString:
    """An SVG polyline of `shares`, gaps where a week has no ratings, last point marked.

    >>> svg = sparkline_svg([0.1, None, 0.5], critical_share=0.25, label="x")
    >>> "<polyline" in svg and 'aria-label="x"' in svg
    True
    """
    count = len(shares)
    step = (WIDTH - 2 * PAD) / max(count - 1, 1)
    top = max([critical_share, *[share for share in shares if share is not None]]) or 1.0
    segments: list[list[str]] = [[]]
    points = []
    for index, share in enumerate(shares):
        if share is None:
            if segments[-1]:
                segments.append([])
            continue
        x = round(PAD + index * step, 1)
        y = _y(share, top)
        segments[-1].append(f"{x},{y}")
        points.append((x, y))
    lines = "".join(
        f'<polyline points="{" ".join(segment)}" fill="none" stroke="currentColor" stroke-width="1.5" '
        f'stroke-linejoin="round"/>'
        for segment in segments if len(segment) > 1
    )
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="1.5" fill="currentColor"/>' for x, y in points[:-1])
    last = (f'<circle cx="{points[-1][0]}" cy="{points[-1][1]}" r="2.5" class="spark-last"/>' if points else "")
    threshold_y = _y(critical_share, top)
    threshold = (f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{threshold_y}" y2="{threshold_y}" '
                 f'class="spark-threshold" stroke-dasharray="3 2"/>')
    safe_label = escape(label)
    return mark_safe(
        f'<svg class="sparkline" role="img" aria-label="{safe_label}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>{safe_label}</title>'
        f"{threshold}{lines}{dots}{last}</svg>"
    )


def sparkline_label(shares: list[float | None], *, weeks_label: str, no_data: str) -> str:
    """The accessible text of a sparkline: each week's share as a percentage.

    >>> sparkline_label([0.25, None], weeks_label="Last 2 weeks", no_data="–")
    'Last 2 weeks: 25%, –'
    """
    values = ", ".join(f"{round(share * 100)}%" if share is not None else no_data for share in shares)
    return f"{weeks_label}: {values}"
