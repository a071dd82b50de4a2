"""Dashboard pages. Thin: parse the view, read the snapshot (computing it from
rollups when missing or stale), hand plain data to the template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from celery.result import AsyncResult
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journeys.selectors import cycle_get_for_user
from touchpoints.scales import SCALES

from . import charts, driver_charts, insights_display, key_drivers, labels, scopes, services
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


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for messages_ in error.message_dict.values() for message in messages_] \
        if hasattr(error, "error_dict") else [str(message) for message in error.messages]


def dashboard_view_parse(params: Mapping[str, str], *, today: dt.date) -> tuple[str, Period, list[str]]:
    """(dimension, period, errors): bad input falls back to the default view with a message."""
    errors: list[str] = []
    try:
        dimension = dimension_parse(params=params)
    except ValidationError as error:
        errors += _messages_of(error)
        dimension = DEFAULT_DIMENSION
    try:
        period = period_parse(params=params, today=today)
    except ValidationError as error:
        errors += _messages_of(error)
        period = last_weeks(weeks=DEFAULT_WEEKS, today=today)
    return dimension, period, errors


@login_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    today = local_today(cycle.timezone)
    dimension, period, errors = dashboard_view_parse(request.GET, today=today)
    snapshot, structure = services.heatmap_snapshot_current(cycle=cycle, dimension=dimension, period=period)
    data = snapshot.data if snapshot else None
    figures = None
    if data and data["n"]:
        column_labels = labels.column_labels(dimension=dimension, columns=data["columns"],
                                             segments=structure.segments)
        figures = charts.dashboard_figures(data, column_labels=column_labels)
    period_params = scopes.period_query(period, today)
    drivers = _key_drivers(cycle, structure, dimension, period) if figures else None
    if figures and drivers and drivers["figures"]:
        figures.update(drivers["figures"])
    by_moment = drivers.get("by_moment", {}) if drivers else {}
    # Each critical moment with what its customers say and its effect on the outcome.
    critical = [(item, insights_display.critical_moment_insights(
        item, cycle_id=cycle.pk, timezone=cycle.timezone, period_params=period_params),
        by_moment.get(item["moment_id"])) for item in data["critical_moments"]] if data else []
    with_touchpoints = {touchpoint.moment_id for touchpoint in structure.touchpoints}
    moments_without_touchpoints = [moment.name for moment in structure.moments if moment.pk not in with_touchpoints]
    return render(request, "analytics/dashboard.html", {
        "cycle": cycle, "structure": structure, "snapshot": snapshot, "data": data, "figures": figures,
        "figures_json": charts.figures_json(figures) if figures else None,
        "critical": critical,
        "cells": _cells(cycle, data) if figures and data else None,
        "errors": errors, "dimension": dimension, "period": period, "picked_weeks": period.picked_weeks(today),
        "dimensions": DIMENSIONS,
        "week_choices": WEEK_CHOICES, "max_period_days": MAX_PERIOD_DAYS, "today": today,
        "recompute_url": reverse("analytics:recompute", args=[cycle.pk]),
        "moments_without_touchpoints": moments_without_touchpoints,
        "drivers": drivers,
    })


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
