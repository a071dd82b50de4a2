"""A snapshot made stale only by new ratings is shown as it is while a worker
recomputes it; anything else is computed for the reader (issue 20, item 3)."""

import datetime as dt

import pytest
from django.core.cache import cache

from analytics import services
from analytics.models import HeatmapSnapshot
from analytics.periods import last_weeks
from analytics.services.snapshots import STALE_WHILE_RECOMPUTING
from tests.factories import MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
PERIOD = last_weeks(weeks=4, today=dt.date(2026, 11, 23))


@pytest.fixture
def stale():
    """A cycle whose stored snapshot counts 2 ratings while the rollups hold 3."""
    cache.clear()
    cycle = ServiceCycleFactory(timezone="UTC")
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    at = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
    RatingFactory(touchpoint=touchpoint, score=1, occurred_at=at)
    RatingFactory(touchpoint=touchpoint, score=5, occurred_at=at)
    services.rollups_refresh()
    services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=PERIOD)
    RatingFactory(touchpoint=touchpoint, score=1, occurred_at=at)
    services.rollups_refresh()
    yield cycle
    cache.clear()


def _shown(cycle) -> int:
    before = HeatmapSnapshot.objects.filter(cycle=cycle).values_list("computed_at", flat=True).first()
    shown = services.heatmap_snapshot_shown(cycle=cycle, dimension="weeks", period=PERIOD)
    snapshot, _structure = services.heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=PERIOD)
    # What readers with a kept answer go by (analytics.api) agrees: the snapshot answered
    # as it is, or none when the reader computes one.
    if shown is None:
        assert snapshot.computed_at != before
    else:
        assert services.snapshot_identity(shown) == services.snapshot_identity(snapshot)
    return snapshot.data["n"]


def test_a_reader_computes_a_stale_snapshot_when_no_worker_was_asked_to(stale):
    assert _shown(stale) == 3


def test_a_reader_is_shown_the_stale_snapshot_while_a_worker_recomputes_it(stale, django_assert_max_num_queries):
    services.heatmaps_recompute_queued([stale.pk])
    with django_assert_max_num_queries(11):  # no rollup read, no snapshot write (3 of them for the agreement)
        assert _shown(stale) == 2
    assert HeatmapSnapshot.objects.get().data["n"] == 2


def test_an_edit_is_shown_at_once_even_while_a_worker_recomputes(stale):
    services.heatmaps_recompute_queued([stale.pk])
    TouchpointFactory(moment=stale.moments.first(), name="New kiosk")
    assert _shown(stale) == 3


def test_a_snapshot_older_than_the_grace_and_more_than_a_refresh_behind_is_computed_for_the_reader(stale):
    RatingFactory(touchpoint=stale.moments.first().touchpoints.first(), score=1,
                  occurred_at=dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC))
    services.rollups_refresh()  # two refreshes behind
    services.heatmaps_recompute_queued([stale.pk])
    assert _shown(stale) == 2, "recent: shown while the worker recomputes it"
    HeatmapSnapshot.objects.update(computed_at=HeatmapSnapshot.objects.get().computed_at
                                   - STALE_WHILE_RECOMPUTING - dt.timedelta(seconds=1))
    assert _shown(stale) == 4


def test_an_old_snapshot_behind_by_the_latest_refresh_only_is_shown_while_a_worker_recomputes_it(stale):
    """Current until the latest refresh, however long ago it was computed (new ratings
    after a quiet hour): readers do not all compute it beside the worker."""
    services.heatmaps_recompute_queued([stale.pk])
    HeatmapSnapshot.objects.update(computed_at=HeatmapSnapshot.objects.get().computed_at - dt.timedelta(hours=1))
    assert _shown(stale) == 2


@pytest.mark.parametrize("in_process", [False, True])
def test_the_refresh_fan_out_marks_the_cycles_it_queues_for_a_worker(
        stale, in_process, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = in_process
    queued: list[int] = []
    monkeypatch.setattr("analytics.tasks.heatmaps_refresh.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        services.heatmaps_queue([stale.pk])
    assert queued == [stale.pk]
    # Tasks run in the process (the embedded mode) leave nothing for a worker to do.
    assert _shown(stale) == (3 if in_process else 2)
