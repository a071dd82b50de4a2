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


def make_alert(moment, *, touchpoint=None, n: int = 100, dissatisfied: int = 55, days_ago: int = 2,
               closed_reason: str = "", latest_n: int | None = None, latest_dissatisfied: int | None = None):
    """An alert as a scan would have left it, without running one (pages and the API read these)."""
    from analytics.models import Alert

    now = timezone.now()
    opened = now - dt.timedelta(days=days_ago)
    end = opened.astimezone(zoneinfo.ZoneInfo(moment.cycle.timezone)).date()
    return Alert.objects.create(
        organization=moment.cycle.organization, cycle=moment.cycle, subject="touchpoint" if touchpoint else "moment",
        moment=moment, touchpoint=touchpoint, moment_name=moment.name,
        touchpoint_name=touchpoint.name if touchpoint else "", window_start=end - dt.timedelta(days=6),
        window_end=end, n=n, dissatisfied=dissatisfied, p_value=1e-9, min_sample=20, critical_share=0.25,
        opened_at=opened, latest_n=n if latest_n is None else latest_n,
        latest_dissatisfied=dissatisfied if latest_dissatisfied is None else latest_dissatisfied,
        latest_window_end=end, checked_at=now, last_critical_at=opened,
        closed_at=now if closed_reason else None, close_reason=closed_reason)
