"""Shared helpers for analytics tests."""

from __future__ import annotations

from analytics.models import DailyRollup
from analytics.rollups import raw_rollup_rows

COLUMNS = ("touchpoint_id", "day", "segment_key", "n", "dissatisfied", "sum_normalized", "promoters",
           "detractors", "fcr_resolved", "fcr_asked")


def _normalise(row) -> tuple:
    values = list(row)
    values[1] = str(values[1])
    values[5] = round(float(values[5]), 6)
    return tuple(int(v) if index not in (1, 5) else v for index, v in enumerate(values))


def rollup_rows() -> list[tuple]:
    return sorted(_normalise(row) for row in DailyRollup.objects.order_by().values_list(*COLUMNS))


def raw_rows() -> list[tuple]:
    """The raw GROUP BY over every rating, in the same shape as `rollup_rows`."""
    return sorted(_normalise(row) for row in raw_rollup_rows())
