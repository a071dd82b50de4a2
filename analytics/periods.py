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
    start: dt.date
    end: dt.date
    weeks: int | None = None  # set when the period is "the last N weeks"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of equal length just before this one (for worsening)."""
        end = self.start - dt.timedelta(days=1)
        return Period(start=end - dt.timedelta(days=self.days - 1), end=end)

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days,
                "weeks": self.weeks}


def local_today(tz_name: str, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def last_weeks(*, weeks: int, today: dt.date) -> Period:
    """The last `weeks` ISO weeks, Monday-aligned, the current (partial) week included."""
    monday = today - dt.timedelta(days=today.weekday())
    return Period(start=monday - dt.timedelta(weeks=weeks - 1), end=today, weeks=weeks)


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
