"""Shared helpers for analytics tests."""

from __future__ import annotations

from analytics.models import DailyRollup
from analytics.rollups import raw_rollup_rows

COLUMNS = ("touchpoint_id", "day", "segment_key", "n", "dissatisfied", "sum_normalized", "promoters",
           "detractors", "fcr_resolved", "fcr_asked")


def _normalise(row) -> tuple:
    values = list(row)
    values[1] = str(values[1])
    values[5] = round(float(values[5]), 4)  # two summation orders agree far beyond this
    return tuple(int(v) if index not in (1, 5) else v for index, v in enumerate(values))


def rollup_rows() -> list[tuple]:
    return sorted(_normalise(row) for row in DailyRollup.objects.order_by().values_list(*COLUMNS))


def raw_rows() -> list[tuple]:
    """The rollups recomputed from every rating by a second, independent implementation
    (plain Python, local days from zoneinfo), in the same shape as `rollup_rows`.

    Written from DESIGN.md's definitions, not from the product's SQL: NPS promoters
    score 9-10 and detractors 0-6; first contact resolution is asked when answered.
    """
    from collections import defaultdict
    from zoneinfo import ZoneInfo

    from touchpoints.models import Rating

    sums: dict[tuple, list] = defaultdict(lambda: [0, 0, 0.0, 0, 0, 0, 0])
    zones: dict[str, ZoneInfo] = {}
    fields = ("touchpoint_id", "touchpoint__moment__cycle__timezone", "occurred_at", "segment_id", "dissatisfied",
              "normalized", "scale", "score", "first_contact_resolved")
    for touchpoint, zone, occurred_at, segment, dissatisfied, normalized, scale, score, resolved in (
            Rating.objects.order_by().values_list(*fields).iterator(chunk_size=5000)):
        day = occurred_at.astimezone(zones.setdefault(zone, ZoneInfo(zone))).date()
        row = sums[(touchpoint, day, segment or 0)]
        row[0] += 1
        row[1] += int(dissatisfied)
        row[2] += normalized
        row[3] += int(scale == "nps11" and score >= 9)
        row[4] += int(scale == "nps11" and score <= 6)
        row[5] += int(resolved is True)
        row[6] += int(resolved is not None)
    return sorted(_normalise((*key, *values)) for key, values in sums.items())


def raw_rows_by_the_product() -> list[tuple]:
    """The product's own reference aggregate (zone rules per row), for comparison."""
    return sorted(_normalise(row) for row in raw_rollup_rows())
