"""Heatmap snapshots: what dashboards and the API read, computed from rollups only.

A snapshot is one view (cycle × dimension × period) as JSON of codes and
figures, remembered with the rollup version and the structure signature it was
computed from, so a stale one is recomputed when read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypedDict

import orjson
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    F,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.models import Moment, ServiceCycle
from momento.replica import replica_lag_seconds
from touchpoints.models import Channel, Segment, Touchpoint
from touchpoints.scales import has_promoters

from .. import heatmap, insights
from ..models import CycleRollupState, DailyRollup, HeatmapSnapshot
from ..periods import (
    DEFAULT_DIMENSION,
    DEFAULT_WEEKS,
    DIMENSIONS,
    Period,
    last_weeks,
    local_today,
)
from .base import BROKER_OUTAGE_ERRORS, Progress, derived_data_commit, no_progress

# 2: trends as codes (issue 13), columns as codes without translated labels.
# 3: critical moments carry the insights of their comments (issue 15).
# 4: cells, totals and critical moments carry NPS with its interval (issue 16).
# (insights_terms, the terms watermark its insights were read at, came later: a
# snapshot without it keeps nothing, and no reader needs it.)
SNAPSHOT_FORMAT = 4
# Snapshots viewed/computed within this window are kept warm after new ratings.
WARM_SNAPSHOT_DAYS = 7
STALE_SNAPSHOT_DAYS = 30
MAX_WARM_SNAPSHOTS = 12
SNAPSHOT_VIEW_FIELDS = ["cycle", "dimension", "period_start", "period_end"]



@dataclass
class CycleStructure:
    moments: list[Moment]
    touchpoints: list[Touchpoint]
    segments: list[Segment]
    signature: str


# What a snapshot's signature is made of, per row, in this order (`_signature`).
_MOMENT_SIGNED = ("pk", "position", "name", "kind", "protocol", "owner_id")
_TOUCHPOINT_SIGNED = ("pk", "moment_id", "name", "channel", "scale")
_SEGMENT_SIGNED = ("pk", "name")


def _moments(cycle: ServiceCycle) -> QuerySet[Moment]:
    return Moment.objects.filter(cycle=cycle).order_by("position")


def _touchpoints(cycle: ServiceCycle) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.filter(moment__cycle=cycle).order_by("moment__position", "id")


def _segments(cycle: ServiceCycle, dimension: str) -> QuerySet[Segment]:
    return Segment.objects.filter(organization_id=cycle.organization_id).order_by("name", "id") \
        if dimension == "segments" else Segment.objects.none()


def _signature(cycle: ServiceCycle, moments: list, touchpoints: list, segments: list) -> str:
    """A digest of everything a snapshot shows besides its figures (rows of the
    _*_SIGNED fields), so a rename or new threshold makes it stale."""
    organization = cycle.organization
    described = {
        "format": SNAPSHOT_FORMAT,
        "cycle": [cycle.timezone, cycle.min_sample, cycle.critical_share],
        "wom": [organization.wom_share_telling, organization.wom_people_told, organization.wom_share_social],
        "comments": [organization.comment_analysis, organization.comment_language],
        "moments": moments,
        "touchpoints": touchpoints,
        "segments": segments,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _rows(objects: list, fields: tuple[str, ...]) -> list[list]:
    return [[getattr(item, field) for field in fields] for item in objects]


def cycle_structure(*, cycle: ServiceCycle, dimension: str) -> CycleStructure:
    """Moments, touchpoints (and segments for that dimension) plus the signature of
    everything a snapshot shows (`_signature`)."""
    moments = list(_moments(cycle).select_related("owner"))
    touchpoints = list(_touchpoints(cycle))
    segments = list(_segments(cycle, dimension))
    signature = _signature(cycle, _rows(moments, _MOMENT_SIGNED), _rows(touchpoints, _TOUCHPOINT_SIGNED),
                           _rows(segments, _SEGMENT_SIGNED))
    return CycleStructure(moments, touchpoints, segments, signature)


def cycle_signature(*, cycle: ServiceCycle, dimension: str) -> str | None:
    """`cycle_structure(...).signature` read as plain rows, without the objects (what
    a reader needs to tell whether a stored snapshot may be shown); None when the
    cycle has no moments."""
    moments = [list(row) for row in _moments(cycle).values_list(*_MOMENT_SIGNED)]
    if not moments:
        return None
    return _signature(cycle, moments, [list(row) for row in _touchpoints(cycle).values_list(*_TOUCHPOINT_SIGNED)],
                      [list(row) for row in _segments(cycle, dimension).values_list(*_SEGMENT_SIGNED)])


# Sums come back as integers (and a float): PostgreSQL's SUM(bigint) is numeric,
# which psycopg2 would hand over as Decimal, slow to add up in Python.
def _sums(prefix: str = "total_") -> dict[str, Cast]:
    return {f"{prefix}{name}": Cast(Sum(name), FloatField() if name == "sum_normalized" else BigIntegerField())
            for name in heatmap.COUNT_FIELDS}


def _rows_with_counts(query) -> Iterator[tuple[dict, heatmap.Counts]]:
    """The grouping values and the `_sums()` of each row of a values() query.

    Read with a plain cursor: the ORM's per-value converters took longer than
    the heatmap's own arithmetic on the few hundred rows of a view.
    """
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:  # the replica inside momento.replica.replica_reads()
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        fetched = cursor.fetchall()
    totals = [names.index(f"total_{name}") for name in heatmap.COUNT_FIELDS]
    keys = [(index, name) for index, name in enumerate(names) if not name.startswith("total_")]
    for values in fetched:
        yield ({name: values[index] for index, name in keys},
               heatmap.Counts(*(values[index] or 0 for index in totals)))


def _week_key(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _columns(dimension: str, period: Period, structure: CycleStructure) -> list[dict[str, str]]:
    """The columns as codes: week key ("2026-W42", with the first day it covers),
    channel code, segment key ("s12", "none"). Labels are translated when a page
    or an answer renders them (`analytics.labels`), so a snapshot reads the same
    whatever language computed it."""
    if dimension == "weeks":
        monday = period.start - dt.timedelta(days=period.start.weekday())
        columns = []
        while monday <= period.end:
            columns.append({"key": _week_key(monday), "start": max(monday, period.start).isoformat()})
            monday += dt.timedelta(weeks=1)
        return columns
    if dimension == "channels":
        present = {tp.channel for tp in structure.touchpoints}
        return [{"key": value} for value in Channel.values if value in present]
    return [{"key": f"s{segment.pk}"} for segment in structure.segments] + [{"key": "none"}]


class WeeksSince(Func):
    """Whole weeks from `anchor` (a Monday on or before every day it is given)
    to a date: integer arithmetic, where ISO year and week EXTRACTs (numeric
    on PostgreSQL) took half the heatmap query's time."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "((%(expressions)s) / 7)"

    def __init__(self, day: str, anchor: dt.date):
        super().__init__(F(day), Value(anchor, output_field=DateField()))

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(CAST(julianday(%(expressions)s) AS INTEGER) / 7)",
                           arg_joiner=") - julianday(", **extra_context)


# Where a rollup day falls, for `_aggregate`.
IN_PERIOD, IN_PREVIOUS = 2, 1


def _aggregate(cycle: ServiceCycle, dimension: str, period: Period, structure: CycleStructure
               ) -> dict[int, heatmap.RowInput]:
    """One SQL GROUP BY over the cycle's rollups per view: touchpoint × column ×
    whether the day falls in the period or the previous one. The period and
    previous-period totals are sums of those rows."""
    previous = period.previous
    rows: dict[int, heatmap.RowInput] = {tp.pk: heatmap.RowInput() for tp in structure.touchpoints}
    where = Case(When(day__gte=period.start, then=Value(IN_PERIOD)), default=Value(IN_PREVIOUS),
                 output_field=IntegerField())
    in_view = (DailyRollup.objects.filter(touchpoint_id__in=[tp.pk for tp in structure.touchpoints],
                                          day__gte=previous.start, day__lte=period.end)
               .order_by().annotate(where=where))
    anchor = previous.start - dt.timedelta(days=previous.start.weekday())
    query: QuerySet[DailyRollup, Mapping[str, Any]]
    if dimension == "weeks":
        query = in_view.annotate(week=WeeksSince("day", anchor)).values("touchpoint_id", "where", "week")
    elif dimension == "segments":
        query = in_view.values("touchpoint_id", "where", "segment_key")
    else:
        query = in_view.values("touchpoint_id", "where")

    known_segments = {segment.pk for segment in structure.segments}
    # NPS is counted over ratings on a scale with promoters only (a touchpoint's
    # scale is fixed once it has ratings), so a moment mixing scales has the
    # NPS of its NPS touchpoints, never one diluted by its CSAT ratings.
    nps_touchpoints = {tp.pk for tp in structure.touchpoints if has_promoters(tp.scale)}
    week_keys: dict[int, str] = {}
    for row, counts in _rows_with_counts(query.annotate(**_sums())):
        target = rows.get(row["touchpoint_id"])
        if target is None:
            continue
        if row["touchpoint_id"] in nps_touchpoints:
            counts.nps_n = counts.n
        in_period = row["where"] == IN_PERIOD
        (target.period if in_period else target.previous_period).add(counts)
        if dimension == "weeks":
            # Week columns compare with each other only: the previous period's
            # weeks count towards its total, not towards a column.
            if in_period:
                week = row["week"]
                if week not in week_keys:
                    week_keys[week] = _week_key(anchor + dt.timedelta(weeks=week))
                target.columns.setdefault(week_keys[week], heatmap.Counts()).add(counts)
        elif dimension == "segments":
            # A deleted segment leaves its ratings without one (SET_NULL): same here.
            key = f"s{row['segment_key']}" if row["segment_key"] in known_segments else "none"
            columns = target.columns if in_period else target.previous_columns
            columns.setdefault(key, heatmap.Counts()).add(counts)

    if dimension == "channels":
        for touchpoint in structure.touchpoints:
            target = rows[touchpoint.pk]
            target.columns[touchpoint.channel] = target.period
            target.previous_columns[touchpoint.channel] = target.previous_period
    return rows


class HeatmapData(TypedDict):
    """A snapshot's JSON (HeatmapSnapshot.data)."""

    format: int
    dimension: str
    period: dict[str, object]
    previous_period: dict[str, object]
    thresholds: dict[str, float]
    timezone: str
    columns: list[dict[str, str]]
    rows: list[heatmap.MomentRow]
    n: int
    dissatisfied: int
    empty: str | None
    critical_moments: list[heatmap.CriticalMoment]
    insights_terms: int


def heatmap_data_build(*, cycle: ServiceCycle, dimension: str, period: Period,
                       structure: CycleStructure | None = None,
                       previous: Callable[[], PreviousInsights | None] | None = None) -> HeatmapData:
    """The snapshot JSON for one cycle, dimension and period, from rollups only (and
    the insights of the snapshot it replaces, which `previous` reads when there are
    critical moments, while no word was counted since)."""
    if dimension not in DIMENSIONS:
        raise ValidationError({"dimension": _("Unknown dimension.")})
    structure = structure or cycle_structure(cycle=cycle, dimension=dimension)
    thresholds = heatmap.Thresholds(min_sample=cycle.min_sample, critical_share=cycle.critical_share)
    organization = cycle.organization
    wom = heatmap.WordOfMouth(organization.wom_share_telling, organization.wom_people_told,
                              organization.wom_share_social)
    columns = _columns(dimension, period, structure)
    keys = [column["key"] for column in columns]
    by_touchpoint = _aggregate(cycle, dimension, period, structure) if structure.touchpoints else {}
    compare_previous_column = dimension == "weeks"

    def render(row: heatmap.RowInput) -> tuple[list[heatmap.Cell], heatmap.Summary]:
        cells = heatmap.row_cells(row, column_keys=keys, thresholds=thresholds,
                                  compare_with_previous_column=compare_previous_column)
        return cells, heatmap.summary(row.period, row.previous_period, thresholds=thresholds, wom=wom)

    touchpoints_of: dict[int, list[Touchpoint]] = {}
    for touchpoint in structure.touchpoints:
        touchpoints_of.setdefault(touchpoint.moment_id, []).append(touchpoint)
    rows: list[heatmap.MomentRow] = []
    for moment in structure.moments:
        tps = touchpoints_of.get(moment.pk, [])
        cells, total = render(heatmap.merge_rows(by_touchpoint[tp.pk] for tp in tps))
        tp_rows: list[heatmap.TouchpointRow] = []
        for tp in tps:
            tp_cells, tp_total = render(by_touchpoint[tp.pk])
            tp_rows.append({"id": tp.pk, "name": tp.name, "channel": tp.channel, "cells": tp_cells, "total": tp_total})
        rows.append({
            "id": moment.pk, "name": moment.name, "moment_kind": moment.kind, "position": moment.position,
            "protocol": moment.protocol, "owner": moment.owner.get_username() if moment.owner else None,
            "cells": cells, "total": total, "touchpoints": tp_rows,
        })
    overall = heatmap.Counts.total(by_touchpoint[tp.pk].period for tp in structure.touchpoints)
    critical = heatmap.critical_moments(rows)
    insights_terms = _add_insights(cycle, period, structure, critical, previous)
    return {
        "format": SNAPSHOT_FORMAT,
        "dimension": dimension,
        "period": period.as_dict(),
        "previous_period": period.previous.as_dict(),
        "thresholds": {"min_sample": thresholds.min_sample, "critical_share": thresholds.critical_share},
        "timezone": cycle.timezone,
        "columns": columns,
        "rows": rows,
        "n": int(overall.n),
        "dissatisfied": int(overall.dissatisfied),
        "empty": _empty_state(structure, overall, rows),
        "critical_moments": critical,
        "insights_terms": insights_terms,
    }


@dataclass
class PreviousInsights:
    """What a recompute may keep of the snapshot it replaces: its signature, up to
    which rating the words were counted when its insights were read, and its
    critical moments (with their insights)."""

    signature: str
    insights_terms: int | None
    critical_moments: list[dict[str, Any]]


def _json_part(key: str, *, number: bool = False) -> str:
    """SQL reading one top-level part of a stored snapshot's JSON (`data`)."""
    if connection.vendor == "postgresql":
        return f"(data ->> '{key}')::bigint" if number else f"data -> '{key}'"
    return f"json_extract(data, '$.{key}')"


def _stored_parts(cycle_id: int, dimension: str, period: Period, columns: list[str]) -> tuple | None:
    """`columns` (SQL) of the stored snapshot of this view, without the rest of its JSON."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {HeatmapSnapshot._meta.db_table} "
                       "WHERE cycle_id = %s AND dimension = %s AND period_start = %s AND period_end = %s "
                       "AND status = %s",
                       [cycle_id, dimension, period.start, period.end, HeatmapSnapshot.Status.READY])
        return cursor.fetchone()


def _previous_insights(cycle_id: int, dimension: str, period: Period) -> PreviousInsights | None:
    """The stored snapshot of this view's insights, read without the rest of its JSON."""
    row = _stored_parts(cycle_id, dimension, period,
                        ["signature", _json_part("insights_terms", number=True), _json_part("critical_moments")])
    if row is None:
        return None
    signature, insights_terms, critical = row
    if isinstance(critical, str | bytes):
        critical = orjson.loads(critical)
    return PreviousInsights(signature, insights_terms, critical if isinstance(critical, list) else [])


def _scope(item: Mapping[str, Any]) -> tuple:
    """What a critical moment's insights are about: the moment, or its critical touchpoints."""
    return (item["moment_id"], item["moment_critical"],
            tuple(sorted(touchpoint["id"] for touchpoint in item["critical_touchpoints"])))


def _insights_kept(critical: list[heatmap.CriticalMoment], structure: CycleStructure,
                   previous: Callable[[], PreviousInsights | None] | None, terms: int) -> bool:
    """Give each critical moment the previous snapshot's insights of the same scope,
    when that snapshot had the same structure (and comment settings), no word was
    counted since its insights were read (the terms watermark stands where it
    stood), and every critical moment has its own there. Whether they were kept."""
    found = previous() if previous is not None else None
    if found is None or found.signature != structure.signature or found.insights_terms != terms:
        return False
    kept = {_scope(item): item["insights"] for item in found.critical_moments if "insights" in item}
    if any(_scope(item) not in kept for item in critical):
        return False
    for item in critical:
        item["insights"] = kept[_scope(item)]
    return True


def _add_insights(cycle: ServiceCycle, period: Period, structure: CycleStructure,
                  critical: list[heatmap.CriticalMoment],
                  previous: Callable[[], PreviousInsights | None] | None = None) -> int:
    """Each critical moment's words and verbatims: of the whole moment when it is
    critical, else of its critical touchpoints (the item's scope), against the
    rest of the cycle. One read of the counted terms for all of them, unless the
    previous snapshot's are kept (`_insights_kept`). Returns the terms watermark
    they were read at."""
    from .refresh import terms_watermark

    terms = terms_watermark()
    if not critical or _insights_kept(critical, structure, previous, terms):
        return terms
    cycle_ids = [touchpoint.pk for touchpoint in structure.touchpoints]
    if not cycle.organization.comment_analysis:
        for item in critical:
            item["insights"] = insights.off()
        return terms
    table = insights.term_table(touchpoint_ids=cycle_ids, period=period)
    for item in critical:
        if item["moment_critical"]:
            focus = [tp.pk for tp in structure.touchpoints if tp.moment_id == item["moment_id"]]
        else:
            focus = [tp["id"] for tp in item["critical_touchpoints"]]
        item["insights"] = insights.scope_insights(cycle=cycle, table=table, focus_ids=focus,
                                                   cycle_touchpoint_ids=cycle_ids, period=period)
    return terms


def _empty_state(structure: CycleStructure, overall: heatmap.Counts, rows: list[heatmap.MomentRow]) -> str | None:
    """Why the heatmap has nothing to say, if it has nothing to say."""
    if not structure.moments:
        return "no_moments"
    if not structure.touchpoints:
        return "no_touchpoints"
    if overall.n == 0:
        return "no_ratings"
    if not any(row["total"]["enough"] or any(tp["total"]["enough"] for tp in row["touchpoints"]) for row in rows):
        return "too_few"
    return None


def _cycle_version(cycle: ServiceCycle) -> int:
    return CycleRollupState.objects.filter(cycle=cycle).values_list("version", flat=True).first() or 0


def _snapshot_build(*, cycle: ServiceCycle, dimension: str, period: Period,
                    structure: CycleStructure | None = None) -> HeatmapSnapshot:
    """The snapshot of one view, computed from rollups, not stored."""
    version = _cycle_version(cycle)
    structure = structure or cycle_structure(cycle=cycle, dimension=dimension)
    data = heatmap_data_build(cycle=cycle, dimension=dimension, period=period, structure=structure,
                              previous=partial(_previous_insights, cycle.pk, dimension, period))
    return HeatmapSnapshot(
        cycle=cycle, dimension=dimension, period_start=period.start, period_end=period.end,
        status=HeatmapSnapshot.Status.READY, computed_at=timezone.now(), rollup_version=version,
        signature=structure.signature, critical_count=len(data["critical_moments"]), data=data, error="",
    )


@transaction.atomic
def heatmap_snapshot_compute(*, cycle: ServiceCycle, dimension: str, period: Period,
                             structure: CycleStructure | None = None) -> HeatmapSnapshot:
    """Compute and store (replacing the previous one) the snapshot of one view."""
    derived_data_commit()
    snapshot = _snapshot_build(cycle=cycle, dimension=dimension, period=period, structure=structure)
    # One INSERT … ON CONFLICT DO UPDATE: update_or_create would first read (and
    # decode) the old snapshot's JSON only to overwrite it.
    HeatmapSnapshot.objects.bulk_create(
        [snapshot], update_conflicts=True, unique_fields=SNAPSHOT_VIEW_FIELDS,
        update_fields=["status", "computed_at", "rollup_version", "signature", "critical_count", "data", "error"],
    )
    return snapshot


def heatmaps_refresh_cycle(*, cycle_id: int, progress: Progress = no_progress,
                           extra: list[tuple[str, Period]] | None = None, only_stale: bool = False) -> int:
    """Recompute the cycle's default snapshot, the ones in use lately and `extra`;
    with `only_stale`, only those that are not current (`_snapshot_current`).

    Returns how many snapshots were computed. Old snapshots are pruned.
    """
    cycle = ServiceCycle.objects.select_related("organization").filter(pk=cycle_id).first()
    if cycle is None:
        return 0
    now = timezone.now()
    HeatmapSnapshot.objects.filter(cycle=cycle, computed_at__lt=now - dt.timedelta(days=STALE_SNAPSHOT_DAYS)).delete()
    today = local_today(cycle.timezone, now)
    views: list[tuple[str, Period]] = list(extra or [])
    views.append((DEFAULT_DIMENSION, last_weeks(weeks=DEFAULT_WEEKS, today=today)))
    recent = (HeatmapSnapshot.objects.filter(cycle=cycle, computed_at__gte=now - dt.timedelta(days=WARM_SNAPSHOT_DAYS))
              .order_by("-computed_at").values_list("dimension", "period_start", "period_end")[:MAX_WARM_SNAPSHOTS])
    for dimension, start, end in recent:
        views.append((dimension, Period(start=start, end=end)))
    unique: list[tuple[str, Period]] = []
    seen: set[tuple[str, dt.date, dt.date]] = set()
    for dimension, period in views:
        if (dimension, period.start, period.end) not in seen:
            seen.add((dimension, period.start, period.end))
            unique.append((dimension, period))
    structures: dict[str, CycleStructure] = {}  # read once per dimension, not per view
    computed = 0
    standing = _standing(cycle) if only_stale else None  # read once, not per view
    for index, (dimension, period) in enumerate(unique):
        if dimension not in structures:
            structures[dimension] = cycle_structure(cycle=cycle, dimension=dimension)
        if not structures[dimension].moments:
            progress(1, 1)
            return 0
        if standing is None or not _snapshot_current(cycle, dimension, period, structures[dimension], standing):
            heatmap_snapshot_compute(cycle=cycle, dimension=dimension, period=period,
                                     structure=structures[dimension])
            computed += 1
        progress(index + 1, len(unique))
    return computed


def _standing(cycle: ServiceCycle) -> tuple[int, int]:
    """The cycle's rollup version and the terms watermark, as they stand."""
    from .refresh import terms_watermark

    return _cycle_version(cycle), terms_watermark()


def _snapshot_current(cycle: ServiceCycle, dimension: str, period: Period, structure: CycleStructure,
                      standing: tuple[int, int]) -> bool:
    """Whether the stored snapshot of this view is what computing it now would store:
    the rollup version and structure as they stand, and its insights read at the terms
    watermark as it stands (no word counted since); `standing`: `_standing(cycle)`."""
    version, terms = standing
    row = _stored_parts(cycle.pk, dimension, period,
                        ["rollup_version", "signature", _json_part("insights_terms", number=True)])
    return row is not None and tuple(row) == (version, structure.signature, terms)


# Two workers' refreshes of one cycle at once (the words' and the ratings' fan-outs
# after each other) computed the same snapshots side by side, each its insights.
HEATMAPS_LOCK_CLASS = 0x6D6F6D02  # pg_advisory_lock(class, cycle id): a key space of its own


@contextlib.contextmanager
def heatmaps_refresh_lock(cycle_id: int) -> Iterator[None]:
    """One refresh of a cycle's snapshots at a time (PostgreSQL; SQLite has one writer anyway)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [HEATMAPS_LOCK_CLASS, cycle_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [HEATMAPS_LOCK_CLASS, cycle_id])


def heatmap_snapshot_current(*, cycle: ServiceCycle, dimension: str, period: Period
                             ) -> tuple[HeatmapSnapshot | None, CycleStructure]:
    """The snapshot of this view, recomputed from rollups first if missing or stale.

    None when the cycle has no moments (nothing to compute). Pages and the API
    share this, so both always show the same, current figures.
    """
    from ..selectors import heatmap_snapshot_get, snapshot_is_fresh

    structure = cycle_structure(cycle=cycle, dimension=dimension)
    if not structure.moments:
        return None, structure
    snapshot = heatmap_snapshot_get(cycle=cycle, dimension=dimension, period=period)
    if snapshot is None or not snapshot_is_fresh(snapshot=snapshot, signature=structure.signature):
        if snapshot is not None and _worker_recomputing(snapshot, structure.signature):
            return snapshot, structure
        # Rollups are small (touchpoints × days × segments): computing here is
        # cheap and keeps answers right even before a worker caught up.
        if replica_lag_seconds() is not None:
            # Read from a replica: show what it has, but never store a snapshot
            # computed from older rollups over the primary's newer one.
            return _snapshot_build(cycle=cycle, dimension=dimension, period=period, structure=structure), structure
        snapshot = heatmap_snapshot_compute(cycle=cycle, dimension=dimension, period=period, structure=structure)
    return snapshot, structure


def heatmap_snapshot_shown(*, cycle: ServiceCycle, dimension: str, period: Period) -> HeatmapSnapshot | None:
    """The stored snapshot of this view that `heatmap_snapshot_current` would answer
    as it is (fresh, or stale by new ratings while a worker recomputes it), its
    `data` not read: a reader whose answer for this snapshot is cached needs no
    more. None when it would compute one (or the cycle has no moments)."""
    from ..selectors import heatmap_snapshot_get, snapshot_is_fresh

    signature = cycle_signature(cycle=cycle, dimension=dimension)
    if signature is None:
        return None
    snapshot = heatmap_snapshot_get(cycle=cycle, dimension=dimension, period=period, with_data=False)
    if snapshot is None:
        return None
    if snapshot_is_fresh(snapshot=snapshot, signature=signature) or _worker_recomputing(snapshot, signature):
        return snapshot
    return None


def snapshot_identity(snapshot: HeatmapSnapshot) -> list:
    """What tells one computed snapshot from any other: a cache key of what is drawn from it."""
    return [snapshot.pk, snapshot.computed_at.isoformat(), snapshot.signature, snapshot.rollup_version]


# A snapshot behind the rollups by new ratings only is shown as it is while a
# worker recomputes it (queued by the refresh that counted them), if it is no
# older than this or behind by the latest refresh only: under steady ingest every
# refresh makes the snapshots stale, and readers computing them again each, at
# once, beside the worker, were the slowest dashboard requests (`make bench`,
# mixed load). A snapshot that was current until the latest refresh may be old:
# ratings arriving after a quiet hour made every reader compute it.
STALE_WHILE_RECOMPUTING = dt.timedelta(seconds=30)
RECOMPUTE_QUEUED_KEY = "analytics:heatmaps-queued:{cycle_id}"


def heatmaps_recompute_queued(cycle_ids: list[int]) -> None:
    """Note that a worker was asked to recompute these cycles' snapshots (the
    cache forgets it after STALE_WHILE_RECOMPUTING)."""
    with contextlib.suppress(*BROKER_OUTAGE_ERRORS):
        cache.set_many({RECOMPUTE_QUEUED_KEY.format(cycle_id=cycle_id): True for cycle_id in cycle_ids},
                       timeout=int(STALE_WHILE_RECOMPUTING.total_seconds()))


def _worker_recomputing(snapshot: HeatmapSnapshot, signature: str) -> bool:
    """Whether a stale snapshot may be shown as it is: only new ratings make it
    stale (what it shows is unchanged), it is recent or behind by one refresh
    only, and a worker was asked to recompute it. Edits (another `signature`) are
    always shown at once."""
    if snapshot.signature != signature:
        return False
    from ..selectors import snapshot_refreshes_behind

    one_refresh_behind = snapshot_refreshes_behind(snapshot=snapshot) == 1
    if snapshot.computed_at < timezone.now() - STALE_WHILE_RECOMPUTING and not one_refresh_behind:
        return False
    return heatmaps_worker_asked(snapshot.cycle_id)


def heatmaps_worker_asked(cycle_id: int) -> bool:
    """Whether a worker was asked lately (STALE_WHILE_RECOMPUTING) to recompute the
    cycle's snapshots, and so to draw its default dashboard after them."""
    try:
        return bool(cache.get(RECOMPUTE_QUEUED_KEY.format(cycle_id=cycle_id)))
    except BROKER_OUTAGE_ERRORS:
        return False
