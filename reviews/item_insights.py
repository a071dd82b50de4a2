"""What dissatisfied customers said about each review item's problem in its week, and how
their words changed since the week before (issue 15).

An item's scope is its moment when the moment is critical (the item has no
touchpoint; its critical touchpoints are inside it), else its own touchpoint;
its period is its ISO week, Monday to Sunday in the cycle's time zone (the
term counts are kept per local day, the verbatims are read between the week's
local midnights). The figures are `analytics.insights.scope_insights`: the
terms that stand out against the rest of the cycle and up to three verbatims.

Costs: one query for the cycle's touchpoints and one term table (a GROUP BY
over the whole cycle's touchpoints) per week shown, shared by every item of
that week; then per item the written forms of its terms (this week's and the
week before's) and its verbatims. Never a query per term.

The comparison is between the two weeks' top terms, by stem: `new` are top
this week and were not the week before, `gone` the other way round, `up` and
`down` are top in both weeks, carried by more or fewer comments of
dissatisfied customers than the week before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TypedDict
from urllib.parse import urlencode

from django.urls import reverse

from analytics import insights
from analytics.insights import Insights, Term, TermTable
from analytics.periods import Period
from journeys.models import ServiceCycle
from touchpoints.models import Touchpoint

from .models import ReviewItem


class TermChange(TypedDict):
    term: str
    stem: str
    documents: int  # comments of dissatisfied customers that carry it, in the item's week
    previous_documents: int  # the same, the week before


class Changes(TypedDict):
    new: list[TermChange]
    gone: list[TermChange]
    up: list[TermChange]
    down: list[TermChange]


class PreviousWeek(TypedDict):
    state: str
    comments: int
    dissatisfied_comments: int
    terms: list[Term]


class ItemInsights(TypedDict):
    week: Insights
    previous_week: PreviousWeek
    changes: Changes


def week_period(week_start: dt.date) -> Period:
    """The ISO week that starts on this Monday, as a period of local days."""
    return Period(start=week_start, end=week_start + dt.timedelta(days=6))


def _scope_params(item: ReviewItem) -> dict[str, object]:
    scope: dict[str, object] = ({"touchpoint": item.touchpoint_id} if item.touchpoint_id
                                else {"moment": item.moment_id})
    return {**scope, "start": item.week_start.isoformat(), "end": item.week_end.isoformat(), "dissatisfied": "true"}


def comments_page_url(item: ReviewItem) -> str:
    """The dashboard's list of the comments of the item's scope and week, by dissatisfied customers.

    Built from the dashboard's own URL, so reviews needs no URL of analytics but that one."""
    base = reverse("analytics:dashboard", args=[item.cycle_id])
    return f"{base}comments/?{urlencode(_scope_params(item))}"


def comments_api_url(item: ReviewItem) -> str:
    """The same comments through the API (cursor-paginated)."""
    return f"{reverse('api:cycle-comments', args=[item.cycle_id])}?{urlencode(_scope_params(item))}"


def _off() -> ItemInsights:
    return {"week": insights.off(),
            "previous_week": {"state": insights.STATE_OFF, "comments": 0, "dissatisfied_comments": 0, "terms": []},
            "changes": {"new": [], "gone": [], "up": [], "down": []}}


def _documents(table: TermTable, focus: Sequence[int]) -> dict[str, int]:
    return {stem: counts.dissatisfied_documents for stem, counts in table.total(focus).items()}


def term_changes(*, terms: list[Term], previous_terms: list[Term], documents: dict[str, int],
                 previous_documents: dict[str, int]) -> Changes:
    """How the top terms moved from the week before to this one (see the module's docstring).

    `documents` / `previous_documents` give, per stem, the comments of dissatisfied
    customers of the scope that carry it in each week, also for a term that was not
    a top term that week. New and gone keep their weeks' ranking; up and down are by
    the size of the change, largest first.
    """
    now = {term["stem"]: term for term in terms}
    before = {term["stem"]: term for term in previous_terms}

    def change(term: Term, this_week: int, week_before: int) -> TermChange:
        return {"term": term["term"], "stem": term["stem"], "documents": this_week,
                "previous_documents": week_before}

    new = [change(term, term["documents"], previous_documents.get(term["stem"], 0))
           for term in terms if term["stem"] not in before]
    gone = [change(term, documents.get(term["stem"], 0), term["documents"])
            for term in previous_terms if term["stem"] not in now]
    both = [change(term, term["documents"], before[term["stem"]]["documents"])
            for term in terms if term["stem"] in before]
    up = sorted((row for row in both if row["documents"] > row["previous_documents"]),
                key=lambda row: row["previous_documents"] - row["documents"])
    down = sorted((row for row in both if row["documents"] < row["previous_documents"]),
                  key=lambda row: row["documents"] - row["previous_documents"])
    return {"new": new, "gone": gone, "up": up, "down": down}


class _Weeks:
    """The cycle's touchpoints and one term table per week: what every item of a page shares."""

    def __init__(self, cycle: ServiceCycle, weeks: set[dt.date]):
        self.rows = list(Touchpoint.objects.filter(moment__cycle=cycle).values_list("pk", "moment_id"))
        self.everything = [pk for pk, _moment in self.rows]
        self.tables = {week: insights.term_table(touchpoint_ids=self.everything, period=week_period(week))
                       for week in sorted(weeks)}

    def focus(self, item: ReviewItem) -> list[int]:
        if item.touchpoint_id:
            return [item.touchpoint_id]
        return [pk for pk, moment in self.rows if moment == item.moment_id]

    def insights(self, cycle: ServiceCycle, item: ReviewItem, week_start: dt.date, *,
                 with_examples: bool) -> Insights:
        if item.cycle_id != cycle.pk:
            raise ValueError(f"review item {item.pk} is not of cycle {cycle.pk}")
        return insights.scope_insights(cycle=cycle, table=self.tables[week_start], focus_ids=self.focus(item),
                                       cycle_touchpoint_ids=self.everything, period=week_period(week_start),
                                       with_examples=with_examples)


def review_items_week_insights(*, cycle: ServiceCycle, items: Iterable[ReviewItem]) -> dict[int, Insights]:
    """Per item id (items of this cycle), what its dissatisfied customers said in its week:
    terms and verbatims (the digest). Nothing is read when the organization switched
    comment analysis off."""
    items = list(items)
    if not items:
        return {}
    if not cycle.organization.comment_analysis:
        return {item.pk: insights.off() for item in items}
    weeks = _Weeks(cycle, {item.week_start for item in items})
    return {item.pk: weeks.insights(cycle, item, item.week_start, with_examples=True) for item in items}


def review_items_insights(*, cycle: ServiceCycle, items: Iterable[ReviewItem]) -> dict[int, ItemInsights]:
    """Per item id (items of this cycle), what its dissatisfied customers said in its week,
    the week before, and what changed (the review page, the API). Nothing is read when the
    organization switched comment analysis off."""
    items = list(items)
    if not items:
        return {}
    if not cycle.organization.comment_analysis:
        return {item.pk: _off() for item in items}
    starts = {item.week_start for item in items}
    weeks = _Weeks(cycle, starts | {start - dt.timedelta(weeks=1) for start in starts})
    found: dict[int, ItemInsights] = {}
    for item in items:
        before = item.week_start - dt.timedelta(weeks=1)
        week = weeks.insights(cycle, item, item.week_start, with_examples=True)
        previous = weeks.insights(cycle, item, before, with_examples=False)
        focus = weeks.focus(item)
        found[item.pk] = {
            "week": week,
            "previous_week": {"state": previous["state"], "comments": previous["comments"],
                              "dissatisfied_comments": previous["dissatisfied_comments"], "terms": previous["terms"]},
            "changes": term_changes(terms=week["terms"], previous_terms=previous["terms"],
                                    documents=_documents(weeks.tables[item.week_start], focus),
                                    previous_documents=_documents(weeks.tables[before], focus)),
        }
    return found
