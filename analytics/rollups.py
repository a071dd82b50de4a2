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

import json

from django.db import connection

from .stats import SCALES


def _local_day_sql() -> str:
    # The time zone is a bound parameter: one statement per time zone in use,
    # instead of joining every rating to its cycle to read the zone per row.
    if connection.vendor == "postgresql":
        return "(r.occurred_at AT TIME ZONE %(tz)s)::date"
    if connection.vendor == "sqlite":
        return "django_datetime_cast_date(r.occurred_at, %(tz)s, 'UTC')"
    raise NotImplementedError(f"rollups are not implemented for {connection.vendor}")


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


def aggregate_sql(*, touchpoint_filter: bool) -> str:
    """SELECT of rollup rows for ratings with %(low)s < id <= %(high)s, days in %(tz)s.

    With `touchpoint_filter`, only ratings of the touchpoints in %(touchpoints)s.
    """
    if touchpoint_filter:
        where = ("AND r.touchpoint_id = ANY(%(touchpoints)s)" if connection.vendor == "postgresql"
                 else "AND r.touchpoint_id IN (SELECT value FROM json_each(%(touchpoints)s))")
    else:
        where = ""
    return f"""
        SELECT r.touchpoint_id AS touchpoint_id,
               {_local_day_sql()} AS day,
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


def _statements(*, low: int, high: int, cycle_id: int | None) -> list[tuple[str, dict]]:
    """One aggregate per time zone; no touchpoint filter when one zone covers all."""
    zones = touchpoints_by_timezone(cycle_id=cycle_id)
    if cycle_id is None and len(zones) == 1:
        (zone,) = zones
        return [(aggregate_sql(touchpoint_filter=False), {"low": low, "high": high, "tz": zone})]
    statements = []
    for zone, touchpoint_ids in zones.items():
        ids = touchpoint_ids if connection.vendor == "postgresql" else json.dumps(touchpoint_ids)
        statements.append((aggregate_sql(touchpoint_filter=True),
                           {"low": low, "high": high, "tz": zone, "touchpoints": ids}))
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
    touched: set[int] = set()
    with connection.cursor() as cursor:
        for select, params in _statements(low=low, high=high, cycle_id=cycle_id):
            cursor.execute(f"""
                INSERT INTO analytics_dailyrollup (touchpoint_id, day, segment_key, {columns})
                SELECT touchpoint_id, day, segment_key, {columns}
                  FROM ({select}) AS fresh
                 WHERE true
                {conflict}
                RETURNING touchpoint_id
            """, params)
            touched.update(row[0] for row in cursor.fetchall())
    return touched


def raw_rollup_rows(*, cycle_id: int | None = None) -> list[tuple]:
    """The rollups as they would be if rebuilt now from every rating (for checks and tests)."""
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for select, params in _statements(low=0, high=2**62, cycle_id=cycle_id):
            cursor.execute(select, params)
            rows.extend(cursor.fetchall())
    return sorted(rows, key=lambda row: (row[0], str(row[1]), row[2]))
