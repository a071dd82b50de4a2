"""The public, read-only pages a share link opens: the cycle's map and its dashboard.

Whoever holds a live link (journeys.share_links) sees these two pages of that one
cycle without an account, and nothing else: the views never sign anyone in, read
no session, take only GET (any other method is 405), and render the same figures
as the signed-in pages from the same selectors and template partials, minus
everything that leads elsewhere or names people: no ratings list, no comments
unless the link includes them, no editor, no owners, no links to signed-in pages.
A link's fixed period wins over any URL parameter. An unknown, expired or revoked
link gets one friendly 404 in the visitor's language.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from journeys.editor_state import lane_context, share_band
from journeys.models import ShareLink
from journeys.share_links import share_link_for_token

from . import services
from .periods import DEFAULT_DIMENSION, Period, dimension_parse, local_today
from .views import dashboard_figures_context, dashboard_view_parse, error_messages


def _headers(response: HttpResponse) -> HttpResponse:
    # Not for search engines; never cached (a revoked link must stop at once).
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid(request: HttpRequest) -> HttpResponse:
    return _headers(render(request, "analytics/shared_invalid.html", status=404))


def _shared(link: ShareLink, share_token: str, page: str) -> dict:
    return {"link": link, "cycle": link.cycle, "shared": True, "shared_page": page,
            "map_url": reverse("analytics:shared_map", args=[share_token]),
            "dashboard_url": reverse("analytics:shared_dashboard", args=[share_token])}


@never_cache
@require_GET
def shared_map(request: HttpRequest, share_token: str) -> HttpResponse:
    link = share_link_for_token(token=share_token)
    if link is None:
        return _invalid(request)
    context = lane_context(request=request, cycle=link.cycle, can_edit=False)
    lane_period = None
    if link.period_start and link.period_end:
        lane_period = Period(start=link.period_start, end=link.period_end)
        _shares_of_period(context["moments"], cycle=link.cycle, period=lane_period)
    return _headers(render(request, "analytics/shared_map.html", {
        **context, **_shared(link, share_token, "map"), "lane_period": lane_period}))


def _shares_of_period(moments: list, *, cycle, period: Period) -> None:
    """Colour the lane and draw its emotion curve by the link's fixed period (the
    signed-in map shows the latest default period), so the link shows nothing of the
    weeks around it."""
    snapshot, _structure = services.heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
    totals = {row["id"]: row["total"] for row in snapshot.data["rows"]} if snapshot else {}
    critical = {item["moment_id"] for item in snapshot.data["critical_moments"]} if snapshot else set()
    for moment in moments:
        total = totals.get(moment.pk) or {}
        moment.dissatisfied_share = total.get("share")
        moment.rating_count = total.get("n") or 0
        moment.mean = total.get("mean")
        moment.critical = moment.pk in critical
        moment.share_band = share_band(moment.dissatisfied_share)
        moment.share_percent = None if moment.dissatisfied_share is None else moment.dissatisfied_share * 100


@never_cache
@require_GET
def shared_dashboard(request: HttpRequest, share_token: str) -> HttpResponse:
    link = share_link_for_token(token=share_token)
    if link is None:
        return _invalid(request)
    cycle = link.cycle
    today = local_today(cycle.timezone)
    if link.period_start and link.period_end:
        # The link's period, whatever the URL says; only the columns may change.
        period = Period(start=link.period_start, end=link.period_end)
        errors: list[str] = []
        try:
            dimension = dimension_parse(params=request.GET)
        except ValidationError as error:
            dimension, errors = DEFAULT_DIMENSION, error_messages(error)
    else:
        dimension, period, errors = dashboard_view_parse(request.GET, today=today)
    context = dashboard_figures_context(cycle=cycle, dimension=dimension, period=period, today=today,
                                        segment_values=request.GET.getlist("segment"), errors=errors, shared=True,
                                        with_insights=link.include_comments)
    return _headers(render(request, "analytics/shared_dashboard.html", {
        **context, **_shared(link, share_token, "dashboard"), "errors": errors,
        "fixed_period": link.period_start is not None,
        "personas_url": None,  # the picker's way to the personas page: a signed-in page
    }))
