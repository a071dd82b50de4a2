"""Migration 0003 backfills what older review items lacked: trend, run, touchpoints inside moments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("reviews", "0002_schedule_weekly_review")
AFTER = ("reviews", "0003_items_hold_touchpoints_and_trend")


def _migrate(reviews_node):
    """Every app at its newest migration except reviews, which stands at `reviews_node`."""
    executor = MigrationExecutor(connection)
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "reviews"]
    executor.migrate([reviews_node])
    executor.loader.build_graph()
    return executor.loader.project_state([*leaves, reviews_node]).apps


@pytest.fixture
def newest_schema_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("newest_schema_afterwards")
def test_old_items_get_a_trend_a_run_and_their_touchpoints_inside_the_moment():
    old = _migrate(BEFORE)
    Organization = old.get_model("journeys", "Organization")
    ServiceCycle = old.get_model("journeys", "ServiceCycle")
    Moment = old.get_model("journeys", "Moment")
    Touchpoint = old.get_model("touchpoints", "Touchpoint")
    ReviewItem = old.get_model("reviews", "ReviewItem")
    ReviewRun = old.get_model("reviews", "ReviewRun")
    ReviewEvent = old.get_model("reviews", "ReviewEvent")
    organization = Organization.objects.create(name="Old airline", slug="old-airline")
    cycle = ServiceCycle.objects.create(organization=organization, name="Flights", timezone="Europe/Madrid",
                                        min_sample=20, critical_share=0.25)
    moment = Moment.objects.create(cycle=cycle, position=0, name="Baggage claim", kind="SMOT")
    belt = Touchpoint.objects.create(organization=organization, moment=moment, name="Belt", key="belt",
                                     channel="physical_place", scale="csat5")
    desk = Touchpoint.objects.create(organization=organization, moment=moment, name="Desk", key="desk",
                                     channel="in_person", scale="csat5")
    week = dt.date(2026, 11, 16)
    run = ReviewRun.objects.create(cycle=cycle, week_start=week, items_opened=3)
    figures = {"share": 0.5, "wilson_low": 0.35, "wilson_high": 0.65, "severity": 14.0}

    def item(touchpoint, **extra):
        created = ReviewItem.objects.create(organization=organization, cycle=cycle, moment=moment,
                                            touchpoint=touchpoint, week_start=week, **{**figures, **extra})
        ReviewEvent.objects.create(review_item=created, kind="opened", to_value="open")
        return created

    moment_item = item(None, n=80, dissatisfied=40, previous_n=5, previous_dissatisfied=1, worsening=False)
    belt_item = item(belt, n=40, dissatisfied=20, previous_n=40, previous_dissatisfied=8, worsening=True)
    desk_item = item(desk, n=40, dissatisfied=20, previous_n=40, previous_dissatisfied=20, worsening=False,
                     notes="Desk short-staffed")

    new = _migrate(AFTER)

    ReviewItem = new.get_model("reviews", "ReviewItem")
    moment_item = ReviewItem.objects.get(pk=moment_item.pk)
    # 5 ratings the week before: nothing to compare with, where it used to say "not worsening".
    assert (moment_item.trend, moment_item.worsening) == ("no_earlier_data", None)
    assert moment_item.run_id == run.pk
    assert new.get_model("reviews", "ReviewRun").objects.get(pk=run.pk).opened_at is not None
    inside = {row.touchpoint_id: row for row in moment_item.critical_touchpoints.all()}
    assert set(inside) == {belt.pk, desk.pk}
    assert (inside[belt.pk].n, inside[belt.pk].trend, inside[belt.pk].worsening) == (40, "worsening", True)
    assert (inside[desk.pk].trend, inside[desk.pk].worsening) == ("steady", False)
    # The untouched duplicate goes; the one somebody wrote notes on stays.
    assert not ReviewItem.objects.filter(pk=belt_item.pk).exists()
    assert ReviewItem.objects.get(pk=desk_item.pk).notes == "Desk short-staffed"
