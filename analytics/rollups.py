"""The one SQL aggregate from raw ratings to daily rollups, and its upsert.

Both the incremental refresh and the full rebuild run `upsert_ratings_range`:
ratings with `low < id <= high` (optionally of one cycle) are grouped by
touchpoint × local day × segment in one GROUP BY per time zone in use (usually
exactly one) and added to the rollup rows with INSERT … ON CONFLICT … DO UPDATE. Counts are *added*, so the caller
must guarantee each rating id range is applied once (the watermark row lock).

The local day is the rating's `occurred_at` in its cycle's time zone, so a late
rating lands in the day it happened, not the day it arrived. On PostgreSQL:
`(occurred_at AT TIME ZONE tz)::date`. On SQLite, Django's own
`django_datetime_cast_date(value, tz, 'UTC')` function (registered on every
SQLite connection, zoneinfo-backed) does the same conversion per row, DST
included, so both backends give the same days.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.db import connection
from django.utils import timezone

from .stats import SCALES

# Local days are computed from fixed UTC offsets for instants in this window
# around now (where nearly every rating falls), and by the time zone rules outside it.
OFFSET_WINDOW_BEFORE = dt.timedelta(days=800)
OFFSET_WINDOW_AFTER = dt.timedelta(days=7)


def offset_spans(zone: str, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """[start, end) cut where the zone's UTC offset changes: (from, to, offset seconds).

    Found by stepping a day at a time and bisecting each change to the second
    with zoneinfo, as everywhere else in Momento (periods, SQLite, the demo).
    Zones change their offset at most once a day, so a day step misses none.
    """
    info = zoneinfo.ZoneInfo(zone)

    def offset(second: int) -> int:
        return int(dt.datetime.fromtimestamp(second, info).utcoffset().total_seconds())

    first, last = int(start.timestamp()), int(end.timestamp())
    spans: list[tuple[int, int, int]] = []
    span_start, current = first, offset(first)
    for day in range(first, last, 86_400):
        following = min(day + 86_400, last)
        if offset(following) == current:
            continue
        low, high = day, following  # offset(low) == current != offset(high)
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == current else (low, middle)
        spans.append((span_start, high, current))
        span_start, current = high, offset(high)
    spans.append((span_start, last, current))
    moment = partial(dt.datetime.fromtimestamp, tz=dt.UTC)
    return [(moment(begin), moment(finish), seconds) for begin, finish, seconds in spans]


def _local_day_sql(spans: int) -> str:
    # The time zone is a bound parameter: one statement per time zone in use,
    # instead of joining every rating to its cycle to read the zone per row.
    if connection.vendor == "sqlite":
        return "django_datetime_cast_date(r.occurred_at, %(tz)s, 'UTC')"
    if connection.vendor != "postgresql":
        raise NotImplementedError(f"rollups are not implemented for {connection.vendor}")
    by_rules = "(r.occurred_at AT TIME ZONE %(tz)s)::date"
    if not spans:
        return by_rules
    # Applying a zone's rules to every row is most of the aggregate's cost
    # (0.53 → 0.35 s at 10⁶ ratings); a fixed offset per span is plain arithmetic.
    branches = " ".join(
        f"WHEN r.occurred_at >= %(span{i}_from)s AND r.occurred_at < %(span{i}_to)s "
        f"THEN ((r.occurred_at AT TIME ZONE 'UTC') + %(span{i}_offset)s::interval)::date"
        for i in reversed(range(spans))  # newest first: most ratings are recent
    )
    return f"CASE {branches} ELSE {by_rules} END"


def local_day_params(zone: str, *, now: dt.datetime) -> dict:
    """The parameters of `aggregate_sql(..., spans=len(...))` for this zone's days."""
    params: dict = {"tz": zone}
    if connection.vendor == "postgresql":
        spans = offset_spans(zone, now - OFFSET_WINDOW_BEFORE, now + OFFSET_WINDOW_AFTER)
        for i, (start, end, seconds) in enumerate(spans):
            params.update({f"span{i}_from": start, f"span{i}_to": end, f"span{i}_offset": f"{seconds} seconds"})
    return params


def _span_count(params: dict) -> int:
    return sum(1 for key in params if key.endswith("_offset"))


def _scale_condition(kind: str) -> str:
    # Literal scale codes and integer bounds from analytics.stats (constants, not input).
    parts = []
    for code, scale in SCALES.items():
        if scale.promoter_min is None:
            continue
        if kind == "promoter":
            parts.append(f"(r.scale = '{code}' AND r.score >= {int(scale.promoter_min)})")
        else:
            parts.append(f"(r.scale = '{code}' AND r.score <= {int(scale.dissatisfied_max)})")
    return " OR ".join(parts) or "1 = 0"


def aggregate_sql(*, touchpoint_filter: bool, spans: int = 0) -> str:
    """SELECT of rollup rows for ratings with %(low)s < id <= %(high)s, days in %(tz)s.

    With `touchpoint_filter`, only ratings of the touchpoints in %(touchpoints)s.
    With `spans`, days come from the offset spans in the parameters of
    `local_day_params` (PostgreSQL); without, from the zone's rules per row.
    """
    if touchpoint_filter:
        where = ("AND r.touchpoint_id = ANY(%(touchpoints)s)" if connection.vendor == "postgresql"
                 else "AND r.touchpoint_id IN (SELECT value FROM json_each(%(touchpoints)s))")
    else:
        where = ""
    return f"""
        SELECT r.touchpoint_id AS touchpoint_id,
               {_local_day_sql(spans)} AS day,
               COALESCE(r.segment_id, 0) AS segment_key,
               COUNT(*) AS n,
               SUM(CASE WHEN r.dissatisfied THEN 1 ELSE 0 END) AS dissatisfied,
               SUM(r.normalized) AS sum_normalized,
               SUM(CASE WHEN {_scale_condition("promoter")} THEN 1 ELSE 0 END) AS promoters,
               SUM(CASE WHEN {_scale_condition("detractor")} THEN 1 ELSE 0 END) AS detractors,
               SUM(CASE WHEN r.first_contact_resolved THEN 1 ELSE 0 END) AS fcr_resolved,
               SUM(CASE WHEN r.first_contact_resolved IS NOT NULL THEN 1 ELSE 0 END) AS fcr_asked
          FROM touchpoints_rating r
         WHERE r.id > %(low)s AND r.id <= %(high)s {where}
         GROUP BY 1, 2, 3
    """


def touchpoints_by_timezone(*, cycle_id: int | None = None) -> dict[str, list[int]]:
    """Touchpoint ids grouped by their cycle's time zone (a small read)."""
    from touchpoints.models import Touchpoint

    touchpoints = Touchpoint.objects.all()
    if cycle_id is not None:
        touchpoints = touchpoints.filter(moment__cycle_id=cycle_id)
    zones: dict[str, list[int]] = {}
    for touchpoint_id, zone in touchpoints.values_list("id", "moment__cycle__timezone").order_by("id"):
        zones.setdefault(zone, []).append(touchpoint_id)
    return zones


def _statements(*, low: int, high: int, cycle_id: int | None, fast_days: bool = True) -> list[tuple[str, dict]]:
    """One aggregate per time zone; no touchpoint filter when one zone covers all."""
    zones = touchpoints_by_timezone(cycle_id=cycle_id)
    now = timezone.now()
    statements = []
    for zone, touchpoint_ids in zones.items():
        params = {"low": low, "high": high,
                  **(local_day_params(zone, now=now) if fast_days else {"tz": zone})}
        spans = _span_count(params)
        if cycle_id is None and len(zones) == 1:
            return [(aggregate_sql(touchpoint_filter=False, spans=spans), params)]
        params["touchpoints"] = touchpoint_ids if connection.vendor == "postgresql" else json.dumps(touchpoint_ids)
        statements.append((aggregate_sql(touchpoint_filter=True, spans=spans), params))
    return statements


COUNT_COLUMNS = ("n", "dissatisfied", "sum_normalized", "promoters", "detractors", "fcr_resolved", "fcr_asked")


def upsert_ratings_range(*, low: int, high: int, cycle_id: int | None = None, empty: bool = False) -> set[int]:
    """Add ratings `low < id <= high` to the rollups; return the touchpoint ids touched.

    `empty=True` (a rebuild that just deleted the rows in scope, under the
    watermark lock) inserts without the ON CONFLICT merge, which is cheaper.
    """
    if high <= low:
        return set()
    columns = ", ".join(COUNT_COLUMNS)
    updates = ", ".join(f"{column} = analytics_dailyrollup.{column} + excluded.{column}" for column in COUNT_COLUMNS)
    # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join clause.
    conflict = "" if empty else f"ON CONFLICT (touchpoint_id, day, segment_key) DO UPDATE SET {updates}"
    statements = _statements(low=low, high=high, cycle_id=cycle_id)
    staged = low == 0 and cycle_id is None and connection.vendor == "postgresql" and connection.in_atomic_block
    touched: set[int] = set()
    with connection.cursor() as cursor:
        for select, params in statements:
            if staged:
                # Every rating is read: aggregate into a temporary table under a
                # plan for that (see _sequential_scan; CREATE TABLE AS may also
                # run in parallel, INSERT … SELECT never does), then copy it in.
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE_TABLE}")
                with _sequential_scan(cursor):
                    cursor.execute(f"CREATE TEMPORARY TABLE {STAGE_TABLE} AS {select}", params)
                select, params = f"SELECT * FROM {STAGE_TABLE}", None
            cursor.execute(f"""
                INSERT INTO analytics_dailyrollup (touchpoint_id, day, segment_key, {columns})
                SELECT touchpoint_id, day, segment_key, {columns}
                  FROM ({select}) AS fresh
                 WHERE true
                {conflict}
                RETURNING touchpoint_id
            """, params)
            touched.update(row[0] for row in cursor.fetchall())
            if staged:
                cursor.execute(f"DROP TABLE {STAGE_TABLE}")
    return touched


STAGE_TABLE = "momento_rollup_stage"

# Planner settings for an aggregate over every rating (PostgreSQL, SET LOCAL).
_FULL_READ_PLAN = {"enable_bitmapscan": "off", "enable_indexscan": "off", "enable_indexonlyscan": "off",
                   "enable_sort": "off"}


@contextmanager
def _sequential_scan(cursor) -> Iterator[None]:
    """Read the ratings table front to back into a hash aggregate (PostgreSQL,
    inside a transaction; the settings are put back afterwards).

    A full rebuild reads every rating, so a sequential scan feeding a hash table
    of the (few) groups is always the right plan. Right after a bulk load, before
    autovacuum has analysed the table, the planner believes it tiny: it walked the
    primary key, or sorted a million rows to disk for a GroupAggregate (measured
    at 10⁶ ratings: 0.9–1.4 s instead of 0.45 s).
    """
    names = list(_FULL_READ_PLAN)
    cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in names))
    previous = cursor.fetchone()
    cursor.execute("SELECT " + ", ".join(f"set_config('{name}', '{value}', true)"
                                         for name, value in _FULL_READ_PLAN.items()))
    yield  # on an error the transaction rolls back, and SET LOCAL with it
    cursor.execute("SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in names), previous)


def raw_rollup_rows(*, cycle_id: int | None = None) -> list[tuple]:
    """The rollups as they would be if rebuilt now from every rating (for checks and tests).

    Days by the zone's rules on every row: the reference for the offset spans.
    """
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for select, params in _statements(low=0, high=2**62, cycle_id=cycle_id, fast_days=False):
            cursor.execute(select, params)
            rows.extend(cursor.fetchall())
    return sorted(rows, key=lambda row: (row[0], str(row[1]), row[2]))
