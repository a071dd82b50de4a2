"""Alerts between Mondays: the scan that opens and closes them (issue 16).

After each rollup refresh (`refresh.rollups_refresh_and_fan_out`) and once an
hour from beat (`tasks.alerts_scan`), every moment and touchpoint of the
organizations whose cycles the refresh touched is judged over its last 7
local days (the cycle's time zone), from the daily rollups only, in a handful
of queries whatever the number of ratings or subjects: the cycles with their
moments and touchpoints, one GROUP BY over the window's rollups, the open
alerts (locked), then at most one UPDATE of the open alerts' figures, one
INSERT and one UPDATE per close reason. The rules are `analytics.alert_rules`.

Exactly once, even when two scans race: the open alerts are read `FOR
UPDATE`, so closings queue up; new alerts go in with `ON CONFLICT DO
NOTHING … RETURNING`, so of two scans opening the same subject only one row
(the partial unique constraints' one open alert per subject) comes back, and
only what came back is announced (`analytics.events`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from journeys.models import Moment, ServiceCycle

from .. import events
from ..alert_rules import MOMENT, TOUCHPOINT, WINDOW_DAYS, OpenAlert, Window, decide
from ..models import Alert, DailyRollup
from ..periods import local_today
from .base import derived_data_commit

logger = logging.getLogger(__name__)


@dataclass
class AlertScanResult:
    cycle_ids: list[int] = field(default_factory=list)
    subjects: int = 0
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Cycle:
    id: int
    organization_id: int
    timezone: str
    min_sample: int
    critical_share: float


@dataclass(frozen=True)
class _Names:
    moment: dict[int, str]
    touchpoint: dict[int, str]


def alert_window(zone: str, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The rolling window: the last 7 local days of the time zone, today included."""
    today = local_today(zone, now)
    return today - dt.timedelta(days=WINDOW_DAYS - 1), today


def _subjects(cycle_ids: Collection[int] | None) -> tuple[list[_Cycle], list[tuple[int, int, int | None]], _Names]:
    """The cycles to scan, and (moment id, cycle id, touchpoint id or None) for each of their
    moments and touchpoints, in one query. The cycles: every cycle (with moments) of the
    organizations these cycles belong to (all without ids), so an organization's
    false-discovery family never depends on which of its cycles a refresh happened to touch."""
    moments = Moment.objects.all()
    if cycle_ids is not None:
        moments = moments.filter(cycle__organization_id__in=_organizations_of(cycle_ids))
    rows = (moments.order_by("cycle_id", "position", "touchpoints__id")
            .values_list("pk", "name", "cycle_id", "cycle__organization_id", "cycle__timezone", "cycle__min_sample",
                         "cycle__critical_share", "touchpoints__id", "touchpoints__name"))
    cycles: dict[int, _Cycle] = {}
    structure: list[tuple[int, int, int | None]] = []
    moment_names: dict[int, str] = {}
    touchpoint_names: dict[int, str] = {}
    for moment_id, moment_name, cycle_id, organization_id, zone, min_sample, share, touchpoint_id, touchpoint_name \
            in rows:
        if cycle_id not in cycles:
            cycles[cycle_id] = _Cycle(cycle_id, organization_id, zone, min_sample, share)
        structure.append((moment_id, cycle_id, touchpoint_id))
        moment_names[moment_id] = moment_name
        if touchpoint_id is not None:
            touchpoint_names[touchpoint_id] = touchpoint_name
    return list(cycles.values()), structure, _Names(moment_names, touchpoint_names)


def _organizations_of(cycle_ids: Collection[int]):
    return ServiceCycle.objects.filter(pk__in=list(cycle_ids)).values("organization_id")


def _window_counts(touchpoints_by_window: dict[tuple[dt.date, dt.date], list[int]]) -> dict[int, tuple[int, int]]:
    """Touchpoint id → (ratings, dissatisfied) over its cycle's window: one GROUP BY over
    the rollups (cycles in different zones may be a day apart, one condition per window)."""
    condition = Q()
    for (start, end), touchpoint_ids in touchpoints_by_window.items():
        condition |= Q(touchpoint_id__in=touchpoint_ids, day__gte=start, day__lte=end)
    if not condition:
        return {}
    rows = (DailyRollup.objects.filter(condition).order_by().values("touchpoint_id")
            .annotate(ratings=Cast(Sum("n"), BigIntegerField()),
                      unhappy=Cast(Sum("dissatisfied"), BigIntegerField()))
            .values_list("touchpoint_id", "ratings", "unhappy"))
    return {touchpoint_id: (int(n), int(d)) for touchpoint_id, n, d in rows}


def alert_windows(cycles: list[_Cycle], structure: list[tuple[int, int, int | None]], *, now: dt.datetime
                  ) -> tuple[list[Window], dict[int, tuple[dt.date, dt.date]]]:
    """Every moment's and touchpoint's window (moments summed from their touchpoints' rows)."""
    by_id = {cycle.id: cycle for cycle in cycles}
    windows_of = {cycle.id: alert_window(cycle.timezone, now) for cycle in cycles}
    touchpoints_by_window: dict[tuple[dt.date, dt.date], list[int]] = defaultdict(list)
    for _moment_id, cycle_id, touchpoint_id in structure:
        if touchpoint_id is not None:
            touchpoints_by_window[windows_of[cycle_id]].append(touchpoint_id)
    counts = _window_counts(touchpoints_by_window)
    moment_totals: dict[int, list[int]] = {}
    windows: list[Window] = []
    for moment_id, cycle_id, touchpoint_id in structure:
        cycle = by_id[cycle_id]
        total = moment_totals.setdefault(moment_id, [0, 0])
        if touchpoint_id is None:
            continue
        n, dissatisfied = counts.get(touchpoint_id, (0, 0))
        total[0] += n
        total[1] += dissatisfied
        windows.append(Window(TOUCHPOINT, cycle.organization_id, cycle_id, moment_id, touchpoint_id, n,
                              dissatisfied, cycle.min_sample, cycle.critical_share))
    cycle_of = {moment_id: cycle_id for moment_id, cycle_id, _touchpoint in structure}
    for moment_id, (n, dissatisfied) in moment_totals.items():
        cycle = by_id[cycle_of[moment_id]]
        windows.append(Window(MOMENT, cycle.organization_id, cycle.id, moment_id, None, n, dissatisfied,
                              cycle.min_sample, cycle.critical_share))
    return windows, windows_of


def alerts_scan(*, cycle_ids: Collection[int] | None = None, now: dt.datetime | None = None) -> AlertScanResult:
    """Open and close alerts for every moment and touchpoint of the organizations of
    `cycle_ids` (every cycle when None), from the rollups of their last 7 local days.
    Returns what it opened and closed; both are announced once the scan commits."""
    now = now or timezone.now()
    cycles, structure, names = _subjects(cycle_ids)
    result = AlertScanResult(cycle_ids=[cycle.id for cycle in cycles])
    windows, windows_of = alert_windows(cycles, structure, now=now)
    result.subjects = len(windows)
    open_alerts = Alert.objects.select_for_update().filter(closed_at__isnull=True)
    if cycle_ids is not None:  # those of a cycle whose every moment is gone included
        open_alerts = open_alerts.filter(organization_id__in=_organizations_of(cycle_ids))
    with transaction.atomic():
        decisions = decide(windows, [OpenAlert(*row) for row in open_alerts.order_by("pk").values_list(
            "pk", "subject", "moment_id", "touchpoint_id", "last_critical_at")], now=now)
        if not decisions.open and not decisions.close:
            # Only the figures of open alerts change: derived data, announced to nobody.
            derived_data_commit()
        _figures_update(decisions.keep, decisions.close, windows_of, now=now)
        result.closed = _close(decisions.close, now=now)
        result.opened = _insert(decisions.open, decisions.p_values, names, windows_of, now=now)
        if result.opened:
            events.alerts_opened.send(alert_ids=result.opened)
        if result.closed:
            events.alerts_closed.send(alert_ids=result.closed)
    if result.opened or result.closed:
        logger.info("alerts: opened %s, closed %s (cycles %s)", result.opened, result.closed, result.cycle_ids)
    return result


def _figures_update(keep: dict[int, tuple[Window, bool]], close: dict[int, tuple[str, Window | None]],
                    windows_of: dict[int, tuple[dt.date, dt.date]], *, now: dt.datetime) -> None:
    """The latest window's figures on every open alert that was scanned, and the time it
    was last critical, in one UPDATE … FROM (VALUES …) (bulk_update's CASE per row and
    column cost more Python than the scan's every query)."""
    rows: list[tuple[int, Window, bool]] = [(alert_id, window, critical) for alert_id, (window, critical)
                                            in keep.items()]
    rows += [(alert_id, seen, False) for alert_id, (_reason, seen) in close.items() if seen is not None]
    if not rows:
        return
    ops = connection.ops
    params: list[Any] = [ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(now)]
    for alert_id, window, critical in rows:
        params += [alert_id, window.n, window.dissatisfied, ops.adapt_datefield_value(windows_of[window.cycle_id][1]),
                   1 if critical else 0]
    table = Alert._meta.db_table
    # VALUES' columns are column1… on PostgreSQL and SQLite alike; the date is cast on PostgreSQL.
    day = "CAST(v.column4 AS date)" if connection.vendor == "postgresql" else "v.column4"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET latest_n = v.column2, latest_dissatisfied = v.column3, latest_window_end = {day}, "
            f"checked_at = %s, last_critical_at = CASE WHEN v.column5 = 1 THEN %s ELSE {table}.last_critical_at END "
            f"FROM (VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(rows))}) AS v "
            f"WHERE {table}.id = v.column1", params)


def _close(close: dict[int, tuple[str, Window | None]], *, now: dt.datetime) -> list[int]:
    """Close the alerts (rows locked by the scan); one UPDATE per reason."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for alert_id, (reason, _window) in close.items():
        by_reason[reason].append(alert_id)
    closed: list[int] = []
    for reason, alert_ids in sorted(by_reason.items()):
        if Alert.objects.filter(pk__in=alert_ids, closed_at__isnull=True).update(closed_at=now, close_reason=reason):
            closed.extend(alert_ids)
    return sorted(closed)


# The columns a new alert is inserted with (the rest: closed_at NULL).
_INSERT_COLUMNS = ("organization_id", "cycle_id", "subject", "moment_id", "touchpoint_id", "moment_name",
                   "touchpoint_name", "window_start", "window_end", "n", "dissatisfied", "p_value", "min_sample",
                   "critical_share", "opened_at", "latest_n", "latest_dissatisfied", "latest_window_end",
                   "checked_at", "last_critical_at", "close_reason")


def _insert(found: list[Window], p_values: dict[tuple[str, int], float], names: _Names,
            windows_of: dict[int, tuple[dt.date, dt.date]], *, now: dt.datetime) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: a subject another scan opened an
    alert for meanwhile (the one-open-alert constraints) comes back as nothing."""
    if not found:
        return []
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    rows: list[Any] = []
    for window in found:
        start, end = windows_of[window.cycle_id]
        rows.extend([
            window.organization_id, window.cycle_id, window.subject, window.moment_id, window.touchpoint_id,
            names.moment[window.moment_id][:120],
            names.touchpoint.get(window.touchpoint_id, "")[:120] if window.touchpoint_id else "",
            ops.adapt_datefield_value(start), ops.adapt_datefield_value(end), window.n, window.dissatisfied,
            p_values[window.key], window.min_sample, window.critical_share, stamp, window.n, window.dissatisfied,
            ops.adapt_datefield_value(end), stamp, stamp, "",
        ])
    placeholders = "(" + ", ".join(["%s"] * len(_INSERT_COLUMNS)) + ")"
    sql = (f"INSERT INTO {Alert._meta.db_table} ({', '.join(_INSERT_COLUMNS)}) "
           f"VALUES {', '.join([placeholders] * len(found))} ON CONFLICT DO NOTHING RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(sql, rows)
        return sorted(row[0] for row in cursor.fetchall())


def alerts_close_orphans(*, cycle_ids: Iterable[int], now: dt.datetime | None = None) -> list[int]:
    """Close the open alerts of these cycles whose moment or touchpoint was deleted
    (`moment_deleted` / `touchpoint_deleted`), and announce it. Called when a moment
    or touchpoint is removed; every scan does the same."""
    now = now or timezone.now()
    with transaction.atomic():
        open_alerts = [OpenAlert(*row) for row in Alert.objects.select_for_update()
                       .filter(cycle_id__in=list(cycle_ids), closed_at__isnull=True)
                       .filter(Q(moment__isnull=True) | Q(subject=TOUCHPOINT, touchpoint__isnull=True))
                       .order_by("pk").values_list("pk", "subject", "moment_id", "touchpoint_id", "last_critical_at")]
        closing: dict[int, tuple[str, Window | None]] = {}
        for alert in open_alerts:
            gone = alert.gone
            if gone is not None:
                closing[alert.id] = (gone, None)
        closed = _close(closing, now=now)
        if closed:
            events.alerts_closed.send(alert_ids=closed)
    return closed
