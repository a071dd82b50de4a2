"""The service-cycle wheel page: the cycle as Carlzon's circle, for all customers and up
to five personas side by side, with a table that says the same in words.

/cycles/<id>/wheel/?weeks=|start=&end=&segment=<id>&segment=… reads the period as the
dashboard does and the segments with `series.segments_choose`; bad input is named in a
message and the default is shown instead, never a 500. Another organization's cycle is 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from journeys.selectors import cycle_get_for_user

from .alert_selectors import alerting_moment_ids
from .periods import MAX_PERIOD_DAYS, WEEK_CHOICES, local_today
from .scopes import period_query
from .series import cycle_series
from .views import dashboard_view_parse
from .wheel import legend
from .wheel_display import comparison_rows, segment_picker, wheels_draw


@login_required
@require_GET
def wheel(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    today = local_today(cycle.timezone)
    _dimension, period, errors = dashboard_view_parse(request.GET, today=today)
    picker = segment_picker(cycle=cycle, values=request.GET.getlist("segment"), errors=errors)
    series = cycle_series(cycle=cycle, period=period, segments=picker["chosen_segments"])
    query = {**period_query(period, today)}
    svg_query = urlencode(query)
    return render(request, "analytics/wheel.html", {
        "cycle": cycle, "errors": errors, "period": period, "picked_weeks": period.picked_weeks(today),
        "week_choices": WEEK_CHOICES, "max_period_days": MAX_PERIOD_DAYS, "today": today,
        "wheels": wheels_draw(cycle=cycle, series=series, period=period,
                              alerting=alerting_moment_ids(cycle=cycle)), "wheel_legend": legend(),
        "rows": comparison_rows(series), "series": series,
        "svg_url": reverse("api:cycle-wheel", args=[cycle.pk]) + "?" + svg_query,
        "segment_svg_urls": [
            (item.label, reverse("api:cycle-wheel", args=[cycle.pk]) + "?" + urlencode(
                {**query, "segment": item.segment_id}))
            for item in series if item.segment_id is not None],
        "dashboard_url": reverse("analytics:dashboard", args=[cycle.pk]) + "?" + urlencode(
            [*query.items(), *[("segment", segment.pk) for segment in picker["chosen_segments"]]]),
        **picker,
    })
