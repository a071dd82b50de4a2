"""Why customers are unhappy at a moment: its distinctive words and a few verbatims.

From the counted terms (`TermCount`, maintained with the rollups), never from
raw comments: for a scope (a moment's touchpoints, or some touchpoints) and a
period, the words and pairs of words that its *dissatisfied* customers use far
more than customers elsewhere in the cycle, by the z-score of the log-odds
ratio with an informative Dirichlet prior (`stats.log_odds_z`; the prior is
the whole cycle's use of each word in the period). A term is shown only when
at least `MIN_DOCUMENTS` comments of the scope carry it and its z reaches
`MIN_Z`; it reads as its most frequent written form.

The examples are the newest dissatisfied comments of the scope (at most
`EXAMPLE_CANDIDATES`, read by the ratings' touchpoint × time index) that carry
the most of those terms: up to `EXAMPLES`, newest first.

Everything is JSON of figures and customers' own words (`Insights`), stored in
snapshots and answered by the API as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import connection, connections
from django.db.models import Sum

from journeys.models import ServiceCycle
from touchpoints.models import Rating, Touchpoint

from . import stats, text
from .models import CORPUS, NO_SEGMENT, TermCount, TermForm
from .periods import Period, utc_bounds

MIN_DOCUMENTS = 3
MIN_Z = stats.Z_95
TOP_TERMS = 8
EXAMPLES = 3
EXAMPLE_CANDIDATES = 300
EXAMPLE_MAX_LENGTH = 600
# A pair of words makes one of its words redundant when it carries most of its comments.
PAIR_COVERS = 0.8

# What an insight can say (codes; pages word them).
STATE_OK = "ok"
STATE_OFF = "off"                # the organization switched comment analysis off
STATE_NO_COMMENTS = "no_comments"  # no comment from a dissatisfied customer here in the period
STATE_NO_TERMS = "no_terms"      # comments, but no word in MIN_DOCUMENTS of them stands out


class Term(TypedDict):
    term: str
    stem: str
    count: int
    documents: int
    z: float


class Example(TypedDict):
    comment: str
    truncated: bool
    score: int
    scale: str
    touchpoint: str
    touchpoint_id: int
    occurred_at: str


class Insights(TypedDict):
    state: str
    comments: int
    dissatisfied_comments: int
    terms: list[Term]
    examples: list[Example]


@dataclass
class _Counts:
    occurrences: int = 0
    documents: int = 0
    dissatisfied_occurrences: int = 0
    dissatisfied_documents: int = 0

    def add(self, other: _Counts) -> None:
        self.occurrences += other.occurrences
        self.documents += other.documents
        self.dissatisfied_occurrences += other.dissatisfied_occurrences
        self.dissatisfied_documents += other.dissatisfied_documents


@dataclass
class TermTable:
    """Summed term counts of a cycle's touchpoints over a period: touchpoint → term → counts."""

    by_touchpoint: dict[int, dict[str, _Counts]] = field(default_factory=dict)
    _totals: dict[frozenset[int], dict[str, _Counts]] = field(default_factory=dict, repr=False, compare=False)

    def total(self, touchpoint_ids: Iterable[int]) -> dict[str, _Counts]:
        """Term → counts summed over these touchpoints; read-only, as it is kept: a
        snapshot asks for the whole cycle (the prior) once per critical moment."""
        key = frozenset(touchpoint_ids)
        summed = self._totals.get(key)
        if summed is None:
            summed = {}
            for touchpoint_id in key:
                for term, counts in self.by_touchpoint.get(touchpoint_id, {}).items():
                    if term in summed:
                        summed[term].add(counts)
                    else:
                        summed[term] = _Counts(counts.occurrences, counts.documents, counts.dissatisfied_occurrences,
                                               counts.dissatisfied_documents)
            self._totals[key] = summed
        return summed


def term_table(*, touchpoint_ids: Collection[int], period: Period, segment_key: int | None = None) -> TermTable:
    """One GROUP BY over the counted terms of these touchpoints in the period's days."""
    table = TermTable()
    if not touchpoint_ids:
        return table
    rows = TermCount.objects.filter(touchpoint_id__in=list(touchpoint_ids), day__gte=period.start,
                                    day__lte=period.end)
    if segment_key is not None:
        rows = rows.filter(segment_key=segment_key)
    query = (rows.order_by().values("touchpoint_id", "term")
             .annotate(o=Sum("occurrences"), d=Sum("documents"), do=Sum("dissatisfied_occurrences"),
                       dd=Sum("dissatisfied_documents")))
    sql, params = query.query.sql_with_params()
    # A plain cursor: thousands of rows, no per-value converters. On the replica
    # inside momento.replica.replica_reads().
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        for touchpoint_id, term, *counts in cursor.fetchall():
            table.by_touchpoint.setdefault(touchpoint_id, {})[term] = _Counts(*(int(value or 0) for value in counts))
    return table


def _rest(background: dict[str, _Counts], focus: dict[str, _Counts], terms: Iterable[str]) -> dict[str, _Counts]:
    """The rest of the cycle's counts of these terms: the whole cycle's minus the
    focus' own (every segment), rather than a sum over every other touchpoint
    for each critical moment."""
    rest: dict[str, _Counts] = {}
    for term in terms:
        whole = background.get(term)
        if whole is None:
            continue
        own = focus.get(term, _Counts())
        rest[term] = _Counts(whole.occurrences - own.occurrences, whole.documents - own.documents,
                             whole.dissatisfied_occurrences - own.dissatisfied_occurrences,
                             whole.dissatisfied_documents - own.dissatisfied_documents)
    return rest


def _distinctive(focus: dict[str, _Counts], rest: dict[str, _Counts], background: dict[str, _Counts]
                 ) -> list[tuple[str, _Counts, float]]:
    """(stem, focus counts, z) of the focus' distinctive terms, highest z first."""
    focus_total = focus.get(CORPUS, _Counts()).dissatisfied_occurrences
    rest_total = rest.get(CORPUS, _Counts()).occurrences
    prior_total = background.get(CORPUS, _Counts()).occurrences
    found = []
    for term, counts in focus.items():
        if term == CORPUS or counts.dissatisfied_documents < MIN_DOCUMENTS:
            continue
        prior = background[term].occurrences
        elsewhere = rest.get(term, _Counts()).occurrences
        if prior_total <= prior:  # the whole cycle's words are this one word: nothing to compare
            continue
        z = stats.log_odds_z(counts.dissatisfied_occurrences, focus_total, elsewhere, rest_total,
                             prior=prior, prior_total=prior_total)
        if z >= MIN_Z:
            found.append((term, counts, z))
    # Equal z: a pair before its words, which it then makes redundant.
    found.sort(key=lambda item: (-round(item[2], 9), " " not in item[0], item[0]))
    return _without_covered_words(found)


def _without_covered_words(found: list[tuple[str, _Counts, float]]) -> list[tuple[str, _Counts, float]]:
    """Drop a word that a pair above it already says (the pair is in most of its comments)."""
    kept: list[tuple[str, _Counts, float]] = []
    for term, counts, z in found:
        if " " not in term and any(
                term in pair.split(" ") and pair_counts.dissatisfied_documents
                >= PAIR_COVERS * counts.dissatisfied_documents
                for pair, pair_counts, _z in kept if " " in pair):
            continue
        kept.append((term, counts, z))
        if len(kept) == TOP_TERMS:
            break
    return kept


def surface_forms(*, touchpoint_ids: Collection[int], terms: Collection[str]) -> dict[str, str]:
    """The most frequent written form of each term at these touchpoints (one GROUP BY)."""
    if not terms or not touchpoint_ids:
        return {}
    rows = (TermForm.objects.filter(touchpoint_id__in=list(touchpoint_ids), term__in=list(terms))
            .order_by().values_list("term", "form").annotate(total=Sum("occurrences")))
    forms: dict[str, str] = {}
    # Most used first; among equals the shortest, then alphabetical: the same every time.
    for term, form, _total in sorted(rows, key=lambda row: (-int(row[2] or 0), len(row[1]), row[1])):
        forms.setdefault(term, form)
    return forms


def _of_segment(ratings, segment_id: int | None):
    """Ratings of one segment; `NO_SEGMENT` (0) means those without one (None: all)."""
    if segment_id is None:
        return ratings
    return ratings.filter(segment__isnull=True) if segment_id == NO_SEGMENT else ratings.filter(segment_id=segment_id)


def _newest_dissatisfied_comments(*, cycle: ServiceCycle, touchpoint_ids: Collection[int], period: Period,
                                  segment_id: int | None) -> list[tuple]:
    """The newest `EXAMPLE_CANDIDATES` comments of dissatisfied customers of these
    touchpoints in the period: (comment, score, scale, touchpoint_id, occurred_at, id).

    Each touchpoint's newest come from its own range of the ratings' touchpoint ×
    time index, read backwards and stopped after `EXAMPLE_CANDIDATES`, then the
    few are merged (UNION ALL). One query over all of them would read every
    rating of the scope's period to sort them: the index gives no order across
    touchpoints. SQLite cannot limit the parts of a UNION: there, that one query.
    """
    start, end = utc_bounds(period, cycle.timezone)
    ratings = (Rating.objects.filter(occurred_at__gte=start, occurred_at__lt=end, dissatisfied=True)
               .exclude(comment=""))
    ratings = _of_segment(ratings, segment_id)
    columns = ("comment", "score", "scale", "touchpoint_id", "occurred_at", "id")
    newest = ("-occurred_at", "-id")
    ids = sorted(touchpoint_ids)
    if len(ids) > 1 and connection.features.supports_slicing_ordering_in_compound:
        parts = [ratings.filter(touchpoint_id=touchpoint_id).order_by(*newest).values_list(*columns)
                 [:EXAMPLE_CANDIDATES] for touchpoint_id in ids]
        query = parts[0].union(*parts[1:], all=True).order_by(*newest)
    else:
        query = ratings.filter(touchpoint_id__in=ids).order_by(*newest).values_list(*columns)
    return list(query[:EXAMPLE_CANDIDATES])


def examples(*, cycle: ServiceCycle, touchpoint_ids: Collection[int], period: Period, terms: list[Term],
             segment_id: int | None = None) -> list[Example]:
    """Up to `EXAMPLES` dissatisfied comments of the scope that carry most of its
    terms (weighted by their z), newest first; the newest ones without terms."""
    if not touchpoint_ids:
        return []
    candidates = _newest_dissatisfied_comments(cycle=cycle, touchpoint_ids=touchpoint_ids, period=period,
                                               segment_id=segment_id)
    weights = {term["stem"]: term["z"] for term in terms}
    language = cycle.organization.comment_language
    scored = []
    for order, (comment, score, scale, touchpoint_id, occurred_at, _id) in enumerate(candidates):
        if not comment.strip():
            continue
        carried = {found for found, _form in text.comment_terms(comment, language=language)} & weights.keys()
        if weights and not carried:
            continue
        scored.append((-sum(weights[term] for term in carried), order, comment, score, scale, touchpoint_id,
                       occurred_at))
    chosen = sorted(sorted(scored)[:EXAMPLES], key=lambda item: item[1])
    names = dict(Touchpoint.objects.filter(pk__in={item[5] for item in chosen}).values_list("pk", "name"))
    return [{
        "comment": comment[:EXAMPLE_MAX_LENGTH], "truncated": len(comment) > EXAMPLE_MAX_LENGTH,
        "score": score, "scale": scale, "touchpoint": names.get(touchpoint_id, ""), "touchpoint_id": touchpoint_id,
        "occurred_at": occurred_at.isoformat(),
    } for _weight, _order, comment, score, scale, touchpoint_id, occurred_at in chosen]


def off() -> Insights:
    return {"state": STATE_OFF, "comments": 0, "dissatisfied_comments": 0, "terms": [], "examples": []}


def scope_insights(*, cycle: ServiceCycle, table: TermTable, focus_ids: Collection[int],
                   cycle_touchpoint_ids: Collection[int], period: Period, segment_id: int | None = None,
                   focus_table: TermTable | None = None, with_examples: bool = True) -> Insights:
    """The insights of the focus touchpoints against the rest of the cycle (`table`);
    `focus_table` counts the focus itself when it is narrower (one segment)."""
    if not cycle.organization.comment_analysis:
        return off()
    focus_ids = set(focus_ids)
    focus = (focus_table or table).total(focus_ids)
    background = table.total(cycle_touchpoint_ids)
    rest = _rest(background, table.total(focus_ids & set(cycle_touchpoint_ids)), [*focus, CORPUS])
    corpus = focus.get(CORPUS, _Counts())
    found = _distinctive(focus, rest, background)
    forms = surface_forms(touchpoint_ids=focus_ids, terms=[term for term, _counts, _z in found])
    terms: list[Term] = [{"term": forms.get(term, term), "stem": term, "count": counts.dissatisfied_occurrences,
                          "documents": counts.dissatisfied_documents, "z": round(z, 2)} for term, counts, z in found]
    state = STATE_OK if terms else STATE_NO_TERMS
    if not corpus.dissatisfied_documents:
        state = STATE_NO_COMMENTS
    return {
        "state": state, "comments": corpus.documents, "dissatisfied_comments": corpus.dissatisfied_documents,
        "terms": terms,
        "examples": examples(cycle=cycle, touchpoint_ids=focus_ids, period=period, terms=terms,
                             segment_id=segment_id) if with_examples and corpus.dissatisfied_documents else [],
    }


# --- One cell, and the comments behind it (the heatmap's click, the API) --------------


def scope_touchpoints(*, cycle: ServiceCycle, moment_id: int | None = None, touchpoint_id: int | None = None,
                      channel: str | None = None) -> tuple[list[int], list[int]]:
    """(the scope's touchpoint ids, all the cycle's): a moment's (of one channel), or one touchpoint."""
    rows = list(Touchpoint.objects.filter(moment__cycle=cycle).values_list("pk", "moment_id", "channel"))
    scope = [pk for pk, moment, tp_channel in rows
             if (moment_id is None or moment == moment_id) and (touchpoint_id is None or pk == touchpoint_id)
             and (not channel or tp_channel == channel)]
    return scope, [pk for pk, _moment, _channel in rows]


def cell_insights(*, cycle: ServiceCycle, period: Period, moment_id: int | None = None,
                  touchpoint_id: int | None = None, segment_id: int | None = None,
                  channel: str | None = None) -> Insights:
    """The insights of one heatmap cell or row: a moment or touchpoint, in a period
    (a week column is its days), optionally of one segment or one channel (the
    focus; the rest of the cycle is every customer elsewhere)."""
    if not cycle.organization.comment_analysis:
        return off()
    focus, everything = scope_touchpoints(cycle=cycle, moment_id=moment_id, touchpoint_id=touchpoint_id,
                                          channel=channel)
    # One segment's customers at this moment against every customer elsewhere: the
    # segment's own rest of the cycle may hold too few comments to compare with.
    table = term_table(touchpoint_ids=everything, period=period)
    focus_table = None if segment_id is None else term_table(touchpoint_ids=focus, period=period,
                                                             segment_key=segment_id)
    return scope_insights(cycle=cycle, table=table, focus_ids=focus, cycle_touchpoint_ids=everything,
                          period=period, segment_id=segment_id, focus_table=focus_table)


def comments_list(*, cycle: ServiceCycle, period: Period, moment_id: int | None = None,
                  touchpoint_id: int | None = None, segment_id: int | None = None, channel: str | None = None,
                  dissatisfied: bool | None = None):
    """The ratings with a comment in that scope and period, newest first (a queryset to paginate)."""
    focus, _everything = scope_touchpoints(cycle=cycle, moment_id=moment_id, touchpoint_id=touchpoint_id,
                                           channel=channel)
    start, end = utc_bounds(period, cycle.timezone)
    ratings = (Rating.objects.filter(touchpoint_id__in=focus, occurred_at__gte=start, occurred_at__lt=end)
               .exclude(comment="").select_related("touchpoint", "segment").order_by("-occurred_at", "-id"))
    ratings = _of_segment(ratings, segment_id)
    if dissatisfied is not None:
        ratings = ratings.filter(dissatisfied=dissatisfied)
    return ratings
