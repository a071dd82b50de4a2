"""Erasures at once, and an erasure racing an ingest of the same customer, on a real
PostgreSQL (threads = separate connections)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from analytics import services
from analytics.erasure import customer_erase
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.factories import TouchpointFactory
from touchpoints.models import Customer, Rating
from touchpoints.services import ratings_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_scheduled_refresh(monkeypatch):
    # These tests drive the refresh themselves; nothing should go to the broker.
    monkeypatch.setattr("analytics.services.ratings_arrived", lambda **kwargs: None)
    monkeypatch.setattr("analytics.erasure.heatmaps_queue", lambda cycle_ids: None)


@pytest.fixture
def rated(require_postgres):
    touchpoint = TouchpointFactory(moment__cycle__timezone="America/Mexico_City")
    now = timezone.now()
    rows = [{"touchpoint": touchpoint, "score": 1 + (number % 5), "customer": f"c-{number % 6}",
             "comment": "the bags took ages" if number % 2 else "fine",
             "occurred_at": now - dt.timedelta(hours=7 * number)} for number in range(120)]
    ratings_record(organization=touchpoint.organization, rows=rows)
    services.rollups_refresh()
    return touchpoint


def _at_once(*jobs):
    """Run the jobs in threads released together; their results (or errors) in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - reported to the test thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_erasures_of_one_customer_at_once_remove_its_ratings_once(rated):
    organization = rated.organization
    theirs = 20  # every sixth of the 120 ratings
    results = _at_once(*[lambda: customer_erase(organization=organization, reference="c-0")] * 2)
    assert sorted(result.ratings for result in results) == [0, theirs]
    assert rollup_rows() == raw_rows()


def test_erasures_of_two_customers_at_once_both_land_and_the_rollups_stay_exact(rated):
    organization = rated.organization
    results = _at_once(lambda: customer_erase(organization=organization, reference="c-1"),
                       lambda: customer_erase(organization=organization, reference="c-2"))
    assert all(result.ratings == 20 for result in results), results
    assert Rating.objects.count() == 80
    assert rollup_rows() == raw_rows()
    services.rollups_refresh()
    assert rollup_rows() == raw_rows()


def test_an_erasure_racing_an_ingest_of_the_same_customer_leaves_no_rating_without_its_customer(rated):
    organization = rated.organization
    now = timezone.now()

    def ingest():
        return ratings_record(organization=organization, rows=[
            {"touchpoint": rated, "score": 2, "customer": "c-3", "occurred_at": now} for _ in range(10)])

    results = _at_once(ingest, lambda: customer_erase(organization=organization, reference="c-3"))
    assert not any(isinstance(result, Exception) for result in results), results
    # Whichever went first, every stored rating's customer exists.
    linked = set(Rating.objects.exclude(customer=None).values_list("customer_id", flat=True))
    assert linked <= set(Customer.objects.values_list("pk", flat=True))
    services.rollups_refresh()
    assert rollup_rows() == raw_rows()
