"""What a heatmap cell, or a list of comments, is about: its scope, read from a query.

One parser for the pages (the comments page, the dashboard's links) and the API
(`insights_api`): a moment or touchpoint of the cycle, a segment of its
organization (or "none"), a channel, a period, whether only dissatisfied (or
satisfied) customers. The API answers any error with a 400; a page shows the
messages and goes on without the filters they are about, so both read the same
rules and say the same words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from journeys.models import Moment, ServiceCycle
from touchpoints.models import Channel, Segment, Touchpoint

from .models import NO_SEGMENT
from .periods import DEFAULT_WEEKS, Period, last_weeks, period_parse

Errors = dict[str, list[str]]

DISSATISFIED_CHOICES: dict[str, bool | None] = {"true": True, "1": True, "false": False, "0": False, "": None}


@dataclass(frozen=True)
class CommentScope:
    """A cycle's moment or touchpoint (or all), a segment (`NO_SEGMENT`: none), a channel, a period."""

    cycle: ServiceCycle
    period: Period
    moment_id: int | None = None
    touchpoint_id: int | None = None
    segment_id: int | None = None
    channel: str | None = None

    def filters(self) -> dict[str, Any]:
        """Keyword arguments of `insights.cell_insights` and `insights.comments_list`."""
        return {"cycle": self.cycle, "period": self.period, "moment_id": self.moment_id,
                "touchpoint_id": self.touchpoint_id, "segment_id": self.segment_id, "channel": self.channel}


def _id(params: Mapping[str, str], name: str, allowed, errors: Errors) -> int | None:
    value = params.get(name)
    if not value:
        return None
    if not value.isdigit() or not allowed.filter(pk=int(value)).exists():
        errors[name] = [_("Not one of this cycle's.")]
        return None
    return int(value)


def _segment(cycle: ServiceCycle, value: str | None, errors: Errors) -> int | None:
    if not value:
        return None
    if value == "none":
        return NO_SEGMENT
    if not value.isdigit() or not Segment.objects.filter(pk=int(value),
                                                          organization_id=cycle.organization_id).exists():
        errors["segment"] = [_("Not a segment of this organization (an id, or none).")]
        return None
    return int(value)


def scope_parse(*, cycle: ServiceCycle, params: Mapping[str, str], today: dt.date,
                needs_focus: bool = False) -> tuple[CommentScope, Errors]:
    """The scope the parameters name, and what was wrong with them (field → messages).

    A bad value is left out of the scope (a bad period gives the default last
    weeks), so a page can show the rest; the API refuses any error.
    `needs_focus`: a moment or a touchpoint must be named.
    """
    errors: Errors = {}
    moment_id = _id(params, "moment", Moment.objects.filter(cycle=cycle), errors)
    touchpoint_id = _id(params, "touchpoint", Touchpoint.objects.filter(moment__cycle=cycle), errors)
    if moment_id and touchpoint_id and not Touchpoint.objects.filter(pk=touchpoint_id, moment_id=moment_id).exists():
        errors["touchpoint"] = [_("This touchpoint is not one of that moment.")]
        touchpoint_id = None
    if needs_focus and not errors and moment_id is None and touchpoint_id is None:
        errors["moment"] = [_("Name a moment or a touchpoint of the cycle.")]
    segment_id = _segment(cycle, params.get("segment"), errors)
    channel = params.get("channel") or None
    if channel and channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
        channel = None
    try:
        period = period_parse(params=params, today=today)
    except ValidationError as error:
        errors.update(error.message_dict)
        period = last_weeks(weeks=DEFAULT_WEEKS, today=today)
    return CommentScope(cycle=cycle, period=period, moment_id=moment_id, touchpoint_id=touchpoint_id,
                        segment_id=segment_id, channel=channel), errors


def dissatisfied_parse(value: str | None, errors: Errors) -> bool | None:
    """`dissatisfied=true|false` (or 1/0): only dissatisfied or satisfied customers; empty: all."""
    text = (value or "").lower()
    if text not in DISSATISFIED_CHOICES:
        errors["dissatisfied"] = [_("Use true or false.")]
        return None
    return DISSATISFIED_CHOICES[text]


def period_query(period: Period, today: dt.date) -> dict[str, str]:
    """The period as the pages' query parameters: `weeks` while it is "the last N
    weeks" of the picker, else `start` and `end`."""
    weeks = period.picked_weeks(today)
    if weeks:
        return {"weeks": str(weeks)}
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def heatmap_cell_scopes(data: Mapping[str, Any]) -> dict[str, Any]:
    """What each heatmap row and column is about, as the insights API's query
    parameters (dashboard.js joins a row's and a column's for a cell's panel):
    rows at both levels name their moment (and touchpoint); a week column is
    its days within the period, a channel column its channel, a segment
    column its segment ("s12" → 12, "none")."""
    period = data["period"]
    moments = [{"moment": str(row["id"])} for row in data["rows"]]
    touchpoints = [{"moment": str(row["id"]), "touchpoint": str(touchpoint["id"])}
                   for row in data["rows"] for touchpoint in row["touchpoints"]]
    columns: list[dict[str, str]] = []
    end = dt.date.fromisoformat(str(period["end"]))
    for column in data["columns"]:
        key = column["key"]
        if data["dimension"] == "weeks":
            start = dt.date.fromisoformat(column["start"])
            sunday = start + dt.timedelta(days=6 - start.weekday())
            columns.append({"start": start.isoformat(), "end": min(sunday, end).isoformat()})
        elif data["dimension"] == "channels":
            columns.append({"channel": key})
        else:
            columns.append({"segment": "none" if key == "none" else key.removeprefix("s")})
    return {"rows": {"moments": moments, "touchpoints": touchpoints}, "columns": columns,
            "period": {"start": str(period["start"]), "end": str(period["end"])}}
