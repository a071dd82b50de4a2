"""Reads of the analytics. Pages and other apps read snapshots, never raw ratings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import DateField, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, ExtractIsoYear, ExtractWeek
from django.utils import timezone

from journeys.models import ServiceCycle

from .models import CycleRollupState, DailyRollup, HeatmapSnapshot
from .periods import DEFAULT_DIMENSION, DEFAULT_WEEKS, Period


def heatmap_snapshot_get(*, cycle: ServiceCycle, dimension: str, period: Period,
                         with_data: bool = True) -> HeatmapSnapshot | None:
    """The stored snapshot of exactly this view, annotated with the cycle's
    current rollup version (`current_version`) to judge staleness; without
    `with_data`, its JSON is left unread (reading it later costs a query)."""
    snapshots = HeatmapSnapshot.objects.all() if with_data else HeatmapSnapshot.objects.defer("data")
    return (
        snapshots.filter(
            cycle=cycle, dimension=dimension, period_start=period.start, period_end=period.end,
            status=HeatmapSnapshot.Status.READY,
        )
        .annotate(current_version=Subquery(
            CycleRollupState.objects.filter(cycle_id=OuterRef("cycle_id")).values("version")[:1]
        ))
        .first()
    )


def snapshot_refreshes_behind(*, snapshot: HeatmapSnapshot) -> int:
    """How many rollup refreshes reached the cycle since the snapshot was computed
    (`current_version` is annotated by heatmap_snapshot_get)."""
    return (getattr(snapshot, "current_version", None) or 0) - snapshot.rollup_version


def snapshot_is_fresh(*, snapshot: HeatmapSnapshot, signature: str) -> bool:
    """Fresh when no ratings reached the cycle's rollups since, and nothing it shows changed."""
    return snapshot_refreshes_behind(snapshot=snapshot) == 0 and snapshot.signature == signature


def _newest_default(cycle_id):
    """Snapshots of the default view, the one for the most recent days first.

    The default view is "the last DEFAULT_WEEKS ISO weeks" by week, and that is
    a shape of the period's own days (it starts on a Monday, its end falls in
    the DEFAULT_WEEKS-th week), so it is found from the snapshot's columns, not
    from how some request once asked for it. Whatever day it was computed on,
    the newest such period describes "the recent weeks"; a custom view of the
    same shape months ago, looked at later, is older by its days and is not
    taken for it, nor is one that ends in the future.
    """
    first_end, last_end = (dt.timedelta(days=7 * (DEFAULT_WEEKS - 1)), dt.timedelta(days=7 * DEFAULT_WEEKS - 1))
    # Tomorrow in UTC is on or after today in every time zone.
    latest_today = (timezone.now() + dt.timedelta(days=1)).date()
    return HeatmapSnapshot.objects.filter(
        cycle_id=cycle_id, dimension=DEFAULT_DIMENSION, status=HeatmapSnapshot.Status.READY,
        period_start__iso_week_day=1,
        period_end__gte=Cast(F("period_start") + first_end, DateField()),
        period_end__lte=Cast(F("period_start") + last_end, DateField()),
    ).filter(period_end__lte=latest_today).order_by("-period_end", "-computed_at")


def latest_moment_shares(*, cycle: ServiceCycle) -> dict[int, float | None]:
    """Dissatisfied share per moment id over the default period (None: no ratings).

    Empty when no snapshot was computed yet. One query.
    """
    return {pk: figures["dissatisfied_share"] for pk, figures in latest_moment_figures(cycle=cycle).items()}


def latest_moment_figures(*, cycle: ServiceCycle) -> dict[int, dict]:
    """Per moment id over the default period: `n` ratings, `dissatisfied_share` and
    `mean` (None without ratings) and whether it is `critical` (the moment or one of
    its touchpoints). Empty when no snapshot was computed yet. One query.
    """
    snapshot = _newest_default(cycle.pk).only("data").first()
    if snapshot is None:
        return {}
    critical = {item["moment_id"] for item in snapshot.data.get("critical_moments", [])}
    return {row["id"]: {"n": row["total"]["n"], "dissatisfied_share": row["total"]["share"],
                        "mean": row["total"]["mean"], "critical": row["id"] in critical}
            for row in snapshot.data.get("rows", [])}


def critical_count(*, cycle: ServiceCycle) -> int:
    """How many moments are critical (or hold a critical touchpoint) in the newest default snapshot."""
    return _newest_default(cycle.pk).values_list("critical_count", flat=True).first() or 0


def critical_counts(*, cycle_ids: Iterable[int]) -> dict[int, int]:
    """`critical_count` for many cycles in one query (for cycle lists)."""
    newest = _newest_default(OuterRef("pk")).values("critical_count")[:1]
    return {
        pk: count or 0
        for pk, count in ServiceCycle.objects.filter(pk__in=list(cycle_ids))
        .annotate(count=Subquery(newest)).values_list("pk", "count")
    }


# --- Weekly counts (the weekly review reads them) -------------------------------------


@dataclass(frozen=True)
class WeekCounts:
    n: int = 0
    dissatisfied: int = 0


def touchpoint_week_counts(
    *, cycle: ServiceCycle, first_week: dt.date, last_week: dt.date, touchpoint_ids: Iterable[int] | None = None
) -> dict[tuple[int, int, dt.date], WeekCounts]:
    """(moment id, touchpoint id, week Monday) → counts, for every ISO week in the range.

    One GROUP BY over the daily rollups (days are local to the cycle, so the
    weeks are the cycle's weeks, DST included).
    """
    rollups = DailyRollup.objects.filter(
        touchpoint__moment__cycle_id=cycle.pk, day__gte=first_week, day__lt=last_week + dt.timedelta(weeks=1)
    )
    if touchpoint_ids is not None:
        rollups = rollups.filter(touchpoint_id__in=list(touchpoint_ids))
    rows = (
        rollups.order_by()
        .annotate(iso_year=ExtractIsoYear("day"), iso_week=ExtractWeek("day"))
        .values("touchpoint_id", "touchpoint__moment_id", "iso_year", "iso_week")
        .annotate(total_n=Sum("n"), total_dissatisfied=Sum("dissatisfied"))
    )
    return {
        (row["touchpoint__moment_id"], row["touchpoint_id"], dt.date.fromisocalendar(row["iso_year"], row["iso_week"], 1)):
            WeekCounts(int(row["total_n"] or 0), int(row["total_dissatisfied"] or 0))
        for row in rows
    }


# --- Counts of a scope between two days (the effects of review items read them) ----------


@dataclass(frozen=True)
class ScopeWindow:
    """A moment (all its touchpoints) or one touchpoint, over local days start..end
    (the cycle's time zone, both included). A window whose end is before its start
    is empty: nothing is read for it."""

    moment_id: int
    touchpoint_id: int | None
    start: dt.date
    end: dt.date


# Windows summed per query: each is two conditional sums in one SELECT, and a
# page of 500 items would otherwise make one statement of 1,000 of them.
WINDOWS_PER_QUERY = 100


def scope_window_counts(*, windows: Sequence[ScopeWindow]) -> list[WeekCounts]:
    """Ratings and dissatisfied ratings of each window, in the order given.

    Daily rollups summed in SQL, two conditional sums per window
    (`SUM(n) FILTER (WHERE …)`), in one query per `WINDOWS_PER_QUERY` windows
    whatever the cycles they come from (rollup days are each cycle's local
    days already); no query at all when every window is empty.
    """
    results = [WeekCounts()] * len(windows)
    wanted = [(index, window) for index, window in enumerate(windows) if window.end >= window.start]
    for first in range(0, len(wanted), WINDOWS_PER_QUERY):
        chunk = wanted[first:first + WINDOWS_PER_QUERY]
        conditions = {index: _window_condition(window) for index, window in chunk}
        anywhere = Q()
        for condition in conditions.values():
            anywhere |= condition
        sums: dict[str, Any] = {}
        for index, condition in conditions.items():
            sums[f"n_{index}"] = Sum("n", filter=condition)
            sums[f"d_{index}"] = Sum("dissatisfied", filter=condition)
        found = DailyRollup.objects.filter(anywhere).aggregate(**sums)
        for index in conditions:
            results[index] = WeekCounts(int(found[f"n_{index}"] or 0), int(found[f"d_{index}"] or 0))
    return results


def _window_condition(window: ScopeWindow) -> Q:
    scope = (Q(touchpoint_id=window.touchpoint_id) if window.touchpoint_id is not None
             else Q(touchpoint__moment_id=window.moment_id))
    return scope & Q(day__gte=window.start, day__lte=window.end)
