import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import services
from journeys.tokens import api_token_create
from tests.factories import (
    MomentFactory,
    RatingFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization)
    bad = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim", protocol="Trace bags"))
    good = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Boarding"))
    for index in range(40):
        RatingFactory(touchpoint=bad, score=1 if index % 2 else 4,
                      occurred_at=timezone.now() - dt.timedelta(days=index % 10, hours=1))
        RatingFactory(touchpoint=good, score=5, occurred_at=timezone.now() - dt.timedelta(days=1))
    services.rollups_refresh()
    return cycle


def test_heatmap_api_returns_rows_in_cycle_order(api, member, cycle):
    api.force_authenticate(member)
    response = api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/?dimension=channels&weeks=4")
    assert response.status_code == 200
    body = response.json()
    assert [row["name"] for row in body["rows"]] == ["Baggage claim", "Boarding"]
    assert body["dimension"] == "channels" and body["period"]["weeks"] == 4
    assert body["rows"][0]["total"]["critical"] and body["rows"][0]["cells"][0]["n"] == 40


def test_critical_moments_api_with_a_read_token(api, cycle, organization):
    _token, secret = api_token_create(organization=organization, name="bi", scopes=["read"], created_by=None)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get(f"/api/v1/cycles/{cycle.pk}/critical-moments/")
    assert response.status_code == 200
    items = response.json()["critical_moments"]
    assert [item["name"] for item in items] == ["Baggage claim"]
    assert items[0]["protocol"] == "Trace bags" and items[0]["reach"] == pytest.approx(20 * 0.13 * 15)


@pytest.mark.parametrize("query", ["dimension=moons", "weeks=200", "start=2020-01-01&end=2026-01-01", "start=x"])
def test_bad_view_parameters_are_400(api, member, cycle, query):
    api.force_authenticate(member)
    for endpoint in ("heatmap", "critical-moments"):
        response = api.get(f"/api/v1/cycles/{cycle.pk}/{endpoint}/?{query}")
        assert response.status_code == 400, response.content


def test_cycle_without_moments_is_400(api, member, organization):
    api.force_authenticate(member)
    empty = ServiceCycleFactory(organization=organization)
    response = api.get(f"/api/v1/cycles/{empty.pk}/heatmap/")
    assert response.status_code == 400 and "no moments" in response.json()["cycle"][0]


def test_nothing_to_compute_from_is_400_with_the_reason(api, member, organization, cycle):
    api.force_authenticate(member)
    bare = ServiceCycleFactory(organization=organization)
    MomentFactory(cycle=bare)
    for endpoint in ("heatmap", "critical-moments"):
        response = api.get(f"/api/v1/cycles/{bare.pk}/{endpoint}/")
        assert response.status_code == 400 and "no touchpoints" in response.json()["cycle"][0]
        quiet = api.get(f"/api/v1/cycles/{cycle.pk}/{endpoint}/?start=2024-01-01&end=2024-01-31")
        assert quiet.status_code == 400
        assert quiet.json()["period"] == ["No ratings in this period (2024-01-01 to 2024-01-31)."]


def test_too_few_ratings_to_judge_is_an_answer(api, member, organization):
    api.force_authenticate(member)
    sparse = ServiceCycleFactory(organization=organization, min_sample=20)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=sparse))
    MomentFactory(cycle=sparse)  # a moment still being mapped does not stop the others
    RatingFactory(touchpoint=touchpoint, score=1, occurred_at=timezone.now() - dt.timedelta(days=1))
    services.rollups_refresh()
    response = api.get(f"/api/v1/cycles/{sparse.pk}/heatmap/")
    assert response.status_code == 200 and response.json()["empty"] == "too_few"
    assert len(response.json()["rows"]) == 2


def test_another_organizations_cycle_is_404(api, outsider, cycle):
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/").status_code == 404
    assert api.get(f"/api/v1/cycles/{cycle.pk}/critical-moments/").status_code == 404


def test_anonymous_is_refused(api, cycle):
    assert api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/").status_code in (401, 403)


def test_endpoints_are_in_the_schema(api, member):
    api.force_authenticate(member)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/cycles/{id}/heatmap/" in schema or "/api/v1/cycles/{pk}/heatmap/" in schema
    assert "cycle_critical_moments" in schema


def test_heatmap_api_query_count_is_bounded(api, member, cycle, django_assert_max_num_queries):
    api.force_authenticate(member)
    api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/")
    with django_assert_max_num_queries(10):
        assert api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/").status_code == 200
