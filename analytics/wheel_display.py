"""What the wheel page and the dashboard share: the segment picker, the wheels drawn
inline, and the wheels as a table (their text equivalent)."""

from __future__ import annotations

from collections.abc import Collection

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from journeys.models import ServiceCycle
from touchpoints.models import Segment

from .formatting import numbers
from .periods import Period
from .series import MAX_SIDE_BY_SIDE, Series, segments_choose
from .wheel import moment_link, moment_text, wheel_svg


def segment_picker(*, cycle: ServiceCycle, values: list[str], errors: list[str]) -> dict:
    """What `analytics/_segment_picker.html` needs, with the segments `values` (the
    `segment` parameters) choose; what was wrong with them is added to `errors`."""
    chosen, problems = segments_choose(organization_id=cycle.organization_id, values=values)
    errors += problems
    return {
        "chosen_segments": chosen,
        "segment_choices": list(Segment.objects.filter(organization_id=cycle.organization_id).order_by("name", "id")),
        "max_segments": MAX_SIDE_BY_SIDE,
        "personas_url": reverse("touchpoints:segments", args=[cycle.organization_id]),
    }


def wheels_draw(*, cycle: ServiceCycle, series: list[Series], period: Period,
                alerting: Collection[int] = frozenset(), linked: bool = True) -> list[dict]:
    """Each series with its wheel as inline SVG (ids unique on the page), the moments in
    `alerting` (open alerts) marked, each moment a link to its card on the map unless not
    `linked` (a share link's page). Several wheels side by side leave their legend to the
    page (`analytics/_wheel_legend.html`)."""
    language = get_language() or "en"
    link = moment_link(cycle) if linked else None
    with_legend = len(series) == 1
    # mark_safe: wheel_svg escapes every text it draws (names are customer data).
    return [{"series": item, "svg": mark_safe(wheel_svg(
        title=cycle.name, series=item, period=(period.start, period.end), language=language,
        moment_url=link, svg_id=f"wheel-{item.key}", with_legend=with_legend, alerting_ids=alerting))}
        for item in series]


def comparison_rows(series: list[Series]) -> list[dict]:
    """The wheels as a table: one row per moment, one cell per series (the text equivalent)."""
    if not series:
        return []
    fmt = numbers()
    rows = []
    for index, moment in enumerate(series[0].moments):
        cells = []
        for item in series:
            figures = item.moments[index]
            cells.append({"share": fmt.percent(figures.share) if figures.n else "", "n": fmt.count(figures.n),
                          "critical": figures.critical, "text": moment_text(figures, fmt, alerting=False)})
        rows.append({"moment": moment, "cells": cells})
    return rows
