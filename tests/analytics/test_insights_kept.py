"""A snapshot recomputed for new counts keeps the previous snapshot's young insights (issue 20).

Reading a critical moment's words takes every counted comment of the period: a
refresh every few seconds under steady ingest must not read them each time. The
counts follow every refresh; the words follow within MOMENTO_INSIGHTS_MAX_AGE_SECONDS,
a recompute being queued for when they age out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from analytics import insights, tasks
from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today
from analytics.services import heatmap_snapshot_compute, rollups_refresh
from tests.analytics.test_insights import _airline, _rate
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


def _snapshot(cycle):
    period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone))
    return heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=period)


def _critical(snapshot) -> dict[str, dict]:
    return {item["name"]: item for item in snapshot.data["critical_moments"]}


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """The snapshot recomputes queued with `heatmaps_refresh.apply_async` (none waiting before)."""
    cache.clear()
    calls: list[dict] = []
    monkeypatch.setattr(tasks.heatmaps_refresh, "apply_async", lambda **options: calls.append(options))
    return calls


def _more_complaints(cycle, count: int = 10) -> None:
    carousel = Touchpoint.objects.get(moment__cycle=cycle, name="Carousel")
    _rate(carousel, ["El carrusel se detuvo y nadie avisó"] * count, score=1, hours_ago=2)
    rollups_refresh()


@override_settings(MOMENTO_INSIGHTS_MAX_AGE_SECONDS=60)
def test_young_insights_are_kept_with_new_counts_and_read_again_once_they_age_out(
        queued, monkeypatch, django_capture_on_commit_callbacks):
    cycle = _airline()
    first = _snapshot(cycle)
    _more_complaints(cycle)
    with django_capture_on_commit_callbacks(execute=True):
        second = _snapshot(cycle)
    # The counts are the new ones; the words are the first snapshot's, read at the same instant.
    assert second.data["n"] == first.data["n"] + 10
    assert _critical(second)["Baggage claim"]["insights"] == _critical(first)["Baggage claim"]["insights"]
    assert _critical(second)["Baggage claim"]["insights"]["dissatisfied_comments"] == 30
    assert second.data["insights_at"] == first.data["insights_at"]
    # One recompute is queued for when they age out, and only one while it waits.
    assert len(queued) == 1 and queued[0]["args"] == [cycle.pk] and 0 < queued[0]["countdown"] <= 60
    with django_capture_on_commit_callbacks(execute=True):
        _snapshot(cycle)
    assert len(queued) == 1

    later = timezone.now() + dt.timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    third = _snapshot(cycle)
    assert _critical(third)["Baggage claim"]["insights"]["dissatisfied_comments"] == 40
    assert "carrusel detuvo" in {term["term"] for term in _critical(third)["Baggage claim"]["insights"]["terms"]}
    assert third.data["insights_at"] == later.isoformat()


@override_settings(MOMENTO_INSIGHTS_MAX_AGE_SECONDS=60)
def test_a_new_critical_moment_has_every_insight_read_again(queued):
    cycle = _airline()
    first = _snapshot(cycle)
    assert set(_critical(first)) == {"Baggage claim", "Check-in"}
    crew = Touchpoint.objects.get(moment__cycle=cycle, name="Crew")
    _rate(crew, ["Rude crew, nobody answered the call button"] * 30, score=1, hours_ago=3)
    rollups_refresh()
    second = _snapshot(cycle)
    assert set(_critical(second)) == {"Baggage claim", "Check-in", "Flight"}
    assert _critical(second)["Flight"]["insights"]["state"] == insights.STATE_OK
    assert second.data["insights_at"] != first.data["insights_at"]
    assert not queued


@override_settings(MOMENTO_INSIGHTS_MAX_AGE_SECONDS=60)
def test_comment_settings_changed_are_shown_at_once(queued):
    cycle = _airline()
    _snapshot(cycle)
    organization = cycle.organization
    organization.comment_analysis = False
    organization.save()
    for item in _critical(_snapshot(cycle)).values():
        assert item["insights"] == insights.off()


@override_settings(MOMENTO_INSIGHTS_MAX_AGE_SECONDS=0)
def test_without_an_age_every_snapshot_reads_the_words(queued):
    cycle = _airline()
    _snapshot(cycle)
    _more_complaints(cycle)
    assert _critical(_snapshot(cycle))["Baggage claim"]["insights"]["dissatisfied_comments"] == 40
    assert not queued
