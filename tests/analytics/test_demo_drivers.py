"""The airline demo links its ratings to travellers: baggage claim clearly drives the
TMOT answer, check-in less so, and the dashboard says it."""

from __future__ import annotations

import pytest

from analytics import services
from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today
from analytics.services.drivers import default_view
from analytics.services.snapshots import cycle_structure
from touchpoints.demo import demo_load
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db


def test_the_demo_travellers_make_baggage_claim_the_first_driver_and_check_in_a_lesser_one():
    cycle = demo_load(ratings=8000, stdout=lambda line: None)
    services.rollups_refresh()  # after the load's commit, as ingest schedules it
    ratings = Rating.objects.filter(touchpoint__moment__cycle=cycle)
    linked = ratings.exclude(customer=None).count()
    assert 0.35 < linked / ratings.count() < 0.7
    structure = cycle_structure(cycle=cycle, dimension="weeks")
    view = default_view(cycle=cycle, structure=structure)
    assert view.outcome.name == "Reviews and social posts"
    view = services.DriversView(outcome=view.outcome,
                                period=last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone)))
    data = services.key_drivers_current(cycle=cycle, view=view, structure=structure).snapshot.data
    assert data["state"] == "ok"
    drivers = {driver["name"]: driver for driver in data["drivers"]}
    first = data["drivers"][0]
    assert first["name"] == "Baggage claim" and first["low"] > 0.15, first
    check_in = drivers["Check-in"]
    assert 0 < check_in["effect"] < first["effect"] and check_in["low"] > 0, check_in
    others = [driver for name, driver in drivers.items() if name not in ("Baggage claim", "Check-in")
              and driver["effect"] is not None]
    assert others and all(driver["effect"] < check_in["effect"] for driver in others)
    assert data["paths"]["met_critical"]["share"] > 0.3
