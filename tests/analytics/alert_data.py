"""Ratings placed on chosen local days for the alert tests."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from touchpoints.models import Rating
from touchpoints.scales import SCALES


def add_ratings(touchpoint, *, n: int, dissatisfied: int, days_ago: int = 1, now: dt.datetime | None = None,
                hour: int = 12) -> None:
    """`n` ratings of `touchpoint` at `hour` o'clock local time, `days_ago` local days before
    `now`'s local day (cycle time zone); the first `dissatisfied` are the scale's lowest score."""
    zone = zoneinfo.ZoneInfo(touchpoint.moment.cycle.timezone)
    local_day = (now or timezone.now()).astimezone(zone).date() - dt.timedelta(days=days_ago)
    at = dt.datetime.combine(local_day, dt.time(hour, 0), tzinfo=zone)
    scale = SCALES[touchpoint.scale]
    Rating.objects.bulk_create([
        Rating(organization=touchpoint.organization, touchpoint=touchpoint, scale=touchpoint.scale,
               score=scale.low if index < dissatisfied else scale.high,
               normalized=scale.normalise(scale.low if index < dissatisfied else scale.high),
               dissatisfied=index < dissatisfied, occurred_at=at + dt.timedelta(seconds=index))
        for index in range(n)
    ])
