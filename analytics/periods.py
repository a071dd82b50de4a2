"""Reporting periods for heatmaps: parsing, validation and the previous period.

A period is a closed range of local days in the cycle's time zone. The picker
offers "the last N ISO weeks" (ending today, the current week included) or
explicit start/end dates; anything longer than `MAX_PERIOD_DAYS` is refused so
a page never asks for an unbounded heatmap.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

WEEK_CHOICES = (4, 8, 13, 26, 52)
DEFAULT_WEEKS = 8
# 53 ISO weeks: a whole year whatever weekday it starts on.
MAX_PERIOD_DAYS = 371
DIMENSIONS = ("weeks", "channels", "segments")
DEFAULT_DIMENSION = "weeks"


@dataclass(frozen=True)
class Period:
    """A closed range of local days. Its identity is its days and nothing else:
    a period rebuilt from a stored snapshot's start and end (the worker's
    refresh, "recompute now") is the very period that was asked for."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> int | None:
        """N when this is "the last N ISO weeks" as seen on its end day (it starts
        on the Monday N − 1 weeks before the week of its end), else None.

        Derived from the days, so it cannot be lost when a period is rebuilt.
        """
        if self.start.weekday() != 0:
            return None
        return (self.end - self.start).days // 7 + 1

    def picked_weeks(self, today: dt.date) -> int | None:
        """What the period picker shows: N when this is the last N weeks up to
        today and N is one of its choices; None for custom dates."""
        return self.weeks if self.end == today and self.weeks in WEEK_CHOICES else None

    @property
    def previous(self) -> Period:
        """The period of equal length just before this one (for trends)."""
        end = self.start - dt.timedelta(days=1)
        return Period(start=end - dt.timedelta(days=self.days - 1), end=end)

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days,
                "weeks": self.weeks}


def utc_bounds(period: Period, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants the period's local days (in `zone`) run between: [start, end), in UTC."""
    info = zoneinfo.ZoneInfo(zone)
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=info)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=info)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def local_today(tz_name: str, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def last_weeks(*, weeks: int, today: dt.date) -> Period:
    """The last `weeks` ISO weeks, Monday-aligned, the current (partial) week included."""
    monday = today - dt.timedelta(days=today.weekday())
    return Period(start=monday - dt.timedelta(weeks=weeks - 1), end=today)


def period_parse(*, params: Mapping[str, str], today: dt.date) -> Period:
    """Read `weeks` or `start`+`end` (YYYY-MM-DD) from query parameters.

    Raises ValidationError with a message fit for the page or a 400 body.
    """
    start_text, end_text = (params.get("start") or "").strip(), (params.get("end") or "").strip()
    if start_text or end_text:
        try:
            start = dt.date.fromisoformat(start_text)
            end = dt.date.fromisoformat(end_text)
        except ValueError:
            raise ValidationError(
                {"period": _("Give both start and end as dates (YYYY-MM-DD).")}, code="invalid"
            ) from None
        if end < start:
            raise ValidationError({"period": _("The period ends before it starts.")}, code="invalid")
        period = Period(start=start, end=end)
    else:
        weeks_text = (params.get("weeks") or "").strip()
        try:
            weeks = int(weeks_text) if weeks_text else DEFAULT_WEEKS
        except ValueError:
            raise ValidationError({"period": _("The number of weeks must be a whole number.")}, code="invalid") from None
        if weeks < 1:
            raise ValidationError({"period": _("The period needs at least one week.")}, code="invalid")
        if weeks * 7 > MAX_PERIOD_DAYS:
            raise ValidationError(_too_long_message(), code="too_long")
        period = last_weeks(weeks=weeks, today=today)
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationError(_too_long_message(), code="too_long")
    return period


def _too_long_message() -> dict[str, str]:
    return {"period": _("The period is too long: at most %(days)s days (53 weeks).") % {"days": MAX_PERIOD_DAYS}}


def dimension_parse(*, params: Mapping[str, str]) -> str:
    dimension = (params.get("dimension") or DEFAULT_DIMENSION).strip()
    if dimension not in DIMENSIONS:
        raise ValidationError(
            {"dimension": _("Unknown dimension %(value)s: choose weeks, channels or segments.") % {
                "value": dimension[:40]}},
            code="invalid",
        )
    return dimension
