"""What analytics adds to journeys' map page: the emotion curve along the lane
(the whole cycle at a glance), for all customers and up to five personas.

`{% lane_curve cycle moments as curve %}` gives the curve's slices (one per moment,
laid out by the lane's grid so its points stand above their cards) and what the
block around it shows: the lines' legend, the persona picker, and what was wrong
with the choice.
Without personas it reads nothing more (the moments carry the lane's figures);
with them, the cycle's snapshot by segment for the map's period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from touchpoints.models import Segment

from ..lane_curve import CurveLine, CurvePoint, line_colors, line_dash
from ..lane_curve import lane_curve as lane_curve_draw
from ..periods import DEFAULT_WEEKS, Period, last_weeks, local_today
from ..series import MAX_SIDE_BY_SIDE, cycle_series, segments_choose

register = template.Library()


@dataclass
class LaneCurve:
    columns: list[SafeString]  # empty: nothing to draw yet
    levels: tuple[int, int, int]
    summary: str
    legend: list[tuple[str, str, str]]  # (label, colour, dash pattern)
    weeks: int
    errors: list[str] = field(default_factory=list)
    # A share link's fixed period (the curve shows that instead of the last `weeks`).
    period: Period | None = None
    chosen_segments: list[Segment] = field(default_factory=list)
    segment_choices: list[Segment] = field(default_factory=list)
    max_segments: int = MAX_SIDE_BY_SIDE
    personas_url: str = ""


@register.simple_tag(takes_context=True)
def lane_curve(context, cycle, moments) -> LaneCurve:
    request = context.get("request")
    values = request.GET.getlist("segment") if request is not None else []
    chosen, errors = segments_choose(organization_id=cycle.organization_id, values=values)
    # A share link's page (`shared`) may fix the period (`lane_period`) and links to no signed-in page.
    fixed = context.get("lane_period")
    if chosen:
        period = fixed or last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone))
        found = cycle_series(cycle=cycle, period=period, segments=chosen)
        colors = line_colors(len(found))
        lines = []
        for series, color in zip(found, colors, strict=True):
            by_moment = {figures.moment_id: figures for figures in series.moments}
            points = []
            for moment in moments:
                figures = by_moment.get(moment.pk)
                points.append(CurvePoint(moment.name, moment.position, figures.mean if figures else None,
                                         figures.n if figures else 0, bool(figures and figures.critical)))
            lines.append(CurveLine(series.label, color, points))
    else:
        lines = [CurveLine(_("All customers"), line_colors(1)[0], [
            CurvePoint(moment.name, moment.position, getattr(moment, "mean", None), getattr(moment, "rating_count", 0),
                       bool(getattr(moment, "critical", False))) for moment in moments])]
    drawing = lane_curve_draw(lines)
    return LaneCurve(
        # Every text in the slices is escaped by lane_curve.
        columns=[mark_safe(column) for column in drawing.columns] if drawing else [],
        levels=drawing.levels if drawing else (0, 50, 100), summary=drawing.summary if drawing else "",
        legend=[(line.label, line.color, line_dash(index)) for index, line in enumerate(lines)],
        weeks=DEFAULT_WEEKS, errors=errors, chosen_segments=chosen,
        segment_choices=list(Segment.objects.filter(organization_id=cycle.organization_id).order_by("name", "id")),
        personas_url="" if context.get("shared") else reverse("touchpoints:segments", args=[cycle.organization_id]),
        period=fixed,
    )
