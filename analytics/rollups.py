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
import secrets
import threading
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from journeys.models import Moment
from touchpoints.models import Rating, Touchpoint
from touchpoints.scales import SCALES

from .models import CycleRollupState, DailyRollup

# Local days are computed from fixed UTC offsets for instants in this window
# around now (where nearly every rating falls), and by the time zone rules outside it.
# Tables by their models (a rename in a model's Meta reaches this SQL too).
RATINGS = Rating._meta.db_table
TOUCHPOINTS = Touchpoint._meta.db_table
MOMENTS = Moment._meta.db_table
ROLLUPS = DailyRollup._meta.db_table
CYCLE_STATES = CycleRollupState._meta.db_table

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
        utc_offset = dt.datetime.fromtimestamp(second, info).utcoffset()
        assert utc_offset is not None  # a datetime in a ZoneInfo always has one
        return int(utc_offset.total_seconds())

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


def local_day_sql(spans: int) -> str:
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
        for i, (start, end, seconds) in enumerate(_window_spans(zone, now.astimezone(dt.UTC).date())):
            params.update({f"span{i}_from": start, f"span{i}_to": end, f"span{i}_offset": f"{seconds} seconds"})
    return params


@lru_cache(maxsize=64)
def _window_spans(zone: str, today: dt.date) -> tuple[tuple[dt.datetime, dt.datetime, int], ...]:
    """`offset_spans` of the window around a UTC day: the same all day long, so
    each worker finds them once a day rather than on every refresh (~1 ms)."""
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    return tuple(offset_spans(zone, midnight - OFFSET_WINDOW_BEFORE, midnight + OFFSET_WINDOW_AFTER))


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


def touchpoint_condition(touchpoint_filter: bool) -> str:
    """"AND" the rating's touchpoint is one of %(touchpoints)s (or nothing)."""
    if not touchpoint_filter:
        return ""
    return ("AND r.touchpoint_id = ANY(%(touchpoints)s)" if connection.vendor == "postgresql"
            else "AND r.touchpoint_id IN (SELECT value FROM json_each(%(touchpoints)s))")


def aggregate_sql(*, touchpoint_filter: bool, spans: int = 0, customer_filter: bool = False) -> str:
    """SELECT of rollup rows for ratings with %(low)s < id <= %(high)s, days in %(tz)s.

    With `touchpoint_filter`, only ratings of the touchpoints in %(touchpoints)s;
    with `customer_filter`, only those of customer %(customer)s (an erasure).
    With `spans`, days come from the offset spans in the parameters of
    `local_day_params` (PostgreSQL); without, from the zone's rules per row.
    """
    where = touchpoint_condition(touchpoint_filter) + (" AND r.customer_id = %(customer)s" if customer_filter else "")
    return f"""
        SELECT r.touchpoint_id AS touchpoint_id,
               {local_day_sql(spans)} AS day,
               COALESCE(r.segment_id, 0) AS segment_key,
               COUNT(*) AS n,
               SUM(CASE WHEN r.dissatisfied THEN 1 ELSE 0 END) AS dissatisfied,
               SUM(r.normalized) AS sum_normalized,
               SUM(CASE WHEN {_scale_condition("promoter")} THEN 1 ELSE 0 END) AS promoters,
               SUM(CASE WHEN {_scale_condition("detractor")} THEN 1 ELSE 0 END) AS detractors,
               SUM(CASE WHEN r.first_contact_resolved THEN 1 ELSE 0 END) AS fcr_resolved,
               SUM(CASE WHEN r.first_contact_resolved IS NOT NULL THEN 1 ELSE 0 END) AS fcr_asked
          FROM {RATINGS} r
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


def zone_statements(*, low: int, high: int, cycle_id: int | None, fast_days: bool = True,
                    build: Callable[..., Any] = aggregate_sql) -> list[tuple[Any, dict, list[int]]]:
    """One aggregate per time zone, with the zone's touchpoint ids; no touchpoint
    filter in the SQL when one zone covers all. `build(touchpoint_filter=, spans=)`
    writes the SQL (the rollups' aggregate by default; comment terms use their own)."""
    zones = touchpoints_by_timezone(cycle_id=cycle_id)
    now = timezone.now()
    statements = []
    for zone, touchpoint_ids in zones.items():
        params = {"low": low, "high": high,
                  **(local_day_params(zone, now=now) if fast_days else {"tz": zone})}
        spans = _span_count(params)
        if cycle_id is None and len(zones) == 1:
            return [(build(touchpoint_filter=False, spans=spans), params, touchpoint_ids)]
        params["touchpoints"] = touchpoint_ids if connection.vendor == "postgresql" else json.dumps(touchpoint_ids)
        statements.append((build(touchpoint_filter=True, spans=spans), params, touchpoint_ids))
    return statements


COUNT_COLUMNS = ("n", "dissatisfied", "sum_normalized", "promoters", "detractors", "fcr_resolved", "fcr_asked")


def upsert_ratings_range(*, low: int, high: int, cycle_id: int | None = None, empty: bool = False,
                         weights: dict[int, int] | None = None) -> set[int]:
    """Add ratings `low < id <= high` to the rollups; return the touchpoint ids touched.

    `empty=True` (a rebuild that just deleted the rows in scope, under the
    watermark lock) inserts without the ON CONFLICT merge, which is cheaper.
    Rows go in in key order, so one touchpoint's days sit together on disk,
    where the heatmap reads them. `weights` (ratings per touchpoint, roughly)
    balance the slices of a full read (`_stage`).
    """
    if high <= low:
        return set()
    columns = ", ".join(COUNT_COLUMNS)
    updates = ", ".join(f"{column} = {ROLLUPS}.{column} + excluded.{column}" for column in COUNT_COLUMNS)
    # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join clause.
    conflict = "" if empty else f"ON CONFLICT (touchpoint_id, day, segment_key) DO UPDATE SET {updates}"
    staged = low == 0 and cycle_id is None and connection.vendor == "postgresql" and connection.in_atomic_block
    touched: set[int] = set()
    with connection.cursor() as cursor:
        for select, params, touchpoint_ids in zone_statements(low=low, high=high, cycle_id=cycle_id):
            if staged:
                select, params = _stage(cursor, params, touchpoint_ids, weights=weights or {}, unsliced=select)
            cursor.execute(f"""
                INSERT INTO {ROLLUPS} (touchpoint_id, day, segment_key, {columns})
                SELECT touchpoint_id, day, segment_key, {columns}
                  FROM ({select}) AS fresh
                 WHERE true
                 ORDER BY touchpoint_id, day, segment_key
                {conflict}
                RETURNING touchpoint_id
            """, params)
            touched.update(row[0] for row in cursor.fetchall())
        if staged:
            # After every helper has committed (they only ever insert), so the
            # lock TRUNCATE takes waits for nobody; it rolls back with us.
            cursor.execute(f"TRUNCATE {STAGE_TABLE}")
    return touched


def cycle_ids_of(touchpoint_ids: set[int]) -> list[int]:
    """The ids of the cycles these touchpoints belong to (one query)."""
    if not touchpoint_ids:
        return []
    return sorted(set(Touchpoint.objects.filter(pk__in=sorted(touchpoint_ids)).values_list("moment__cycle_id",
                                                                                           flat=True)))


def bump_cycle_versions(touchpoint_ids: set[int]) -> list[int]:
    """Add one to the rollup version of each cycle these touchpoints belong to
    (starting its counter at 1); return the cycle ids. One statement instead of
    a read and one update per cycle: it runs after every refresh."""
    if not touchpoint_ids:
        return []
    ids = sorted(touchpoint_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {CYCLE_STATES} (cycle_id, version, changed_at)
            SELECT DISTINCT m.cycle_id, 1, %s
              FROM {TOUCHPOINTS} t JOIN {MOMENTS} m ON m.id = t.moment_id
             WHERE t.id IN ({", ".join(["%s"] * len(ids))})
            ON CONFLICT (cycle_id) DO UPDATE
               SET version = {CYCLE_STATES}.version + 1, changed_at = excluded.changed_at
            RETURNING cycle_id
        """, [connection.ops.adapt_datetimefield_value(timezone.now()), *ids])
        return sorted(row[0] for row in cursor.fetchall())


# An UNLOGGED table (migration 0004, PostgreSQL only) where the connections of a
# full read put their rollup rows. Only a job holding the watermark lock writes
# it, so one run at a time; rows carry the run's number.
STAGE_TABLE = "analytics_rollupstage"
# Below this many rating ids, one connection reads them all.
PARALLEL_MIN_RATINGS = 200_000


def _stage(cursor, params: dict, touchpoint_ids: list[int], *, weights: dict[int, int], unsliced: str
           ) -> tuple[str, dict]:
    """Aggregate every rating `low < id <= high` of these touchpoints into the
    stage and return the SELECT of the stage's rows.

    The touchpoints are dealt into `MOMENTO_ROLLUP_PARALLEL_READS` slices of
    about equal weight, each aggregated at once on its own connection (this
    one and helper threads'), so the slices' rows never share a key and need
    no second GROUP BY. PostgreSQL would run the aggregate in parallel workers
    itself if it could estimate its groups, but it cannot for an expression of
    `occurred_at` (it counts the distinct instants, about one per rating), so it
    aggregates in one process: 0.58 s at 10⁶ ratings here, 0.48 s in two slices
    (median of 7; each slice still reads every row to filter it). Every id up
    to `high` is committed (the watermark's guarantee), so the helpers, which
    cannot see this transaction, see all of them.
    """
    run = secrets.randbits(62)
    columns = ", ".join(COUNT_COLUMNS)
    slices = _touchpoint_slices(cursor, params, touchpoint_ids, weights)
    sliced = aggregate_sql(touchpoint_filter=True, spans=_span_count(params))
    insert = (f"INSERT INTO {STAGE_TABLE} (run, touchpoint_id, day, segment_key, {columns}) "
              f"SELECT %(run)s, touchpoint_id, day, segment_key, {columns} "
              f"FROM ({unsliced if len(slices) == 1 else sliced}) AS slice")
    statements = [(insert, {**params, "run": run, "touchpoints": ids}) for ids in slices]
    errors: list[BaseException] = []
    helpers = [threading.Thread(target=_aggregate_slice_alone, name=f"rollup-slice-{number}",
                                args=(*statement, errors))
               for number, statement in enumerate(statements[1:], start=1)]
    for helper in helpers:
        helper.start()
    try:
        with _sequential_scan(cursor):
            cursor.execute(*statements[0])
    finally:
        for helper in helpers:
            helper.join()
    if errors:
        raise errors[0]
    return (f"SELECT touchpoint_id, day, segment_key, {columns} FROM {STAGE_TABLE} WHERE run = %(run)s",
            {"run": run})


def _touchpoint_slices(cursor, params: dict, touchpoint_ids: list[int], weights: dict[int, int]) -> list[list[int]]:
    """The touchpoints dealt into slices of about equal weight (heaviest first,
    each to the lightest slice so far); one slice for few ratings."""
    parts = min(max(1, settings.MOMENTO_ROLLUP_PARALLEL_READS), len(touchpoint_ids))
    if parts > 1:
        cursor.execute(f"SELECT MIN(id) FROM {RATINGS} WHERE id > %s", [params["low"]])
        first = cursor.fetchone()[0]
        if first is None or params["high"] - first < PARALLEL_MIN_RATINGS:
            parts = 1
    if parts == 1:
        return [touchpoint_ids]
    slices: list[list[int]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for touchpoint_id in sorted(touchpoint_ids, key=lambda tp: (-weights.get(tp, 1), tp)):
        lightest = loads.index(min(loads))
        slices[lightest].append(touchpoint_id)
        loads[lightest] += max(1, weights.get(touchpoint_id, 1))
    return slices


def _aggregate_slice_alone(sql: str, params: dict, errors: list[BaseException]) -> None:
    """One slice, on this thread's own connection (Django's are per thread),
    committed on its own."""
    try:
        with transaction.atomic(), connection.cursor() as cursor, _sequential_scan(cursor):
            cursor.execute(sql, params)
    except BaseException as error:  # noqa: BLE001 - handed to the job's thread, which raises it
        errors.append(error)
    finally:
        connection.close()


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
        for select, params, _touchpoints in zone_statements(low=0, high=2**62, cycle_id=cycle_id, fast_days=False):
            cursor.execute(select, params)
            rows.extend(cursor.fetchall())
    return sorted(rows, key=lambda row: (row[0], str(row[1]), row[2]))
