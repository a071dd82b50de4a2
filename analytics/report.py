"""A cycle's report for a period, as a PDF a team lead can forward.

The report is a list of sections drawn in order into one `ReportDocument`:
analytics' own (`CORE_SECTIONS`: the cover, the heatmap, the emotion curve, the
critical moments with their protocols and what customers say) and those higher
apps contribute (analytics/events.py `report_sections`: reviews adds the week's
review items). A new part of the report is one class with `order` and `draw`,
and one line in `CORE_SECTIONS` (or a contribution).

Figures come from the same snapshot as the dashboard (weeks as columns), so the
PDF says what the page says; nothing here reads raw ratings.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from journeys.models import ServiceCycle
from touchpoints.models import Channel

from . import events, images, insights, labels, services
from .alert_selectors import alerting_moment_ids
from .formatting import numbers
from .insights_display import example_shown, term_title
from .models import HeatmapSnapshot
from .periods import Period
from .report_document import ReportDocument
from .series import series_from_snapshot
from .wheel import wheel_svg

Progress = Callable[[int, int], None]


@dataclass
class Report:
    """What every section may read: the cycle, the period and its snapshot."""

    cycle: ServiceCycle
    period: Period
    snapshot: HeatmapSnapshot | None
    structure: services.CycleStructure
    generated_at: dt.datetime
    column_labels: list[str] = field(default_factory=list)

    @property
    def data(self) -> dict | None:
        return self.snapshot.data if self.snapshot else None

    @property
    def empty(self) -> str | None:
        """Why there is nothing to chart: no_moments, no_touchpoints, no_ratings; else None."""
        if self.data is None:
            return "no_moments"
        return self.data["empty"] if self.data["empty"] in ("no_touchpoints", "no_ratings") else None

    @property
    def critical_moments(self) -> list[dict]:
        return list(self.data["critical_moments"]) if self.data else []

    def day(self, value: dt.date) -> str:
        return formats.date_format(value, "DATE_FORMAT")

    @property
    def period_text(self) -> str:
        return _("%(start)s to %(end)s") % {"start": self.day(self.period.start), "end": self.day(self.period.end)}


class ReportSection(Protocol):
    """A part of the report: drawn in ascending `order`."""

    order: int

    def draw(self, document: ReportDocument, report: Report) -> None: ...


def _chart_section(document: ReportDocument, report: Report, *, heading: str, draw: Callable[[dict], bytes],
                   alt_text: str, legend: str) -> None:
    """A chart under its heading (kept on one page with it), with its legend below;
    a period without ratings says there is nothing to draw."""
    if report.empty is not None or report.data is None:
        document.heading(heading)
        document.paragraph(_("Nothing to draw: no ratings in this period."), muted=True)
        return
    png = draw(report.data)
    document.heading(heading, keep_with=document.chart_size(png)[1])
    document.chart(png, alt_text=alt_text)
    document.paragraph(legend, muted=True)


class CoverSection:
    order = 10

    def draw(self, document: ReportDocument, report: Report) -> None:
        cycle, fmt = report.cycle, numbers()
        document.title_block(cycle.name, _("Service cycle report · %(period)s") % {"period": report.period_text})
        if cycle.description:
            document.paragraph(cycle.description)
            document.ln(2)
        document.label_value(_("Organization"), cycle.organization.name)
        document.label_value(_("Period"), _("%(period)s (%(days)s days, time zone %(timezone)s)") % {
            "period": report.period_text, "days": fmt.count(report.period.days), "timezone": cycle.timezone})
        document.label_value(_("Moments of truth"), fmt.count(len(report.structure.moments)))
        if report.data:
            document.label_value(_("Ratings"), fmt.count(report.data["n"]))
            document.label_value(_("Critical moments"), fmt.count(len(report.critical_moments)))
        document.label_value(_("Critical when"), _(
            "at least %(min_sample)s ratings, and even the pessimistic estimate of the dissatisfied share (the "
            "lower end of its Wilson 95%% interval) is %(share)s or more.") % {
            "min_sample": fmt.count(cycle.min_sample), "share": fmt.percent(cycle.critical_share)})
        document.label_value(_("Made"), formats.date_format(report.generated_at, "DATETIME_FORMAT"))
        document.ln(2)
        if report.empty == "no_moments":
            document.warning(_("This cycle has no moments of truth yet."))
        elif report.empty == "no_touchpoints":
            document.warning(_("The moments of this cycle have no touchpoints yet, so no ratings can arrive."))
        elif report.empty == "no_ratings":
            document.warning(_("No ratings in this period (%(period)s): there is nothing to chart and nothing "
                               "can be critical.") % {"period": report.period_text})
        elif report.data and report.data["empty"] == "too_few":
            document.warning(_("Too few ratings to judge: no moment or touchpoint has %(min_sample)s ratings in "
                               "this period.") % {"min_sample": fmt.count(cycle.min_sample)})


class WheelSection:
    """The service-cycle wheel: the moments as Carlzon's circle, coloured by their
    dissatisfied share in the period, critical and alerting ones marked."""

    order = 20

    def draw(self, document: ReportDocument, report: Report) -> None:
        heading = _("Service-cycle wheel")
        if report.empty is not None or report.data is None:
            document.heading(heading)
            document.paragraph(_("Nothing to draw: no ratings in this period."), muted=True)
            return
        svg = wheel_svg(title=report.cycle.name, series=series_from_snapshot(report.data),
                        period=(report.period.start, report.period.end), language=get_language() or "en",
                        alerting_ids=alerting_moment_ids(cycle=report.cycle))
        width = document.epw * 0.8
        document.heading(heading, keep_with=width)
        document.svg_chart(svg, width=width, alt_text=_(
            "The service cycle as a wheel: each moment of truth a segment, clockwise in cycle order, coloured "
            "by its dissatisfied share."))


class HeatmapSection:
    order = 30

    def draw(self, document: ReportDocument, report: Report) -> None:
        title = _("Dissatisfied share per moment and ISO week · %(period)s") % {"period": report.period_text}
        _chart_section(
            document, report, heading=_("Heatmap: dissatisfied share"),
            draw=lambda data: images.heatmap_image(data, column_labels=report.column_labels, title=title),
            alt_text=_("Heatmap of the dissatisfied share per moment of truth and ISO week."),
            legend=_("● critical cell · ▲ the share rose significantly (95%) against the previous column. "
                     "Blank: no ratings."))


class EmotionCurveSection:
    order = 40

    def draw(self, document: ReportDocument, report: Report) -> None:
        _chart_section(
            document, report, heading=_("Emotion curve"),
            draw=lambda data: images.emotion_curve_image(data, title=report.period_text),
            alt_text=_("Mean satisfaction (0–100) per moment of truth in cycle order."),
            legend=_("Mean satisfaction (0–100) per moment in cycle order; bands show the kind of moment (ZMOT, "
                     "FMOT, SMOT, TMOT). Red markers are the critical moments."))


class CriticalMomentsSection:
    order = 50

    def draw(self, document: ReportDocument, report: Report) -> None:
        document.heading(_("Critical moments"))
        items = report.critical_moments
        if not items:
            document.paragraph(_("No critical moments in this period."), muted=True)
            return
        document.paragraph(_("By severity: the pessimistic number of dissatisfied customers (the lower end of the "
                             "Wilson 95% interval × the ratings)."), muted=True)
        zone = zoneinfo.ZoneInfo(report.cycle.timezone)
        for item in items:
            self._item(document, item, zone)

    def _item(self, document: ReportDocument, item: dict, zone: zoneinfo.ZoneInfo) -> None:
        fmt, total = numbers(), item["total"]
        document.subheading(f"{item['position'] + 1}. {item['name']} · {item['kind']}")
        document.label_value(_("Dissatisfied"), _("%(d)s of %(n)s (%(share)s; interval %(interval)s)") % {
            "d": fmt.count(total["d"]), "n": fmt.count(total["n"]), "share": fmt.percent(total["share"]),
            "interval": fmt.percent_range(total["low"], total["high"])})
        trend = labels.trend_label(item["trend"])
        if total["previous_share"] is not None:
            trend += " " + _("(previous period %(share)s, n = %(n)s)") % {
                "share": fmt.percent(total["previous_share"]), "n": fmt.count(total["previous_n"])}
        document.label_value(_("Trend"), trend)
        document.label_value(_("Severity"), fmt.count(item["severity"]))
        document.label_value(_("Word-of-mouth reach"), _("~%(reach)s people told; ~%(social)s vent on social media")
                             % {"reach": fmt.count(item["reach"]), "social": fmt.count(item["social"])})
        if item["critical_touchpoints"]:
            document.label_value(_("Critical touchpoints"), "")
            channels = dict(Channel.choices)
            for touchpoint in item["critical_touchpoints"]:
                worsening = " ▲" if touchpoint["trend"] == "worsening" else ""
                document.bullet(_("%(name)s (%(channel)s): %(share)s dissatisfied (%(interval)s), n = %(n)s") % {
                    "name": touchpoint["name"], "channel": channels.get(touchpoint["channel"], touchpoint["channel"]),
                    "share": fmt.percent(touchpoint["share"]),
                    "interval": fmt.percent_range(touchpoint["low"], touchpoint["high"]),
                    "n": fmt.count(touchpoint["n"])} + worsening)
        document.label_value(_("Protocol"), item["protocol"] or _("No protocol written yet."))
        if item["owner"]:
            document.label_value(_("Owner"), item["owner"])
        self._insights(document, item.get("insights"), zone)

    def _insights(self, document: ReportDocument, found: dict | None, zone: zoneinfo.ZoneInfo) -> None:
        if not found:
            return
        document.label_value(_("What dissatisfied customers say"), "")
        if found["state"] == insights.STATE_OFF:
            document.paragraph(_("Comment analysis is off for this organization."), muted=True, indent=4)
            return
        if found["state"] == insights.STATE_NO_COMMENTS:
            document.paragraph(_("No comments in this period."), muted=True, indent=4)
            return
        if found["terms"]:
            words = "; ".join(f"{term['term']} ({term_title(term['documents'], term['z'])})"
                              for term in found["terms"])
            document.paragraph(_("Words that stand out: %(words)s") % {"words": words}, indent=4)
        else:
            document.paragraph(_("No word stands out: every comment says something different."), muted=True,
                               indent=4)
        for example in found["examples"]:
            shown = example_shown(example, zone)
            document.quote(shown["comment"] + ("…" if shown["truncated"] else ""),
                           f"{shown['score']} · {shown['touchpoint']} · {formats.date_format(shown['day'])}")


# The report's own sections.
CORE_SECTIONS: tuple[Callable[[], ReportSection], ...] = (
    CoverSection, WheelSection, HeatmapSection, EmotionCurveSection, CriticalMomentsSection,
)


def report_sections(*, cycle: ServiceCycle, period: Period) -> list[ReportSection]:
    """The core sections and the contributed ones, in order (a tie keeps the core first)."""
    contributed: Iterable[ReportSection] = (
        entry["section"] for entry in events.report_sections.collect(cycle=cycle, period=period).values())
    sections = [factory() for factory in CORE_SECTIONS] + list(contributed)
    return sorted(sections, key=lambda section: section.order)


def report_build(*, cycle: ServiceCycle, period: Period) -> Report:
    """The report's data: the weeks snapshot of the period (computed from rollups when stale)."""
    snapshot, structure = services.heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
    column_labels = labels.column_labels(dimension="weeks", columns=snapshot.data["columns"]) if snapshot else []
    return Report(cycle=cycle, period=period, snapshot=snapshot, structure=structure,
                  generated_at=timezone.now().astimezone(zoneinfo.ZoneInfo(cycle.timezone)),
                  column_labels=column_labels)


def report_pdf(*, cycle: ServiceCycle, period: Period, progress: Progress | None = None) -> bytes:
    """The PDF of the cycle's report for `period`, in the active language.

    `progress(done, total)` is told after each section (the export task's bar).
    """
    report = report_build(cycle=cycle, period=period)
    sections = report_sections(cycle=cycle, period=period)
    document = ReportDocument(
        title=_("%(cycle)s · report · %(period)s") % {"cycle": cycle.name, "period": report.period_text},
        footer_text=f"Momento · {images.short(cycle.name, 60)} · {report.period_text}",
        language=get_language() or "en", created_at=report.generated_at)
    total = len(sections) + 1
    for done, section in enumerate(sections, start=1):
        section.draw(document, report)
        if progress is not None:
            progress(done, total)
    content = document.pdf_bytes()
    if progress is not None:
        progress(total, total)
    return content
