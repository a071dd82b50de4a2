"""The comments behind a dashboard figure: a plain page, paginated, that works without JavaScript.

/cycles/<id>/dashboard/comments/?moment=&touchpoint=&segment=&channel=&weeks=|start=&end=&dissatisfied=&page=
reads its filters with the API's rules (`scopes.scope_parse`); a bad value is
named in a message and left out, never a 500. Another organization's cycle is 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from journeys.models import Moment
from journeys.selectors import cycle_get_for_user
from touchpoints.models import Channel, Segment, Touchpoint

from . import insights
from .insights_display import score_text
from .periods import MAX_PERIOD_DAYS, WEEK_CHOICES, local_today
from .scopes import Errors, dissatisfied_parse, period_query, scope_parse

COMMENTS_PER_PAGE = 50


def _messages(errors: Errors) -> list[str]:
    """Each problem, and what the page does instead."""
    shown = []
    for field, messages_ in errors.items():
        instead = _("Showing the last weeks instead.") if field == "period" else _("Showing all instead.")
        shown += [f"{message} {instead}" for message in messages_]
    return shown


@login_required
@require_GET
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    today = local_today(cycle.timezone)
    scope, errors = scope_parse(cycle=cycle, params=request.GET, today=today)
    dissatisfied = dissatisfied_parse(request.GET.get("dissatisfied"), errors)
    moments = list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("pk", "name"))
    touchpoints = list(Touchpoint.objects.filter(moment__cycle=cycle).order_by("moment__position", "id")
                       .values_list("pk", "name", "moment_id", "channel"))
    segments = list(Segment.objects.filter(organization_id=cycle.organization_id).order_by("name", "id")
                    .values_list("pk", "name"))
    moment_names = dict(moments)
    ratings = insights.comments_list(**scope.filters(), dissatisfied=dissatisfied)
    page = Paginator(ratings, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    shown = [{"rating": rating, "moment": moment_names.get(rating.touchpoint.moment_id, ""),
              "score": score_text(rating.score, rating.scale)} for rating in page]

    period = period_query(scope.period, today)
    filters = {
        "moment": str(scope.moment_id or ""), "touchpoint": str(scope.touchpoint_id or ""),
        "segment": "" if scope.segment_id is None else ("none" if scope.segment_id == 0 else str(scope.segment_id)),
        "channel": scope.channel or "",
        "dissatisfied": {True: "true", False: "false", None: ""}[dissatisfied],
    }
    query = urlencode({key: value for key, value in {**filters, **period}.items() if value})
    present = {channel for _pk, _name, _moment, channel in touchpoints}
    channel_names = dict(Channel.choices)
    return render(request, "analytics/comments.html", {
        "cycle": cycle, "page": page, "comments": shown, "errors": _messages(errors), "filters": filters,
        "period": scope.period, "picked_weeks": scope.period.picked_weeks(today), "week_choices": WEEK_CHOICES,
        "max_period_days": MAX_PERIOD_DAYS, "today": today, "query": query,
        "moments": moments,
        "touchpoint_groups": [(name, [(tp_pk, tp_name) for tp_pk, tp_name, moment_id, _channel in touchpoints
                                      if moment_id == moment_pk]) for moment_pk, name in moments],
        "segments": segments,
        "channels": [(code, label) for code, label in Channel.choices if code in present or code == scope.channel],
        "scope_names": {
            "moment": moment_names.get(scope.moment_id or 0, ""),
            "touchpoint": next((name for tp_pk, name, _m, _c in touchpoints if tp_pk == scope.touchpoint_id), ""),
            "segment": (_("No segment") if scope.segment_id == 0
                        else dict(segments).get(scope.segment_id or -1, "")),
            "channel": channel_names.get(scope.channel or "", ""),
        },
        "dashboard_url": reverse("analytics:dashboard", args=[cycle.pk]) + "?" + urlencode(period),
    })
