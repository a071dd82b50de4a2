"""The worker's refresh of a cycle's snapshots computes only what is not current, one
refresh per cycle at a time: the words' fan-out and the ratings' queue the same cycle
within seconds, and both had computed every snapshot and its insights side by side."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from analytics import services, tasks
from analytics.models import HeatmapSnapshot
from tests.factories import MomentFactory, OrganizationFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory


def _rated_cycle(comment_analysis=True):
    cycle = ServiceCycleFactory(organization=OrganizationFactory(comment_analysis=comment_analysis))
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    for index in range(30):
        RatingFactory(touchpoint=touchpoint, score=1, comment="Lost my bag" if index % 3 == 0 else "",
                      occurred_at=timezone.now() - dt.timedelta(days=index % 7, hours=1))
    services.rollups_refresh()
    return cycle, touchpoint


@pytest.fixture
def no_warm(monkeypatch):
    monkeypatch.setattr(tasks, "_dashboard_warm", lambda cycle_id: [])


@pytest.mark.django_db
def test_a_refresh_computes_only_the_snapshots_that_are_not_current(no_warm):
    cycle, touchpoint = _rated_cycle()
    assert tasks.heatmaps_refresh.apply(args=[cycle.pk]).get()["snapshots"] == 1
    computed = HeatmapSnapshot.objects.get().computed_at
    assert tasks.heatmaps_refresh.apply(args=[cycle.pk]).get()["snapshots"] == 0, "nothing new"
    assert HeatmapSnapshot.objects.get().computed_at == computed
    # New ratings: its rollup version moved.
    RatingFactory(touchpoint=touchpoint, score=5, occurred_at=timezone.now() - dt.timedelta(hours=1))
    services.rollups_refresh(terms=False)
    assert tasks.heatmaps_refresh.apply(args=[cycle.pk]).get()["snapshots"] == 1
    # Words counted since (the terms watermark moved): the insights are read again.
    services.terms_refresh()
    assert tasks.heatmaps_refresh.apply(args=[cycle.pk]).get()["snapshots"] == 1
    # A rename: the signature changed.
    touchpoint.name = "Carousel"
    touchpoint.save()
    assert tasks.heatmaps_refresh.apply(args=[cycle.pk]).get()["snapshots"] == 1
    assert HeatmapSnapshot.objects.get().data["rows"][0]["touchpoints"][0]["name"] == "Carousel"
    # "Recompute now" (and every other caller) still computes every view.
    assert services.heatmaps_refresh_cycle(cycle_id=cycle.pk) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_cycle_run_one_after_the_other(require_postgres, no_warm):
    cycle, _touchpoint = _rated_cycle()
    done: list[int] = []
    errors: list[Exception] = []

    def second():
        try:
            done.append(tasks.heatmaps_refresh.apply(args=[cycle.pk]).get()["snapshots"])
        except Exception as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)
        finally:
            connections.close_all()

    with services.heatmaps_refresh_lock(cycle.pk):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(1.0)
        assert done == [] and thread.is_alive(), "waits while another refresh of the cycle runs"
        services.heatmaps_refresh_cycle(cycle_id=cycle.pk)  # the first one's work
    thread.join(30)
    assert errors == [] and done == [0], "and then finds the snapshots current"
    with connection.cursor() as cursor:  # released
        # Advisory locks are per database: the other tests' databases on this server hold their own.
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                       [services.snapshots.HEATMAPS_LOCK_CLASS, cycle.pk])
        assert cursor.fetchone()[0] == 0
