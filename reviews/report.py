"""The week's review items in a cycle's PDF report (analytics.report, through
analytics/events.py `report_sections`; connected in `ReviewsConfig.ready`).

"The week" is the latest ISO week of the period whose review was opened: its items
with their status, owner, figures, notes and action items. Effects of actions join
this section once they are measured.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Max
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.formatting import numbers
from analytics.periods import Period
from journeys.models import ServiceCycle

from .models import ReviewItem
from .selectors import iso_week_label, review_items_for_week

if TYPE_CHECKING:  # the report's modules load matplotlib and fpdf2: only where a report is made
    from analytics.report import Report
    from analytics.report_document import ReportDocument

ORDER = 60


class ReviewItemsSection:
    order = ORDER

    def __init__(self, *, week_start: dt.date | None, items: list[ReviewItem]):
        self.week_start = week_start
        self.items = items

    def draw(self, document: ReportDocument, report: Report) -> None:
        document.heading(_("Weekly review"))
        if self.week_start is None:
            document.paragraph(_("No weekly review was opened for a week of this period."), muted=True)
            return
        document.paragraph(ngettext(
            "Week %(week)s, from %(start)s to %(end)s: %(count)s item.",
            "Week %(week)s, from %(start)s to %(end)s: %(count)s items, most severe first.", len(self.items)) % {
            "week": iso_week_label(self.week_start), "start": formats.date_format(self.week_start),
            "end": formats.date_format(self.week_start + dt.timedelta(days=6)),
            "count": numbers().count(len(self.items))}, muted=True)
        for item in self.items:
            self._item(document, item)

    def _item(self, document: ReportDocument, item: ReviewItem) -> None:
        fmt = numbers()
        where = item.moment.name if item.touchpoint is None else f"{item.moment.name} › {item.touchpoint.name}"
        document.subheading(f"{item.moment.position + 1}. {where}")
        status = str(item.get_status_display())
        if item.dismiss_reason:
            status += f" ({item.dismiss_reason})"
        document.label_value(_("Status"), status)
        owner = (item.owner.get_full_name() or item.owner.get_username()) if item.owner else _("nobody yet")
        document.label_value(_("Owner"), owner)
        document.label_value(_("Dissatisfied"), _("%(d)s of %(n)s (%(share)s)") % {
            "d": fmt.count(item.dissatisfied), "n": fmt.count(item.n), "share": fmt.percent(item.share)})
        if item.notes:
            document.label_value(_("Notes"), item.notes)
        actions = list(item.actions.all())
        if not actions:
            document.label_value(_("Actions"), _("none yet"))
            return
        document.label_value(_("Actions"), "")
        for action in actions:
            due = _(" (due %(date)s)") % {"date": formats.date_format(action.due_date)} if action.due_date else ""
            state = _("done") if action.done else _("to do")
            document.bullet(f"{'✓' if action.done else '○'} {action.text}{due} · {state}")


def report_sections(*, cycle: ServiceCycle, period: Period) -> dict[str, dict]:
    """The contribution: the latest opened week that overlaps the period (one query), and its items."""
    week_start = (ReviewItem.objects.filter(cycle=cycle, week_start__gte=period.start - dt.timedelta(days=6),
                                            week_start__lte=period.end)
                  .aggregate(latest=Max("week_start"))["latest"])
    items = list(review_items_for_week(cycle=cycle, week_start=week_start, include_earlier_open=False)) \
        if week_start else []
    return {"review_items": {"order": ORDER, "section": ReviewItemsSection(week_start=week_start, items=items)}}
