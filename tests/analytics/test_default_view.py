"""A period is its days: recomputing a view, by hand or in the worker, never
changes what it is, and the other pages keep finding "the default view".

Regression tests for issue 13, items 3 and 8: a period rebuilt from a stored
snapshot's start and end lost its `weeks`, so "Recompute now" overwrote the
default snapshot with `weeks: null` (the map then said "No dissatisfaction
data yet", the cycle list 0 critical moments) and the worker's refresh made
`period.weeks` null in API answers.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import selectors, services, tasks
from analytics.models import HeatmapSnapshot
from analytics.periods import Period, last_weeks, local_today
from tests.factories import MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, min_sample=20, critical_share=0.25)
    baggage = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"))
    boarding = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Boarding"))
    for index in range(40):
        RatingFactory(touchpoint=baggage, score=1 if index % 2 else 5,
                      occurred_at=timezone.now() - dt.timedelta(days=index % 10, hours=1))
        RatingFactory(touchpoint=boarding, score=5, occurred_at=timezone.now() - dt.timedelta(days=1))
    services.rollups_refresh()
    return cycle


@pytest.fixture
def embedded(celery_in_process):
    """Embedded mode: tasks run in this process, as with `make run`."""


def test_a_period_is_its_days_and_knows_when_it_is_the_last_weeks():
    monday = dt.date(2026, 11, 2)
    asked = last_weeks(weeks=8, today=dt.date(2026, 12, 23))
    rebuilt = Period(start=asked.start, end=asked.end)
    assert rebuilt == asked and hash(rebuilt) == hash(asked)
    assert rebuilt.weeks == asked.weeks == 8
    assert Period(start=monday, end=monday).weeks == 1
    assert Period(start=monday + dt.timedelta(days=1), end=monday + dt.timedelta(days=20)).weeks is None
    assert rebuilt.as_dict()["weeks"] == 8


def test_recompute_now_keeps_the_map_figures_and_the_cycle_lists_critical_count(client, member, cycle, embedded):
    client.force_login(member)
    dashboard = client.get(reverse("analytics:dashboard", args=[cycle.pk]))
    assert [item["name"] for item in dashboard.context["data"]["critical_moments"]] == ["Baggage claim"]

    response = client.post(reverse("analytics:recompute", args=[cycle.pk]), {"dimension": "weeks", "weeks": "8"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 202 and response.json()["state"] == "SUCCESS"

    editor = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert "No dissatisfaction data yet" not in editor.split('id="lane"', 1)[1].split("Boarding", 1)[0]
    assert "% dissatisfied" in editor
    cycle_list = client.get(reverse("journeys:cycle_list"))
    assert {row.pk: row.critical_count for row in cycle_list.context["cycles"]} == {cycle.pk: 1}
    stored = HeatmapSnapshot.objects.get(cycle=cycle, dimension="weeks")
    assert stored.data["period"]["weeks"] == 8


def test_recompute_now_of_a_custom_period_keeps_it_custom(client, member, cycle, embedded):
    client.force_login(member)
    today = local_today(cycle.timezone)
    start, end = today - dt.timedelta(days=20), today - dt.timedelta(days=3)
    client.post(reverse("analytics:recompute", args=[cycle.pk]),
                {"dimension": "weeks", "start": start.isoformat(), "end": end.isoformat()})
    page = client.get(reverse("analytics:dashboard", args=[cycle.pk]) + f"?start={start}&end={end}")
    assert page.context["picked_weeks"] is None, "the picker shows the custom dates, not 'last N weeks'"
    assert selectors.critical_count(cycle=cycle) == 1, "the default view is still found"


def test_the_workers_background_refresh_keeps_period_weeks_in_api_answers(
        cycle, member, embedded, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(member)
    for endpoint in ("heatmap", "critical-moments"):
        assert api.get(f"/api/v1/cycles/{cycle.pk}/{endpoint}/?weeks=4").json()["period"]["weeks"] == 4
    RatingFactory(touchpoint=cycle.moments.first().touchpoints.first(), score=1,
                  occurred_at=timezone.now() - dt.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollups_refresh.apply(throw=True)  # the beat's refresh: rollups, then the cycle's warm snapshots
    period = last_weeks(weeks=4, today=local_today(cycle.timezone))
    refreshed = selectors.heatmap_snapshot_get(cycle=cycle, dimension="weeks", period=period)
    assert refreshed.data["n"] == 81, "the worker recomputed the snapshot"
    assert refreshed.rollup_version == refreshed.current_version
    for endpoint in ("heatmap", "critical-moments"):
        body = api.get(f"/api/v1/cycles/{cycle.pk}/{endpoint}/?weeks=4").json()
        assert body["period"]["weeks"] == 4, endpoint
        assert body["period"]["start"] == period.start.isoformat()


def test_the_default_view_is_the_newest_last_weeks_snapshot_not_the_newest_computed(cycle):
    today = local_today(cycle.timezone)
    services.heatmaps_refresh_cycle(cycle_id=cycle.pk)
    # A custom view looked at later, of the same shape but months ago, is not "the recent weeks".
    old = last_weeks(weeks=8, today=today - dt.timedelta(days=120))
    services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=old)
    assert selectors.critical_count(cycle=cycle) == 1
    assert selectors.critical_counts(cycle_ids=[cycle.pk]) == {cycle.pk: 1}
    assert selectors.latest_moment_shares(cycle=cycle)[cycle.moments.first().pk] == 0.5
