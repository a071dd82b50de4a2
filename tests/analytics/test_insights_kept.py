"""A snapshot recomputed for new counts keeps the previous snapshot's insights while
no word was counted since (issue 20).

Reading a critical moment's words takes every counted comment of the period: a
refresh every few seconds under steady ingest must not read them each time. The
words have their own watermark (analytics.services.refresh); the insights are read
again when it moved.
"""

from __future__ import annotations

import pytest

from analytics import insights
from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today
from analytics.services import heatmap_snapshot_compute, rollups_refresh, terms_refresh, terms_watermark
from tests.analytics.test_insights import _airline, _rate
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


def _snapshot(cycle):
    period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone))
    return heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=period)


def _critical(snapshot) -> dict[str, dict]:
    return {item["name"]: item for item in snapshot.data["critical_moments"]}


def _more_complaints(cycle, count: int = 10) -> None:
    carousel = Touchpoint.objects.get(moment__cycle=cycle, name="Carousel")
    _rate(carousel, ["El carrusel se detuvo y nadie avisó"] * count, score=1, hours_ago=2)


def test_new_counts_keep_the_insights_until_new_words_are_counted():
    cycle = _airline()
    first = _snapshot(cycle)
    assert first.data["insights_terms"] == terms_watermark() > 0
    _more_complaints(cycle)
    rollups_refresh(terms=False)
    second = _snapshot(cycle)
    # The counts are the new ones; the words are the first snapshot's.
    assert second.data["n"] == first.data["n"] + 10
    assert _critical(second)["Baggage claim"]["insights"] == _critical(first)["Baggage claim"]["insights"]
    assert _critical(second)["Baggage claim"]["insights"]["dissatisfied_comments"] == 30
    assert second.data["insights_terms"] == first.data["insights_terms"]

    assert terms_refresh() == [cycle.pk]
    third = _snapshot(cycle)
    baggage = _critical(third)["Baggage claim"]["insights"]
    assert baggage["dissatisfied_comments"] == 40
    assert "carrusel detuvo" in {term["term"] for term in baggage["terms"]}
    assert third.data["insights_terms"] == terms_watermark() > first.data["insights_terms"]


def test_a_new_critical_moment_has_every_insight_read_again():
    cycle = _airline()
    first = _snapshot(cycle)
    assert set(_critical(first)) == {"Baggage claim", "Check-in"}
    crew = Touchpoint.objects.get(moment__cycle=cycle, name="Crew")
    _rate(crew, ["Rude crew, nobody answered the call button"] * 30, score=1, hours_ago=3)
    rollups_refresh(terms=False)
    second = _snapshot(cycle)
    assert set(_critical(second)) == {"Baggage claim", "Check-in", "Flight"}
    # Read again, at the same terms watermark: the new comments' words are not counted yet.
    assert _critical(second)["Flight"]["insights"]["dissatisfied_comments"] == 0
    assert _critical(second)["Flight"]["insights"]["state"] == insights.STATE_NO_COMMENTS
    terms_refresh()
    assert _critical(_snapshot(cycle))["Flight"]["insights"]["dissatisfied_comments"] == 30


def test_comment_settings_changed_are_shown_at_once():
    cycle = _airline()
    _snapshot(cycle)
    organization = cycle.organization
    organization.comment_analysis = False
    organization.save()
    for item in _critical(_snapshot(cycle)).values():
        assert item["insights"] == insights.off()
