"""Dashboard pages. Thin: parse the view, read the snapshot (computing it from
rollups when missing or stale), hand plain data to the template."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from celery.result import AsyncResult
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journeys.models import ServiceCycle
from journeys.permissions import EDIT, user_can
from journeys.selectors import cycle_get_for_user
from momento.replica import replica_lag_shown, replica_reads_for
from touchpoints.scales import SCALES

from . import (
    alert_selectors,
    charts,
    driver_charts,
    insights_display,
    key_drivers,
    labels,
    scopes,
    series,
    services,
    wheel,
    wheel_display,
)
from .periods import (
    DEFAULT_DIMENSION,
    DEFAULT_WEEKS,
    DIMENSIONS,
    MAX_PERIOD_DAYS,
    WEEK_CHOICES,
    Period,
    dimension_parse,
    last_weeks,
    local_today,
    period_parse,
)
from .services.drivers import default_view
from .tasks import cycle_recompute

TASK_CACHE_SECONDS = 3600


def _task_key(task_id: str) -> str:
    return f"analytics:task:{task_id}"


def task_watch(*, task_id: str, cycle_id: int) -> str:
    """Let the cycle's pages follow this task; returns the URL of its status (`task_status`)."""
    cache.set(_task_key(task_id), cycle_id, TASK_CACHE_SECONDS)
    return reverse("analytics:task_status", args=[cycle_id, task_id])


def error_messages(error: ValidationError) -> list[str]:
    return [str(message) for messages_ in error.message_dict.values() for message in messages_] \
        if hasattr(error, "error_dict") else [str(message) for message in error.messages]


def dashboard_view_parse(params: Mapping[str, str], *, today: dt.date) -> tuple[str, Period, list[str]]:
    """(dimension, period, errors): bad input falls back to the default view with a message."""
    errors: list[str] = []
    try:
        dimension = dimension_parse(params=params)
    except ValidationError as error:
        errors += error_messages(error)
        dimension = DEFAULT_DIMENSION
    try:
        period = period_parse(params=params, today=today)
    except ValidationError as error:
        errors += error_messages(error)
        period = last_weeks(weeks=DEFAULT_WEEKS, today=today)
    return dimension, period, errors


def dashboard_figures_context(*, cycle: ServiceCycle, dimension: str, period: Period, today: dt.date,
                              segment_values: list[str], errors: list[str], shared: bool = False,
                              with_insights: bool = True, current: tuple | None = None,
                              picker: dict | None = None, alerting: set[int] | None = None) -> dict:
    """What the dashboard and its shared, read-only twin (analytics.share_views) draw:
    the snapshot of the view, its Plotly figures and wheels (with the personas chosen in
    `segment_values`, side by side), the key drivers, the critical moments (with what
    their customers say when `with_insights`, and their effect on loyalty), the moments
    with an open alert, and the picker's choices.
    `shared`: the wheels link nowhere (a share link reaches no signed-in page).
    `current`, `picker` and `alerting`: the snapshot with its structure, the segment
    picker and the moments with an open alert, when the caller read them already."""
    picker = picker or wheel_display.segment_picker(cycle=cycle, values=segment_values, errors=errors)
    snapshot, structure = current or services.heatmap_snapshot_current(cycle=cycle, dimension=dimension,
                                                                       period=period)
    data = snapshot.data if snapshot else None
    alerting = alerting if alerting is not None else alert_selectors.alerting_moment_ids(cycle=cycle)
    figures = None
    # All customers from this page's snapshot; chosen personas from the snapshot by segment.
    segment_series = series.cycle_series(cycle=cycle, period=period, segments=picker["chosen_segments"], base=data,
                                         include_all=False) if data and picker["chosen_segments"] else []
    if data and data["n"]:
        column_labels = labels.column_labels(dimension=dimension, columns=data["columns"],
                                             segments=structure.segments)
        figures = charts.dashboard_figures(data, column_labels=column_labels, alerting=alerting,
                                           segments=segment_series)
    wheels = wheel_display.wheels_draw(cycle=cycle, series=[series.series_from_snapshot(data), *segment_series],
                                       period=period, alerting=alerting, linked=not shared) \
        if data and data["n"] else []
    drivers = _key_drivers(cycle, structure, dimension, period) if figures else None
    if figures and drivers and drivers["figures"]:
        figures.update(drivers["figures"])
    by_moment = drivers.get("by_moment", {}) if drivers else {}
    period_params = scopes.period_query(period, today)
    # Each critical moment with what its customers say and its effect on the outcome (key drivers).
    critical = [(item, insights_display.critical_moment_insights(
        item, cycle_id=cycle.pk, timezone=cycle.timezone, period_params=period_params) if with_insights else None,
        by_moment.get(item["moment_id"])) for item in data["critical_moments"]] if data else []
    with_touchpoints = {touchpoint.moment_id for touchpoint in structure.touchpoints}
    return {
        "cycle": cycle, "structure": structure, "snapshot": snapshot, "data": data, "figures": figures,
        "figures_json": charts.figures_json(figures) if figures else None,
        "critical": critical,
        "critical_nps": any(item.get("nps") is not None or any(tp.get("nps") is not None
                                                                for tp in item["critical_touchpoints"])
                            for item, *_rest in critical),
        "dimension": dimension, "period": period, "picked_weeks": period.picked_weeks(today),
        "dimensions": DIMENSIONS, "week_choices": WEEK_CHOICES, "max_period_days": MAX_PERIOD_DAYS, "today": today,
        "moments_without_touchpoints": [moment.name for moment in structure.moments
                                        if moment.pk not in with_touchpoints],
        "alerting": alerting,
        "alerting_moments": [moment for moment in structure.moments if moment.pk in alerting],
        "wheels": wheels, "wheel_legend": wheel.legend(),
        "drivers": drivers,
        **picker,
    }


def _key_drivers(cycle, structure, dimension: str, period: Period) -> dict:
    """The key drivers of the page's period (default outcome, every customer): the
    snapshot's data, each moment's driver for the critical list, the disagreements
    the page explains, and the figures. A snapshot that only lacks the newest
    ratings is shown as it is (its recompute is queued by the rollups' fan-out)."""
    weeks = structure if dimension != "segments" else services.cycle_structure(cycle=cycle, dimension="weeks")
    view = services.DriversView(outcome=default_view(cycle=cycle, structure=weeks).outcome, period=period)
    if view.outcome is None:
        return {"state": "no_outcome", "figures": {}}
    current = services.key_drivers_current(cycle=cycle, view=view, structure=weeks, stale_ok=True)
    data = current.snapshot.data
    shown = [driver for driver in data["drivers"] if driver["effect"] is not None]
    result_figures: dict = {}
    if shown:
        result_figures["priority"] = driver_charts.priority_matrix_figure(data, share_split=cycle.critical_share)
    if data["paths"] and data["paths"]["customers"]:
        result_figures["paths"] = driver_charts.path_figure(data["paths"])
    return {
        "state": data["state"], "data": data, "stale": current.stale, "computed_at": current.snapshot.computed_at,
        "by_moment": {driver["moment_id"]: driver for driver in data["drivers"]},
        "disagreements": [driver for driver in shown if driver["agreement"] in (
            key_drivers.RAW_ONLY, key_drivers.ADJUSTED_ONLY, key_drivers.OPPOSITE)],
        "quadrants": [(driver, driver_charts.quadrant_labels()[driver_charts.quadrant(
            driver["effect"], driver["dissatisfied_share"], share_split=cycle.critical_share)]) for driver in shown],
        "figures": result_figures,
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    # The figures may come from the read replica; access was checked on the primary.
    with replica_reads_for(request):
        return _dashboard(request, cycle)


def _dashboard(request: HttpRequest, cycle: ServiceCycle) -> HttpResponse:
    today = local_today(cycle.timezone)
    dimension, period, errors = dashboard_view_parse(request.GET, today=today)
    segment_values = request.GET.getlist("segment")
    picker = wheel_display.segment_picker(cycle=cycle, values=segment_values, errors=errors)
    links = _links(cycle, dimension=dimension, period=period, today=today, picker=picker)
    downloads, alerts_url, wheel_url = links
    alerting = alert_selectors.alerting_moment_ids(cycle=cycle)

    def keys(snapshot) -> tuple[str, str]:
        return _figures_keys(cycle=cycle, dimension=dimension, period=period, today=today,
                             segments=picker["chosen_segments"], errors=errors,
                             drawn_from=_figures_drawn_from(cycle=cycle, snapshot=snapshot, alerting=alerting))

    # The figures of the snapshot a reader is shown as it is, when they are drawn already:
    # neither the snapshot's JSON nor the cycle's objects are read.
    snapshot = services.heatmap_snapshot_shown(cycle=cycle, dimension=dimension, period=period)
    part: dict[str, Any] | None = _figures_kept(keys(snapshot)[0]) if snapshot is not None else None
    if part is None:
        snapshot, structure = services.heatmap_snapshot_current(cycle=cycle, dimension=dimension, period=period)
        part = {"html": "", "figures_json": None, "cells": None, "status": None}  # no moments: nothing to draw
        if snapshot is not None:
            key, view_key = keys(snapshot)
            drawn = snapshot
            # The default view is drawn by the worker that computes its snapshot (after every
            # refresh under ingest): readers show the figures a refresh older until it has.
            default = (dimension, period, picker["chosen_segments"], errors) == (
                DEFAULT_DIMENSION, last_weeks(weeks=DEFAULT_WEEKS, today=today), [], [])
            part = {**_figures_cached(key, view_key, render=lambda: _figures_part(
                cycle=cycle, current=(drawn, structure), dimension=dimension, period=period, today=today,
                segment_values=segment_values, errors=errors, picker=picker, alerting=alerting, links=links),
                key_after=lambda: keys(drawn)[0],
                worker_draws=default and not settings.CELERY_TASK_ALWAYS_EAGER
                and services.heatmaps_worker_asked(cycle.pk)),
                "status": _status(snapshot.data)}  # the figures may be a refresh older: the status is not
    return render(request, "analytics/dashboard.html", {
        **picker,
        "cycle": cycle, "has_moments": snapshot is not None, "snapshot": snapshot, "data": part["status"],
        "dimension": dimension, "period": period, "picked_weeks": period.picked_weeks(today),
        "dimensions": DIMENSIONS, "week_choices": WEEK_CHOICES, "max_period_days": MAX_PERIOD_DAYS, "today": today,
        "figures_html": mark_safe(part["html"]),  # rendered by our own template, escaped there
        "figures_json": part["figures_json"], "figures": bool(part["figures_json"]), "cells": part["cells"],
        "errors": errors,
        "recompute_url": reverse("analytics:recompute", args=[cycle.pk]),
        "downloads": downloads,
        "can_share": user_can(user=request.user, organization=cycle.organization_id, capability=EDIT),
        "replica_lag": replica_lag_shown(),
        "alerts_url": alerts_url,
        "wheel_url": wheel_url,
    })


# The dashboard's figures (critical moments with what customers say, heatmap, curves, wheels,
# key drivers) are the same for every reader of one view while nothing they show changes:
# rendered once, and kept under a key made of everything they are drawn from. With a
# worker, the default view is rendered there as soon as its snapshot or key drivers are
# computed (dashboard_figures_warm), so the first reader after a refresh is served too.
FIGURES_CACHE_SECONDS = 600
# While one process renders a view's new figures, the others show that view's previous
# ones (a refresh older) instead of rendering them too: after each refresh every reader
# of a busy dashboard used to render the same figures at once, each slower for the others.
FIGURES_RENDER_LOCK_SECONDS = 30
# What the cached part holds (`_figures_part`); 2: with the status line's figures.
FIGURES_FORMAT = 2


def _figures_kept(key: str) -> dict | None:
    """The figures under `key`, if they are drawn already."""
    try:
        return cache.get(key)
    except services.BROKER_OUTAGE_ERRORS:
        return None


def _status(data: Mapping) -> dict:
    """What the page's status line says of a snapshot (_dashboard_period_status.html)."""
    return {"n": data["n"], "thresholds": data["thresholds"]}


def _figures_cached(key: str, view_key: str, *, render, key_after: Callable[[], str] | None = None,
                    worker_draws: bool = False) -> dict:
    """The figures under `key`, rendered by `render()` in one process at a time: the
    others get the view's latest figures meanwhile (or render too, if there are none).
    `key_after()`: their key once drawn, when drawing them computed some of what they
    are drawn from (the key drivers, the first time): the next reader finds them there.
    `worker_draws`: a worker draws them in a moment (dashboard_figures_warm), so while
    the view's latest figures are there, no reader draws them."""
    part = cache.get(key)
    if part is not None:
        return part
    if worker_draws:
        previous = cache.get(view_key)
        if previous is not None:
            return previous
    lock = key + ":rendering"
    if not cache.add(lock, 1, FIGURES_RENDER_LOCK_SECONDS):
        previous = cache.get(view_key)
        return previous if previous is not None else render()
    try:
        part = render()
        kept = {key: part, view_key: part}
        if key_after is not None:
            kept[key_after()] = part
        cache.set_many(kept, FIGURES_CACHE_SECONDS)
    finally:
        cache.delete(lock)
    return part


def _links(cycle: ServiceCycle, *, dimension: str, period: Period, today: dt.date,
           picker: dict) -> tuple[dict[str, str], str, str]:
    """The view's downloads, the alerts page and the wheel page (with the personas chosen)."""
    period_query = scopes.period_query(period, today)
    downloads = _downloads(cycle, dimension=dimension, period=period, period_query=period_query)
    alerts_url = reverse("analytics:alerts", args=[cycle.organization_id])
    wheel_url = reverse("analytics:wheel", args=[cycle.pk]) + "?" + urlencode(
        [*period_query.items(), *[("segment", segment.pk) for segment in picker["chosen_segments"]]])
    return downloads, alerts_url, wheel_url


def _figures_part(*, cycle: ServiceCycle, current: tuple, dimension: str, period: Period, today: dt.date,
                  segment_values: list[str], errors: list[str], picker: dict, alerting: set[int],
                  links: tuple[dict[str, str], str, str]) -> dict:
    """The figures part as cached: its HTML (no request in it: the same for every reader),
    the Plotly figures and what the heatmap's cell panel needs. `links`: `_links`'s."""
    downloads, alerts_url, wheel_url = links
    context = dashboard_figures_context(cycle=cycle, dimension=dimension, period=period, today=today,
                                        segment_values=segment_values, errors=errors, current=current,
                                        picker=picker, alerting=alerting)
    data = context["data"]
    return {
        "html": render_to_string("analytics/_dashboard_figures.html", {
            **context, "downloads": downloads, "alerts_url": alerts_url, "wheel_url": wheel_url, "errors": errors}),
        "figures_json": context["figures_json"],
        "cells": _cells(cycle, data) if context["figures"] and data else None,
        "status": _status(data) if data else None,
    }


def dashboard_figures_warm(*, cycle_id: int) -> list[str]:
    """Render the cycle's default dashboard view (no personas) into the cache in every
    language the site speaks, unless it is there already; the languages rendered."""
    cycle = ServiceCycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        return []
    today = local_today(cycle.timezone)
    dimension, period, errors = dashboard_view_parse({}, today=today)
    picker = wheel_display.segment_picker(cycle=cycle, values=[], errors=errors)
    snapshot, structure = services.heatmap_snapshot_current(cycle=cycle, dimension=dimension, period=period)
    if snapshot is None:
        return []
    alerting = alert_selectors.alerting_moment_ids(cycle=cycle)
    drawn_from = _figures_drawn_from(cycle=cycle, snapshot=snapshot, alerting=alerting)
    links = _links(cycle, dimension=dimension, period=period, today=today, picker=picker)
    rendered = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            key, view_key = _figures_keys(cycle=cycle, dimension=dimension, period=period, today=today,
                                          segments=picker["chosen_segments"], errors=errors, drawn_from=drawn_from)

            def render(language: str = language) -> dict:
                rendered.append(language)
                return _figures_part(cycle=cycle, current=(snapshot, structure), dimension=dimension, period=period,
                                     today=today, segment_values=[], errors=errors, picker=picker,
                                     alerting=alerting, links=links)

            _figures_cached(key, view_key, render=render)
    return rendered


def _figures_drawn_from(*, cycle: ServiceCycle, snapshot, alerting: set[int]) -> list:
    """What a cycle's figures are drawn from, whatever the language: the snapshot as
    computed, the cycle's rollup version (the personas' wheels read rollups), its
    key-driver snapshots and its open alerts."""
    from .models import CycleRollupState, KeyDriverSnapshot

    # One query: the rollup version, and when the key drivers were last computed and how many.
    drivers = KeyDriverSnapshot.objects.filter(cycle=OuterRef("pk")).order_by().values("cycle")
    version, drivers_at, drivers_count = ServiceCycle.objects.filter(pk=cycle.pk).values_list(
        Subquery(CycleRollupState.objects.filter(cycle=OuterRef("pk")).values("version")[:1]),
        Subquery(drivers.annotate(latest=Max("computed_at")).values("latest")),
        Subquery(drivers.annotate(count=Count("pk")).values("count"))).get()
    return [snapshot.pk, snapshot.computed_at.isoformat(), snapshot.signature, version,
            drivers_at.isoformat() if drivers_at else None, drivers_count, sorted(alerting)]


def _figures_keys(*, cycle: ServiceCycle, dimension: str, period: Period, today: dt.date, segments: list,
                  errors: list[str], drawn_from: list) -> tuple[str, str]:
    """The cache keys of a dashboard's figures: the figures as they are now (the view
    and what they are drawn from, `_figures_drawn_from`), and the view's latest figures
    whatever they were drawn from (the view: its dimension, period, day, since links
    carry relative periods, personas, messages and the language now active)."""
    view = [
        FIGURES_FORMAT, cycle.pk, dimension, period.start.isoformat(), period.end.isoformat(), today.isoformat(),
        [(segment.pk, segment.name) for segment in segments], [str(error) for error in errors], get_language(),
    ]
    return ("analytics:dashboard-figures:" + hashlib.sha256(json.dumps([view, drawn_from]).encode()).hexdigest(),
            "analytics:dashboard-figures-latest:" + hashlib.sha256(json.dumps(view).encode()).hexdigest())


def _downloads(cycle, *, dimension: str, period: Period, period_query: Mapping[str, str]) -> dict[str, str]:
    """The dashboard's files: the PDF report, the charts as PNG/SVG, the ratings as CSV,
    each for the period on screen."""
    view = urlencode({"dimension": dimension, **period_query})
    zone = zoneinfo.ZoneInfo(cycle.timezone)
    ratings = urlencode({
        "occurred_after": dt.datetime.combine(period.start, dt.time.min, tzinfo=zone).isoformat(),
        "occurred_before": dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone).isoformat(),
    })
    return {
        "report": reverse("analytics:report_pdf", args=[cycle.pk]) + "?" + urlencode(period_query),
        **{f"{chart}_{kind}": reverse(f"api:cycle-{chart.replace('_', '-')}-{kind}", args=[cycle.pk]) + "?" + view
           for chart in ("heatmap", "emotion_curve") for kind in ("png", "svg")},
        "ratings_csv": reverse("api:cycle-ratings-export", args=[cycle.pk]) + "?" + ratings,
    }


def _cells(cycle, data: Mapping) -> dict:
    """What dashboard.js needs to open a heatmap cell's panel: each row's and column's
    scope, where to ask (the insights API) and where its comments are listed."""
    return {
        **scopes.heatmap_cell_scopes(data),
        "insights_url": reverse("api:cycle-insights", args=[cycle.pk]),
        "comments_url": reverse("analytics:comments", args=[cycle.pk]),
        "timezone": cycle.timezone,
        "scale_tops": {code: scale.high for code, scale in SCALES.items()},
    }


@login_required
@require_POST
def recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Start "recompute now". JSON for the page's script; a redirect without JavaScript."""
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    dimension, period, errors = dashboard_view_parse(request.POST, today=local_today(cycle.timezone))
    wants_json = "application/json" in request.headers.get("Accept", "")
    if errors:
        if wants_json:
            return JsonResponse({"errors": errors}, status=400)
        for message in errors:
            messages.error(request, message)
        return redirect("analytics:dashboard", pk=cycle.pk)
    result = cycle_recompute.delay(cycle.pk, dimension, period.start.isoformat(), period.end.isoformat())
    cache.set(_task_key(result.id), cycle.pk, TASK_CACHE_SECONDS)
    state = result.state
    if wants_json:
        return JsonResponse({
            "task_id": result.id, "state": state,
            "status_url": reverse("analytics:task_status", args=[cycle.pk, result.id]),
        }, status=202)
    messages.info(request, _("Recomputed.") if state == "SUCCESS" else _("Recomputing: reload in a moment."))
    return redirect("analytics:dashboard", pk=cycle.pk)


@login_required
@require_GET
def task_status(request: HttpRequest, pk: int, task_id: str) -> JsonResponse:
    """State and progress of a recompute this cycle started (404 for any other task id)."""
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    if cache.get(_task_key(task_id)) != cycle.pk:
        raise Http404
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Embedded mode: the recompute ran inside the POST that started it.
        return JsonResponse({"state": "SUCCESS", "done": 1, "total": 1})
    result = AsyncResult(task_id)
    info = result.info if isinstance(result.info, dict) else {}
    payload = {"state": result.state, "done": info.get("done"), "total": info.get("total")}
    if result.state == "FAILURE":
        payload["error"] = _("The recompute failed; it will be retried by the next scheduled run.")
    return JsonResponse(payload)
