"""Turn aggregated rollup counts into the heatmap and critical-moments JSON.

Pure functions over small dictionaries (one entry per touchpoint × column, never
per rating): cells get the dissatisfied share, mean normalised score, Wilson
interval, the critical flag and the trend of DESIGN.md; moments sum their
touchpoints. `analytics.services` feeds them from SQL aggregates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from . import stats

COUNT_FIELDS = ("n", "dissatisfied", "sum_normalized", "promoters", "detractors", "fcr_resolved", "fcr_asked")


@dataclass
class Counts:
    n: int = 0
    dissatisfied: int = 0
    sum_normalized: float = 0.0
    promoters: int = 0
    detractors: int = 0
    fcr_resolved: int = 0
    fcr_asked: int = 0
    # Ratings on a scale with promoters (NPS): not a rollup column, the
    # snapshot sets it from the touchpoint's scale, so a moment's NPS counts
    # its NPS touchpoints only and never mixes with CSAT ratings.
    nps_n: int = 0

    def add(self, other: Counts | Mapping[str, object]) -> Counts:
        if isinstance(other, Counts):
            # Written out: this runs for every rollup row of every snapshot.
            self.n += other.n
            self.dissatisfied += other.dissatisfied
            self.sum_normalized += other.sum_normalized
            self.promoters += other.promoters
            self.detractors += other.detractors
            self.fcr_resolved += other.fcr_resolved
            self.fcr_asked += other.fcr_asked
            self.nps_n += other.nps_n
            return self
        for name in (*COUNT_FIELDS, "nps_n"):
            setattr(self, name, getattr(self, name) + (other.get(name) or 0))
        return self

    @classmethod
    def total(cls, items: Iterable[Counts | None]) -> Counts:
        result = cls()
        for item in items:
            if item is not None:
                result.add(item)
        return result


@dataclass(frozen=True)
class Thresholds:
    min_sample: int
    critical_share: float


@dataclass(frozen=True)
class WordOfMouth:
    share_telling: float
    people_told: int
    share_social: float


# The shapes of the snapshot JSON (HeatmapSnapshot.data), as the API documents them (analytics/api.py).


class Cell(TypedDict):
    n: int
    d: int
    share: float | None
    mean: float | None
    low: float
    high: float
    critical: bool
    trend: str
    worsening: bool | None
    previous_n: int | None
    previous_share: float | None
    enough: bool
    # Net Promoter Score of the NPS ratings in it, with its adjusted-Wald 95 %
    # interval; None where it has none (no NPS touchpoint, or no ratings).
    nps: float | None
    nps_low: float | None
    nps_high: float | None


class Summary(Cell):
    previous_d: int
    severity: float
    reach: float
    social: float
    fcr_rate: float | None
    fcr_asked: int


class TouchpointRow(TypedDict):
    id: int
    name: str
    channel: str
    cells: list[Cell]
    total: Summary


class MomentRow(TypedDict):
    id: int
    name: str
    moment_kind: str
    position: int
    protocol: str
    owner: str | None
    cells: list[Cell]
    total: Summary
    touchpoints: list[TouchpointRow]


class CriticalTouchpoint(Summary):
    id: int
    name: str
    channel: str


class CriticalMoment(TypedDict):
    moment_id: int
    # The moment's NPS over its NPS touchpoints (its total's), None without any.
    nps: float | None
    nps_low: float | None
    nps_high: float | None
    name: str
    kind: str
    position: int
    protocol: str
    owner: str | None
    moment_critical: bool
    severity: float
    trend: str
    worsening: bool | None
    dissatisfied: int
    reach: float
    social: float
    total: Summary
    critical_touchpoints: list[CriticalTouchpoint]
    # What its customers say (analytics.insights.Insights), added with the snapshot.
    insights: NotRequired[Mapping[str, Any]]


def nps_figures(counts: Counts) -> tuple[float | None, float | None, float | None]:
    """(nps, nps_low, nps_high) of the NPS ratings counted in `counts`, or Nones
    when there are none: a share of CSAT ratings is never turned into an NPS."""
    if not counts.nps_n:
        return None, None, None
    promoters, detractors, n = int(counts.promoters), int(counts.detractors), int(counts.nps_n)
    low, high = stats.nps_interval(promoters, detractors, n)
    return stats.net_promoter_score(promoters, detractors, n), low, high


def cell(counts: Counts | None, *, thresholds: Thresholds, previous: Counts | None = None) -> Cell:
    """One heatmap cell. `share`/`mean` are None when the cell has no ratings;
    `nps`/`nps_low`/`nps_high` when it has no NPS ratings (`nps_figures`).

    `trend` compares with `previous` (the column or period before) through
    `stats.trend`: "no_earlier_data" when there is none, or when either side
    has fewer than `min_sample` ratings. `worsening` is its flag, None then.
    """
    counts = counts or Counts()
    n, d = int(counts.n), int(counts.dissatisfied)
    low, high = stats.wilson_interval(d, n)
    if previous is None:
        trend = stats.TREND_NO_EARLIER_DATA
    else:
        trend = stats.trend(int(previous.dissatisfied), int(previous.n), d, n, min_sample=thresholds.min_sample)
    nps, nps_low, nps_high = nps_figures(counts)
    return {
        "n": n,
        "d": d,
        "share": d / n if n else None,
        "mean": counts.sum_normalized / n if n else None,
        "low": low,
        "high": high,
        "critical": stats.is_critical(
            d, n, min_sample=thresholds.min_sample, critical_share=thresholds.critical_share
        ),
        "trend": trend,
        "worsening": stats.worsening_flag(trend),
        "previous_n": int(previous.n) if previous else None,
        "previous_share": (previous.dissatisfied / previous.n if previous.n else None) if previous else None,
        "enough": n >= thresholds.min_sample,
        "nps": nps,
        "nps_low": nps_low,
        "nps_high": nps_high,
    }


def summary(counts: Counts, previous: Counts, *, thresholds: Thresholds, wom: WordOfMouth) -> Summary:
    """A row's whole-period figures: the cell (trend against the previous period)
    plus the previous period, severity, reach, FCR."""
    d = int(counts.dissatisfied)
    return {
        **cell(counts, thresholds=thresholds, previous=previous),
        "previous_d": int(previous.dissatisfied),
        "severity": stats.severity(d, int(counts.n)),
        "reach": stats.word_of_mouth_reach(d, share_telling=wom.share_telling, people_told=wom.people_told),
        "social": stats.social_venting(d, share_venting=wom.share_social),
        "fcr_rate": stats.first_contact_resolution_rate(int(counts.fcr_resolved), int(counts.fcr_asked)),
        "fcr_asked": int(counts.fcr_asked),
    }


@dataclass
class RowInput:
    """Counts of one touchpoint: per column key, plus previous-column / previous-period counts."""

    columns: dict[str, Counts] = field(default_factory=dict)
    previous_columns: dict[str, Counts] = field(default_factory=dict)
    period: Counts = field(default_factory=Counts)
    previous_period: Counts = field(default_factory=Counts)


def row_cells(
    row: RowInput, *, column_keys: list[str], thresholds: Thresholds, compare_with_previous_column: bool
) -> list[Cell]:
    """The cells of one row. Week columns compare with the column before (the
    first has none: the week before the period is not on screen); channel and
    segment columns with the same column in the previous period."""
    cells = []
    for index, key in enumerate(column_keys):
        if compare_with_previous_column:
            previous = (row.columns.get(column_keys[index - 1]) or Counts()) if index else None
        else:
            previous = row.previous_columns.get(key) or Counts()
        cells.append(cell(row.columns.get(key), thresholds=thresholds, previous=previous))
    return cells


def merge_rows(rows: Iterable[RowInput]) -> RowInput:
    merged = RowInput()
    for row in rows:
        for target, source in ((merged.columns, row.columns), (merged.previous_columns, row.previous_columns)):
            for key, counts in source.items():
                target.setdefault(key, Counts()).add(counts)
        merged.period.add(row.period)
        merged.previous_period.add(row.previous_period)
    return merged


def _item_trend(total: Summary, critical_touchpoints: list[CriticalTouchpoint]) -> str:
    """A critical moment's trend: worsening when the moment or one of its critical
    touchpoints worsens, else the moment's own (improving, steady or no earlier data)."""
    if any(level["trend"] == stats.TREND_WORSENING for level in [total, *critical_touchpoints]):
        return stats.TREND_WORSENING
    return str(total["trend"])


def critical_moments(rows: list[MomentRow]) -> list[CriticalMoment]:
    """Moments that are critical, or hold a critical touchpoint, by severity (highest first).

    A moment whose own share is diluted by healthy touchpoints still shows up
    when one of its touchpoints is critical (the check-in kiosk among web and
    app check-in): that touchpoint is named and carries the severity. This list
    is what "critical moment" means everywhere (the emotion curve marks these).
    """
    items: list[CriticalMoment] = []
    for row in rows:
        total = row["total"]
        critical_touchpoints: list[CriticalTouchpoint] = [
            {"id": tp["id"], "name": tp["name"], "channel": tp["channel"], **tp["total"]}
            for tp in row["touchpoints"] if tp["total"]["critical"]
        ]
        if not total["critical"] and not critical_touchpoints:
            continue
        critical_touchpoints.sort(key=lambda tp: tp["severity"], reverse=True)
        levels = ([total] if total["critical"] else []) + critical_touchpoints
        scope = total if total["critical"] else None
        dissatisfied = total["d"] if scope else sum(tp["d"] for tp in critical_touchpoints)
        trend = _item_trend(total, critical_touchpoints)
        items.append({
            "moment_id": row["id"],
            "nps": total["nps"],
            "nps_low": total["nps_low"],
            "nps_high": total["nps_high"],
            "name": row["name"],
            "kind": row["moment_kind"],
            "position": row["position"],
            "protocol": row["protocol"],
            "owner": row["owner"],
            "moment_critical": bool(total["critical"]),
            "severity": max(level["severity"] for level in levels),
            "trend": trend,
            "worsening": stats.worsening_flag(trend),
            "dissatisfied": dissatisfied,
            "reach": sum(level["reach"] for level in ([total] if scope else critical_touchpoints)),
            "social": sum(level["social"] for level in ([total] if scope else critical_touchpoints)),
            "total": total,
            "critical_touchpoints": critical_touchpoints,
        })
    items.sort(key=lambda item: (-item["severity"], item["position"]))
    return items
