"""Insights: the distinctive words and verbatims of each critical moment (issue 15)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from analytics import insights
from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today
from analytics.services import heatmap_snapshot_current, rollups_refresh
from tests.factories import MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

FILLER = ["el vuelo", "the flight", "hoy", "today", "otra vez", "again", "sin más", "as usual", "por favor", "please"]


def _rate(touchpoint, comments, *, score, hours_ago=24, rng=None):
    rng = rng or random.Random(1)
    for index, comment in enumerate(comments):
        RatingFactory(touchpoint=touchpoint, score=score, comment=comment,
                      occurred_at=timezone.now() - dt.timedelta(hours=hours_ago + index))


def _airline():
    cycle = ServiceCycleFactory(min_sample=20, critical_share=0.25)
    baggage = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"), name="Carousel")
    checkin = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Kiosk")
    flight = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Flight"), name="Crew")
    rng = random.Random(7)
    _rate(baggage, [f"Mi maleta perdida {rng.choice(FILLER)}, esperé {m} minutos" for m in range(30)], score=1)
    _rate(baggage, ["Todo bien, rápido"] * 10, score=5)
    _rate(checkin, [f"The kiosk froze {rng.choice(FILLER)} and I missed {m} minutes" for m in range(30)], score=2)
    _rate(checkin, ["fine, quick"] * 10, score=5)
    _rate(flight, [f"Friendly crew {rng.choice(FILLER)}" for _ in range(36)] + ["waited for the crew"] * 4, score=5)
    rollups_refresh()
    return cycle


def _critical(cycle):
    period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone))
    snapshot, _structure = heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
    return {item["name"]: item for item in snapshot.data["critical_moments"]}


def test_each_critical_moment_gets_its_own_words_and_not_the_others():
    critical = _critical(_airline())
    assert set(critical) == {"Baggage claim", "Check-in"}
    baggage, checkin = critical["Baggage claim"]["insights"], critical["Check-in"]["insights"]
    assert baggage["state"] == insights.STATE_OK
    assert baggage["comments"] == 40 and baggage["dissatisfied_comments"] == 30
    shown = [term["term"] for term in baggage["terms"]]
    # A pair that is in (nearly) every comment of its words stands for them: "maleta" is not repeated.
    assert "maleta" not in shown and "perdida" not in shown
    assert "maleta perdida" in shown[:2] and not {"kiosk", "kiosk froze", "froze"} & set(shown)
    top = baggage["terms"][0]
    assert top["documents"] == 30 and top["count"] == 30 and top["z"] > 1.96
    assert [term["stem"] for term in baggage["terms"]].count(top["stem"]) == 1
    assert {"kiosk froze"} <= {term["term"] for term in checkin["terms"]}
    assert not {"maleta", "maleta perdida"} & {term["term"] for term in checkin["terms"]}
    # Words every moment's customers use ("minutes" is in both complaints, "flight" everywhere) do not stand out
    # as much as the moment's own; words of satisfied customers never count for the focus.
    assert all(term["documents"] >= insights.MIN_DOCUMENTS for item in critical.values()
               for term in item["insights"]["terms"])


def test_examples_carry_the_terms_newest_first_with_score_touchpoint_and_date():
    critical = _critical(_airline())
    examples = critical["Baggage claim"]["insights"]["examples"]
    assert len(examples) == insights.EXAMPLES
    assert all("maleta perdida" in example["comment"].lower() for example in examples)
    assert [example["occurred_at"] for example in examples] == sorted(
        (example["occurred_at"] for example in examples), reverse=True)
    assert {example["touchpoint"] for example in examples} == {"Carousel"}
    assert all(example["score"] == 1 and example["scale"] == "csat5" for example in examples)


def test_a_moment_whose_comments_are_all_different_says_no_term_stands_out():
    cycle = ServiceCycleFactory(min_sample=20, critical_share=0.25)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Lounge"))
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
             "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
             "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "one", "two", "three", "four"]
    _rate(touchpoint, [f"{word}{word}" for word in words], score=1)
    rollups_refresh()
    item = _critical(cycle)["Lounge"]["insights"]
    assert item["state"] == insights.STATE_NO_TERMS and item["terms"] == []
    assert item["dissatisfied_comments"] == 30
    assert len(item["examples"]) == insights.EXAMPLES  # the newest comments, there being no terms to carry


def test_a_period_without_comments_says_so():
    cycle = ServiceCycleFactory(min_sample=20, critical_share=0.25)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Gate"))
    _rate(touchpoint, [""] * 25 + ["   "] * 5, score=1)
    rollups_refresh()
    item = _critical(cycle)["Gate"]["insights"]
    assert item == {"state": insights.STATE_NO_COMMENTS, "comments": 0, "dissatisfied_comments": 0,
                    "terms": [], "examples": []}


def test_an_organization_that_switched_analysis_off_gets_no_insights():
    cycle = _airline()
    organization = cycle.organization
    organization.comment_analysis = False
    organization.save()
    for item in _critical(cycle).values():
        assert item["insights"] == insights.off()


def test_comment_text_is_stored_as_written_and_long_examples_are_cut():
    cycle = ServiceCycleFactory(min_sample=20, critical_share=0.25)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Wifi"))
    hostile = "<script>alert('x')</script> wifi roto " + "muy lento " * 1000
    _rate(touchpoint, [hostile] * 25, score=1)
    rollups_refresh()
    examples = _critical(cycle)["Wifi"]["insights"]["examples"]
    assert examples and all(example["comment"].startswith("<script>") for example in examples)
    assert all(example["truncated"] and len(example["comment"]) == insights.EXAMPLE_MAX_LENGTH
               for example in examples)


def test_example_candidates_are_the_newest_dissatisfied_comments_across_the_touchpoints(monkeypatch):
    """Each touchpoint's newest are read apart and merged (on PostgreSQL): the candidates
    are still the scope's newest, ties by the newer rating, whatever touchpoint they are of."""
    monkeypatch.setattr(insights, "EXAMPLE_CANDIDATES", 5)
    cycle = ServiceCycleFactory()
    moment = MomentFactory(cycle=cycle)
    first, second, third = (TouchpointFactory(moment=moment) for _ in range(3))
    elsewhere = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    now = timezone.now()
    same_time = now - dt.timedelta(hours=3)
    rows = [(first, 1, "a", 1), (second, 1, "b", 2), (third, 1, "c", 4), (first, 1, "d", 6), (second, 5, "happy", 0.5),
            (third, 1, "", 0.2), (elsewhere, 1, "elsewhere", 0.1), (second, 1, "e", 3), (third, 1, "f", 3)]
    for touchpoint, score, comment, hours_ago in rows:
        RatingFactory(touchpoint=touchpoint, score=score, comment=comment,
                      occurred_at=same_time if hours_ago == 3 else now - dt.timedelta(hours=hours_ago))
    period = last_weeks(weeks=1, today=local_today(cycle.timezone))
    found = insights._newest_dissatisfied_comments(cycle=cycle, touchpoint_ids=[first.pk, second.pk, third.pk],
                                                   period=period, segment_id=None)
    # "e" and "f" happened at the same instant: "f" was rated later (a higher id), so it comes first.
    assert [row[0] for row in found] == ["a", "b", "f", "e", "c"]


def test_the_rest_of_the_cycle_is_the_whole_cycle_minus_the_focus():
    table = insights.TermTable(by_touchpoint={
        1: {"malet": insights._Counts(5, 4, 3, 2), "": insights._Counts(20, 10, 8, 5)},
        2: {"malet": insights._Counts(2, 2, 1, 1), "kiosk": insights._Counts(3, 3, 3, 3),
            "": insights._Counts(9, 6, 4, 3)},
        3: {"kiosk": insights._Counts(1, 1, 0, 0), "": insights._Counts(4, 2, 1, 1)},
    })
    background = table.total([1, 2, 3])
    assert table.total([3, 2, 1]) is background, "the whole cycle is summed once per table"
    rest = insights._rest(background, table.total([1]), ["malet", "kiosk", ""])
    assert rest == {term: counts for term, counts in table.total([2, 3]).items()}
