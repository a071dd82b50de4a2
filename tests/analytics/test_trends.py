"""A trend says "no earlier data" when the earlier period has too few ratings,
never "steady" (issue 13, item 4): in the snapshot, the page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import services
from analytics.models import HeatmapSnapshot
from tests.factories import MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()
IN_PERIOD = NOW - dt.timedelta(days=2)
IN_PREVIOUS_PERIOD = NOW - dt.timedelta(days=60)  # the 8 weeks before the default view


def _rate(touchpoint, at, *, bad: int, good: int) -> None:
    for _ in range(bad):
        RatingFactory(touchpoint=touchpoint, score=1, occurred_at=at)
    for _ in range(good):
        RatingFactory(touchpoint=touchpoint, score=5, occurred_at=at)


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization, min_sample=20, critical_share=0.25)


def _critical(cycle) -> list[dict]:
    services.rollups_refresh()
    services.heatmaps_refresh_cycle(cycle_id=cycle.pk)
    return HeatmapSnapshot.objects.get(cycle=cycle, dimension="weeks").data["critical_moments"]


def test_too_few_earlier_ratings_is_no_earlier_data_in_the_snapshot(cycle):
    baggage = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"))
    _rate(baggage, IN_PREVIOUS_PERIOD, bad=1, good=4)  # 5 earlier ratings: fewer than min_sample
    _rate(baggage, IN_PERIOD, bad=20, good=20)
    [item] = _critical(cycle)
    assert (item["trend"], item["worsening"]) == ("no_earlier_data", None)
    assert (item["total"]["trend"], item["total"]["worsening"]) == ("no_earlier_data", None)


def test_enough_earlier_ratings_and_a_similar_share_is_steady(cycle):
    baggage = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(baggage, IN_PREVIOUS_PERIOD, bad=19, good=21)
    _rate(baggage, IN_PERIOD, bad=20, good=20)
    [item] = _critical(cycle)
    assert (item["trend"], item["worsening"]) == ("steady", False)


def test_a_worsening_critical_touchpoint_makes_its_moment_worsening(cycle):
    moment = MomentFactory(cycle=cycle, name="Check-in")
    kiosk = TouchpointFactory(moment=moment, channel="kiosk")
    web = TouchpointFactory(moment=moment)
    _rate(kiosk, IN_PREVIOUS_PERIOD, bad=2, good=38)
    _rate(kiosk, IN_PERIOD, bad=25, good=15)
    _rate(web, IN_PERIOD, bad=2, good=300)
    [item] = _critical(cycle)
    assert not item["moment_critical"] and item["total"]["trend"] == "steady", "diluted by the web check-in"
    assert (item["trend"], item["worsening"]) == ("worsening", True)
    assert item["critical_touchpoints"][0]["trend"] == "worsening"


@pytest.fixture
def sparse_history(cycle):
    baggage = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"))
    _rate(baggage, IN_PREVIOUS_PERIOD, bad=1, good=4)
    _rate(baggage, IN_PERIOD, bad=20, good=20)
    services.rollups_refresh()
    return cycle


@pytest.mark.parametrize(("language", "shown", "not_shown"), [
    ("en", "no earlier data", "steady"), ("es", "sin datos anteriores", "estable")])
def test_the_list_says_no_earlier_data_instead_of_steady(client, member, sparse_history, language, shown,
                                                         not_shown):
    client.force_login(member)
    html = client.get(reverse("analytics:dashboard", args=[sparse_history.pk]),
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    row = html.split('class="critical-row"', 1)[1].split("</tr>", 1)[0]
    assert shown in row and not_shown not in row
    assert 'data-trend="no_earlier_data"' in html


def test_the_api_gives_worsening_null_and_the_reason(member, sparse_history):
    api = APIClient()
    api.force_authenticate(member)
    [item] = api.get(f"/api/v1/cycles/{sparse_history.pk}/critical-moments/").json()["critical_moments"]
    assert item["worsening"] is None and item["trend"] == "no_earlier_data"
    [row] = api.get(f"/api/v1/cycles/{sparse_history.pk}/heatmap/").json()["rows"]
    assert (row["total"]["worsening"], row["total"]["trend"]) == (None, "no_earlier_data")
    assert row["cells"][0]["worsening"] is None, "the first week column has nothing to compare with"


def test_the_schema_documents_worsening_as_nullable_with_its_reason(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    moment = schema["components"]["schemas"]["CriticalMoment"]["properties"]
    assert moment["worsening"]["nullable"] is True and "null when no_earlier_data" in moment["worsening"]["description"]
    trends = schema["components"]["schemas"]["TrendEnum"]["enum"]
    assert set(trends) == {"worsening", "improving", "steady", "no_earlier_data"}
    cell = schema["components"]["schemas"]["HeatmapCell"]["properties"]
    assert cell["worsening"]["nullable"] is True and "trend" in cell
