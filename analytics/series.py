"""Per-moment figures of a cycle for all customers and for chosen segments (personas),
side by side: what the wheel, the emotion curve and the map's lane draw.

Read from heatmap snapshots only (a snapshot by segment holds one column per
segment), never from ratings. Up to `MAX_SIDE_BY_SIDE` segments are compared at
once: more lines or wheels than that stop being readable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys.models import ServiceCycle
from touchpoints.models import Segment

from .periods import Period
from .services import heatmap_snapshot_current

MAX_SIDE_BY_SIDE = 5
ALL_CUSTOMERS = "all"


@dataclass(frozen=True)
class MomentFigures:
    """One moment's figures in a series (`share` and `mean` are None without ratings)."""

    moment_id: int
    position: int
    name: str
    kind: str
    n: int
    dissatisfied: int
    share: float | None
    mean: float | None
    critical: bool


@dataclass(frozen=True)
class Series:
    """A cycle's moments in order, for all customers (`key` "all") or one segment ("s12")."""

    key: str
    label: str
    segment_id: int | None
    moments: list[MomentFigures]

    @property
    def n(self) -> int:
        return sum(moment.n for moment in self.moments)


def series_from_snapshot(data: Mapping[str, Any], *, key: str = ALL_CUSTOMERS, label: str = "",
                         segment_id: int | None = None) -> Series:
    """The series `key` of a snapshot's data: its rows' totals for all customers, or
    the segment's column of a snapshot by segment. A moment is critical as in the
    critical-moments list: the moment, or one of its touchpoints, is critical there.

    A segment the snapshot has no column for (created after it) has no ratings.
    """
    moments: list[MomentFigures] = []
    if key == ALL_CUSTOMERS:
        critical = {item["moment_id"] for item in data.get("critical_moments", [])}
        for row in data["rows"]:
            total = row["total"]
            moments.append(_figures(row, total, row["id"] in critical))
        return Series(key=key, label=label or _("All customers"), segment_id=None, moments=moments)
    keys = [column["key"] for column in data.get("columns", [])] if data.get("dimension") == "segments" else []
    index = keys.index(key) if key in keys else None
    for row in data["rows"]:
        if index is None:
            moments.append(MomentFigures(row["id"], row["position"], row["name"], row["moment_kind"],
                                         0, 0, None, None, False))
            continue
        cell = row["cells"][index]
        moments.append(_figures(row, cell, bool(cell["critical"]) or any(
            tp["cells"][index]["critical"] for tp in row["touchpoints"])))
    return Series(key=key, label=label, segment_id=segment_id, moments=moments)


def _figures(row: Mapping[str, Any], cell: Mapping[str, Any], critical: bool) -> MomentFigures:
    return MomentFigures(moment_id=row["id"], position=row["position"], name=row["name"], kind=row["moment_kind"],
                         n=int(cell["n"]), dissatisfied=int(cell["d"]), share=cell["share"], mean=cell["mean"],
                         critical=critical)


def segments_choose(*, organization_id: int, values: Sequence[str]) -> tuple[list[Segment], list[str]]:
    """The segments named by `values` (ids or keys, repeated `segment` parameters), in
    the order given, and what was wrong: another organization's or an unknown
    segment is left out with a message; past `MAX_SIDE_BY_SIDE`, the first ones are
    kept and the message says so. One query."""
    wanted: list[str] = []
    for value in values:
        text = str(value).strip()
        if text and text not in wanted:
            wanted.append(text)
    if not wanted:
        return [], []
    ids = [int(text) for text in wanted if text.isdigit()]
    found = list(Segment.objects.filter(organization_id=organization_id, pk__in=ids)) + list(
        Segment.objects.filter(organization_id=organization_id, key__in=[t for t in wanted if not t.isdigit()]))
    by_text = {str(segment.pk): segment for segment in found} | {segment.key: segment for segment in found}
    chosen: list[Segment] = []
    errors: list[str] = []
    unknown = [text for text in wanted if text not in by_text]
    if unknown:
        errors.append(_("Not a segment of this organization: %(values)s.") % {
            "values": ", ".join(text[:40] for text in unknown[:5])})
    for text in wanted:
        segment = by_text.get(text)
        if segment is not None and segment not in chosen:
            chosen.append(segment)
    if len(chosen) > MAX_SIDE_BY_SIDE:
        errors.append(ngettext(
            "Up to %(max)d segment can be shown side by side; showing the first %(max)d.",
            "Up to %(max)d segments can be shown side by side; showing the first %(max)d.",
            MAX_SIDE_BY_SIDE) % {"max": MAX_SIDE_BY_SIDE})
        chosen = chosen[:MAX_SIDE_BY_SIDE]
    return chosen, errors


def cycle_series(*, cycle: ServiceCycle, period: Period, segments: Sequence[Segment],
                 base: Mapping[str, Any] | None = None, include_all: bool = True) -> list[Series]:
    """All customers (unless `include_all` is False) and each segment, over `period`.

    `base` is the data of a snapshot of this period the caller already holds (the
    dashboard's): all customers come from it without another read. Segments come
    from the cycle's snapshot by segment for the period, computed from rollups
    when missing or stale. Empty when the cycle has no moments.
    """
    by_segment: Mapping[str, Any] | None = base if base and base.get("dimension") == "segments" else None
    if segments and by_segment is None:
        snapshot, _structure = heatmap_snapshot_current(cycle=cycle, dimension="segments", period=period)
        by_segment = snapshot.data if snapshot else None
    source = base or by_segment
    if source is None and include_all:
        snapshot, _structure = heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
        source = snapshot.data if snapshot else None
    result: list[Series] = []
    if include_all and source is not None:
        result.append(series_from_snapshot(source))
    if by_segment is not None:
        result += [series_from_snapshot(by_segment, key=f"s{segment.pk}", label=segment.name, segment_id=segment.pk)
                   for segment in segments]
    return result
