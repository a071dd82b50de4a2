"""The words of comments are counted under a watermark of their own (issue 20).

With a worker, the refresh after ingest counts the ratings at once and the words
MOMENTO_TERMS_DEBOUNCE_SECONDS later, in their own task: counting words costs far
more than counting ratings. Each comment is still counted once, whichever of the
two watermarks runs ahead, through rebuilds and erasures.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.test import override_settings

from analytics import services, tasks
from analytics.models import DailyRollup, RollupWatermark, TermCount
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.analytics.test_comment_terms import _counts
from tests.analytics.test_erasure import erase, journey, loaded, term_rows  # noqa: F401 - fixtures
from tests.api_support import token_client
from tests.factories import RatingFactory, TouchpointFactory

from .drivers_data import traveller_ratings

pytestmark = pytest.mark.django_db


def _watermarks() -> tuple[int, int]:
    marks = dict(RollupWatermark.objects.values_list("name", "last_rating_id"))
    return marks[services.WATERMARK_NAME], marks[services.TERMS_WATERMARK_NAME]


def test_counts_and_words_move_their_own_watermarks_and_count_each_comment_once():
    touchpoint = TouchpointFactory()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Waited an hour for my bag")
    services.rollups_refresh(terms=False)
    assert DailyRollup.objects.exists() and not TermCount.objects.exists()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Bag lost, waited at the carousel")
    services.rollups_refresh(terms=False)
    assert services.terms_refresh() == [touchpoint.moment.cycle_id]
    assert services.terms_refresh() == []
    assert _counts(touchpoint)["bag"] == (2, 2, 2, 2)
    # The words ahead of the counts, then the counts (and the words) catch up: once each still.
    RatingFactory(touchpoint=touchpoint, score=5, comment="The bag arrived first")
    services.terms_refresh()
    ratings, terms = _watermarks()
    assert terms > ratings
    services.rollups_refresh()
    assert _counts(touchpoint)["bag"] == (3, 3, 2, 2)
    assert _watermarks()[0] == _watermarks()[1]
    before = _counts(touchpoint)
    services.rollups_rebuild()
    assert _counts(touchpoint) == before


def test_a_missing_terms_watermark_starts_where_the_ratings_stand():
    touchpoint = TouchpointFactory()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Waited an hour for my bag")
    services.rollups_refresh()
    RollupWatermark.objects.filter(name=services.TERMS_WATERMARK_NAME).delete()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Bag lost again")
    services.terms_refresh()
    assert _counts(touchpoint)["bag"] == (2, 2, 2, 2)


@pytest.fixture
def queued(monkeypatch) -> dict[str, list]:
    """What the refreshes queue (no refresh waiting before)."""
    cache.clear()
    calls: dict[str, list] = {"terms": [], "heatmaps": [], "drivers": []}
    monkeypatch.setattr(tasks.terms_refresh, "apply_async", lambda **options: calls["terms"].append(options))
    monkeypatch.setattr(tasks.heatmaps_refresh, "delay", lambda *args: calls["heatmaps"].append(args))
    monkeypatch.setattr(tasks.key_drivers_refresh, "delay", lambda *args: calls["drivers"].append(args))
    monkeypatch.setattr(tasks.key_drivers_refresh, "apply_async",
                        lambda args, **options: calls["drivers"].append(tuple(args)))
    return calls


@override_settings(MOMENTO_TERMS_DEBOUNCE_SECONDS=30)
def test_with_a_worker_the_refresh_counts_ratings_now_and_words_later(queued, django_capture_on_commit_callbacks):
    touchpoint = TouchpointFactory()
    cycle_id = touchpoint.moment.cycle_id
    RatingFactory(touchpoint=touchpoint, score=1, comment="Waited an hour for my bag")
    with django_capture_on_commit_callbacks(execute=True):
        services.rollups_refresh_and_fan_out()
    assert DailyRollup.objects.exists() and not TermCount.objects.exists()
    assert len(queued["terms"]) == 1 and queued["terms"][0]["countdown"] == 30
    assert queued["heatmaps"] == [(cycle_id,)]
    # One words refresh waits already: the next refreshes do not queue another.
    RatingFactory(touchpoint=touchpoint, score=1, comment="Bag lost, waited at the carousel")
    with django_capture_on_commit_callbacks(execute=True):
        services.rollups_refresh_and_fan_out()
    assert len(queued["terms"]) == 1
    # It counts the words and recomputes the cycle's snapshots (their insights),
    # not its key drivers, which read no words.
    queued["heatmaps"].clear()
    queued["drivers"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.terms_refresh_and_fan_out() == [cycle_id]
    assert _counts(touchpoint)["bag"] == (2, 2, 2, 2)
    assert queued["heatmaps"] == [(cycle_id,)]
    assert queued["drivers"] == []
    # Then the next refresh schedules the next one; and a refresh with nothing new does not.
    RatingFactory(touchpoint=touchpoint, score=1, comment="No bag")
    with django_capture_on_commit_callbacks(execute=True):
        services.rollups_refresh_and_fan_out()
    assert len(queued["terms"]) == 2
    services.terms_refresh_and_fan_out()
    with django_capture_on_commit_callbacks(execute=True):
        services.rollups_refresh_and_fan_out()
    assert len(queued["terms"]) == 2


@override_settings(MOMENTO_TERMS_DEBOUNCE_SECONDS=0)
def test_without_a_delay_the_words_are_counted_with_the_ratings(queued, django_capture_on_commit_callbacks):
    touchpoint = TouchpointFactory()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Waited an hour for my bag")
    with django_capture_on_commit_callbacks(execute=True):
        services.rollups_refresh_and_fan_out()
    assert _counts(touchpoint)["bag"] == (1, 1, 1, 1) and not queued["terms"]


@pytest.mark.parametrize("ahead", ["words", "counts"])
def test_an_erasure_between_the_two_watermarks_leaves_every_table_as_a_rebuild(journey, loaded, ahead):  # noqa: F811
    client = token_client(journey.organization, scopes=("ingest", "erase"))
    late = traveller_ratings(journey, driver="Flight", travellers=6, seed=5, prefix="late")
    for row in late:
        row["comment"] = "Lost my suitcase at the carousel"
    assert client.post("/api/v1/ratings/batch/", data=json.dumps({"ratings": late}),
                       content_type="application/json").status_code == 201
    if ahead == "words":
        services.terms_refresh()
    else:
        services.rollups_refresh(terms=False)
    assert erase(client, {"customer": "late-2"}).json()["removed"] > 0
    assert erase(client, {"customer": "traveller-4"}).json()["removed"] > 0
    services.rollups_refresh()
    assert rollup_rows() == raw_rows()
    erased = term_rows()
    services.rollups_rebuild()
    assert term_rows() == erased


def test_a_rebuild_written_in_many_tallies_counts_what_one_tally_counts(monkeypatch):
    from django.utils import timezone

    from analytics import comment_terms

    touchpoints = [TouchpointFactory(), TouchpointFactory()]
    for day in range(6):
        for index, touchpoint in enumerate(touchpoints):
            RatingFactory(touchpoint=touchpoint, score=1 + (day + index) % 5,
                          occurred_at=timezone.now() - dt.timedelta(days=day, hours=index),
                          comment=["Lost my bag at the carousel", "Bag late again", "Great crew"][(day + index) % 3])
    services.rollups_refresh()
    before = term_rows()
    monkeypatch.setattr(comment_terms, "FLUSH_KEYS", 1)  # a tally at every change of day
    services.rollups_rebuild()
    assert term_rows() == before


@pytest.mark.parametrize("words_with_the_counts", [True, False])
def test_a_database_without_watermarks_counts_ratings_and_words_from_the_start(words_with_the_counts):
    """A flushed database: the first refresh makes both rows, the words' before the ratings' one
    moves, whether it counts the words too or leaves them to the terms refresh."""
    RollupWatermark.objects.all().delete()
    touchpoint = TouchpointFactory()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Waited an hour for my bag")
    services.rollups_refresh(terms=words_with_the_counts)
    services.terms_refresh()
    assert _counts(touchpoint)["bag"] == (1, 1, 1, 1)
    assert _watermarks()[0] == _watermarks()[1] > 0
