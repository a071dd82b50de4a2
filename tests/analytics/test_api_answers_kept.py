"""The heatmap and critical-moments answers are kept, rendered, per snapshot and
language: a read while ingest refreshes the snapshots every few seconds costs a
few small queries, and never shows anything but the current snapshot's answer."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import services
from analytics.models import HeatmapSnapshot
from tests.api_support import token_client
from tests.factories import (
    MomentFactory,
    OrganizationFactory,
    RatingFactory,
    SegmentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db
ENDPOINTS = ("heatmap", "critical-moments")


@pytest.fixture
def cycle(organization):
    cache.clear()
    cycle = ServiceCycleFactory(organization=organization)
    bad = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"))
    TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Boarding"))
    for index in range(30):
        RatingFactory(touchpoint=bad, score=1 if index % 2 else 4,
                      occurred_at=timezone.now() - dt.timedelta(days=index % 10, hours=1))
    services.rollups_refresh()
    yield cycle
    cache.clear()


@pytest.fixture
def api(organization):
    return token_client(organization, scopes=["read"])


def _get(api, cycle, endpoint, query="", **headers):
    return api.get(f"/api/v1/cycles/{cycle.pk}/{endpoint}/{query}", **headers)


def _snapshot_json_read(queries) -> bool:
    return any('"analytics_heatmapsnapshot"."data"' in query["sql"] for query in queries)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_second_read_is_the_same_answer_without_reading_the_snapshot(api, cycle, endpoint):
    first = _get(api, cycle, endpoint)
    with CaptureQueriesContext(connection) as fresh:
        second = _get(api, cycle, endpoint)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert second["Allow"] == first["Allow"] and second["Vary"] == first["Vary"]
    assert not _snapshot_json_read(fresh.captured_queries)
    assert len(fresh.captured_queries) <= 6


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_new_ratings_are_answered_once_the_snapshot_counts_them(api, cycle, endpoint):
    before = _get(api, cycle, endpoint).json()
    moment = cycle.moments.get(name="Boarding")
    for _ in range(30):
        RatingFactory(touchpoint=moment.touchpoints.get(), score=1, occurred_at=timezone.now() - dt.timedelta(hours=2))
    services.rollups_refresh()  # no worker was asked: the reader computes the snapshot
    after = _get(api, cycle, endpoint).json()
    assert after["computed_at"] != before["computed_at"]
    if endpoint == "heatmap":
        assert sum(row["total"]["n"] for row in after["rows"]) == 60
    else:
        assert {item["name"] for item in after["critical_moments"]} == {"Baggage claim", "Boarding"}


def test_a_rename_is_answered_at_once(api, cycle):
    _get(api, cycle, "heatmap")
    cycle.moments.filter(name="Boarding").update(name="Gate")
    assert [row["name"] for row in _get(api, cycle, "heatmap").json()["rows"]] == ["Baggage claim", "Gate"]


def test_each_language_has_its_own_answer(api, cycle):
    english = _get(api, cycle, "heatmap", HTTP_ACCEPT_LANGUAGE="en")
    spanish = _get(api, cycle, "heatmap", HTTP_ACCEPT_LANGUAGE="es")
    again = _get(api, cycle, "heatmap", HTTP_ACCEPT_LANGUAGE="en")
    assert [column["label"] for column in english.json()["columns"]] != \
        [column["label"] for column in spanish.json()["columns"]]
    assert again.content == english.content


def test_a_segment_renamed_is_answered_at_once(api, cycle, organization):
    segment = SegmentFactory(organization=organization, name="Business")
    first = _get(api, cycle, "heatmap", "?dimension=segments").json()
    segment.name = "Premium"
    segment.save()
    later = _get(api, cycle, "heatmap", "?dimension=segments").json()
    assert "Business" in str(first["columns"]) and "Premium" in str(later["columns"])


def test_while_a_worker_recomputes_the_stale_snapshot_its_kept_answer_is_given(api, cycle):
    first = _get(api, cycle, "heatmap")
    RatingFactory(touchpoint=cycle.moments.get(name="Boarding").touchpoints.get(), score=5,
                  occurred_at=timezone.now() - dt.timedelta(hours=2))
    services.rollups_refresh()
    services.heatmaps_recompute_queued([cycle.pk])
    with CaptureQueriesContext(connection) as queries:
        again = _get(api, cycle, "heatmap")
    assert again.content == first.content and not _snapshot_json_read(queries.captured_queries)


def test_another_organizations_token_is_404_even_with_the_answer_kept(cycle, api):
    assert _get(api, cycle, "heatmap").status_code == 200
    stranger = token_client(OrganizationFactory(), scopes=["read"])
    assert _get(stranger, cycle, "heatmap").status_code == 404


def test_an_answer_that_is_not_json_is_not_kept(api, cycle, member):
    browser = APIClient()
    browser.force_authenticate(member)
    page = browser.get(f"/api/v1/cycles/{cycle.pk}/heatmap/", HTTP_ACCEPT="text/html")
    json_answer = _get(api, cycle, "heatmap")
    assert page["Content-Type"].startswith("text/html") and json_answer["Content-Type"] == "application/json"


def test_a_400_is_never_kept(api, organization):
    cache.clear()
    cycle = ServiceCycleFactory(organization=organization)
    TouchpointFactory(moment=MomentFactory(cycle=cycle))
    assert _get(api, cycle, "heatmap").status_code == 400  # no ratings in the period
    assert HeatmapSnapshot.objects.filter(cycle=cycle).exists()
    assert _get(api, cycle, "heatmap").status_code == 400


def test_the_lean_signature_is_the_structures(cycle, organization):
    SegmentFactory(organization=organization, name="Leisure")
    for dimension in ("weeks", "channels", "segments"):
        assert services.cycle_signature(cycle=cycle, dimension=dimension) == \
            services.cycle_structure(cycle=cycle, dimension=dimension).signature
    assert services.cycle_signature(cycle=ServiceCycleFactory(organization=organization), dimension="weeks") is None
