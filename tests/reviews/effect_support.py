"""Helpers of the effect tests: ratings at chosen local times, items and fixes placed in time."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

from django.utils import timezone

from analytics.services import rollups_refresh
from reviews.models import ActionItem, ReviewItem, ReviewStatus
from touchpoints.models import Rating
from touchpoints.scales import SCALES


def local(cycle, day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(cycle.timezone))


def today(cycle) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(cycle.timezone)).date()


def rate(touchpoint, *, at: dt.datetime, n: int, dissatisfied: int) -> None:
    """`n` ratings of `touchpoint` at `at` (one second apart), the first `dissatisfied` of them bad."""
    scale = SCALES[touchpoint.scale]
    Rating.objects.bulk_create([
        Rating(organization=touchpoint.organization, touchpoint=touchpoint, scale=touchpoint.scale,
               score=scale.low if index < dissatisfied else scale.high,
               normalized=scale.normalise(scale.low if index < dissatisfied else scale.high),
               dissatisfied=index < dissatisfied, occurred_at=at + dt.timedelta(seconds=index))
        for index in range(n)
    ])


def item_of(moment, *, touchpoint=None, week_start: dt.date | None = None) -> ReviewItem:
    """A review item as the weekly review would open it (its figures do not matter here)."""
    return ReviewItem.objects.create(
        organization=moment.cycle.organization, cycle=moment.cycle, moment=moment, touchpoint=touchpoint,
        week_start=week_start or dt.date(2026, 1, 5), n=40, dissatisfied=20, share=0.5, wilson_low=0.35,
        wilson_high=0.65, severity=14.0,
    )


def fix(item: ReviewItem, *, planned: dt.datetime, done: dt.datetime | None = None,
        resolved: dt.datetime | None = None) -> ReviewItem:
    """An action planned at `planned` (and done at `done`); the item resolved at `resolved`."""
    action = ActionItem.objects.create(review_item=item, text="Fix the belt")
    ActionItem.objects.filter(pk=action.pk).update(created_at=planned, done=done is not None, done_at=done)
    if resolved is not None:
        ReviewItem.objects.filter(pk=item.pk).update(status=ReviewStatus.RESOLVED, closed_at=resolved)
    return ReviewItem.objects.select_related("cycle", "moment", "touchpoint").prefetch_related("actions").get(
        pk=item.pk)


def refreshed() -> None:
    rollups_refresh()


def chi_square_z(before_d: int, before_n: int, after_d: int, after_n: int) -> float:
    """|z| of the two-proportion test from Pearson's χ² of the 2 × 2 table (no continuity
    correction: χ² = z²), signed by the direction of the change: an independent route."""
    a, b = before_d, before_n - before_d
    c, d = after_d, after_n - after_d
    total = a + b + c + d
    chi_square = total * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    return math.copysign(math.sqrt(chi_square), after_d / after_n - before_d / before_n)
