"""Labels of what snapshots store as codes, translated when a page or an answer
renders them (snapshots are shared by every language: they keep codes only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoints.models import Channel, Segment

from . import stats

TREND_LABELS = {
    stats.TREND_WORSENING: gettext_lazy("worsening"),
    stats.TREND_IMPROVING: gettext_lazy("improving"),
    stats.TREND_STEADY: gettext_lazy("steady"),
    stats.TREND_NO_EARLIER_DATA: gettext_lazy("no earlier data"),
}


def week_label(key: str) -> str:
    """ "2026-W07" → "W07 2026" (English) / "S07 2026" (Spanish)."""
    year, _separator, week = key.partition("-W")
    try:
        return _("W%(week)02d %(year)s") % {"week": int(week), "year": int(year)}
    except ValueError:
        return key


def column_labels(*, dimension: str, columns: Iterable[dict], segments: Iterable[Segment] = ()) -> list[str]:
    """The label of each column, in the active language (one lookup per column)."""
    if dimension == "weeks":
        return [week_label(column["key"]) for column in columns]
    if dimension == "channels":
        channels = dict(Channel.choices)
        return [str(channels.get(column["key"], column["key"])) for column in columns]
    names = {f"s{segment.pk}": segment.name for segment in segments}
    none, deleted = _("No segment"), _("Deleted segment")
    return [none if column["key"] == "none" else names.get(column["key"], deleted) for column in columns]


def labelled_columns(*, dimension: str, columns: list[dict], segments: Iterable[Segment] = ()) -> list[dict]:
    """The columns with their `label`, for API answers."""
    labels = column_labels(dimension=dimension, columns=columns, segments=segments)
    return [{**column, "label": label} for column, label in zip(columns, labels, strict=False)]


def trend_label(code: str) -> str:
    return str(TREND_LABELS.get(code, code))
