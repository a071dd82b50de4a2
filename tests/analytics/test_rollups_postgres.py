"""Rollups under concurrency, on a real PostgreSQL (threads = separate connections)."""

import datetime as dt
import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from analytics import services
from analytics.watermark import ingest_guard
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.factories import SegmentFactory, TouchpointFactory
from touchpoints.models import Rating
from touchpoints.services import ratings_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_scheduled_refresh(monkeypatch):
    # These tests drive the refresh themselves; nothing should go to the broker.
    monkeypatch.setattr("touchpoints.services.ratings_arrived", lambda **kwargs: None)


def _in_thread(target, errors):
    def run():
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)
        finally:
            connections.close_all()
    return threading.Thread(target=run)


def test_concurrent_ingest_and_refreshes_never_double_count(require_postgres):
    touchpoints = [TouchpointFactory(moment__cycle__timezone="America/Mexico_City") for _ in range(2)]
    touchpoints.append(TouchpointFactory(moment=touchpoints[0].moment, scale="nps11"))
    segment = SegmentFactory(organization=touchpoints[0].organization)
    errors: list[Exception] = []
    stop = threading.Event()

    def ingest(seed):
        rng = random.Random(seed)
        for batch in range(8):
            for touchpoint in touchpoints:
                rows = [{
                    "touchpoint": touchpoint,
                    "score": rng.randint(0, 10) if touchpoint.scale == "nps11" else rng.randint(1, 5),
                    "occurred_at": timezone.now() - dt.timedelta(hours=rng.randint(0, 24 * 30)),
                    "segment": segment if touchpoint.organization_id == segment.organization_id and rng.random() < .5
                    else None,
                    "first_contact_resolved": rng.choice([None, True, False]),
                } for _ in range(25)]
                ratings_record(organization=touchpoint.organization, rows=rows)

    def refresh():
        while not stop.is_set():
            services.rollups_refresh()

    ingesters = [_in_thread(lambda seed=seed: ingest(seed), errors) for seed in range(3)]
    refreshers = [_in_thread(refresh, errors) for _ in range(2)]
    for thread in ingesters + refreshers:
        thread.start()
    for thread in ingesters:
        thread.join(120)
    stop.set()
    for thread in refreshers:
        thread.join(60)
    assert not errors, errors
    services.rollups_refresh()
    services.rollups_refresh()  # a repeat adds nothing
    assert Rating.objects.count() == 3 * 8 * 3 * 25
    assert rollup_rows() == raw_rows()


def test_watermark_waits_for_an_ingest_that_commits_late(require_postgres):
    """A rating inserted (id taken) before a later one commits, but committed after
    the refresh started, must still be counted: the refresh waits for it."""
    touchpoint = TouchpointFactory()
    inserted, release, errors = threading.Event(), threading.Event(), []

    def slow_ingest():
        with transaction.atomic():
            with ingest_guard():
                Rating.objects.create(
                    organization=touchpoint.organization, touchpoint=touchpoint, scale="csat5", score=1,
                    normalized=0, dissatisfied=True, occurred_at=timezone.now(),
                )
            inserted.set()
            release.wait(30)

    slow = _in_thread(slow_ingest, errors)
    slow.start()
    assert inserted.wait(30)
    # A later ingest takes a larger id and commits first.
    ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 5}])
    refresher = _in_thread(services.rollups_refresh, errors)
    refresher.start()
    time.sleep(0.5)
    assert refresher.is_alive(), "the refresh must wait for the in-flight ingest"
    release.set()
    slow.join(30)
    refresher.join(30)
    assert not errors, errors
    assert rollup_rows() == raw_rows()
    assert sum(row[3] for row in rollup_rows()) == 2
    assert connection.vendor == "postgresql"
