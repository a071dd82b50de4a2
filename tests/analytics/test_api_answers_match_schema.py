"""The heatmap and critical-moments answers, with every kind of figure in them
(critical moments, critical touchpoints, nullable trends, labelled columns),
match the OpenAPI schema field by field: the fuzzer's organization has too few
ratings to produce most of them."""

from __future__ import annotations

import pytest

from journeys.tokens import api_token_create
from tests.analytics.test_dashboard_figures import cycle  # noqa: F401  (fixture)
from tests.fuzz.test_api_schemathesis import CHECKS, SCHEMA, _in_process_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/cycles/{id}/heatmap/", "/api/v1/cycles/{id}/critical-moments/"])
@pytest.mark.parametrize("query", [{"weeks": "4"}, {"dimension": "channels"}, {"dimension": "segments"}])
def test_a_rich_answer_matches_the_schema(cycle, organization, path, query):  # noqa: F811
    _token, secret = api_token_create(organization=organization, name="bi", scopes=["read"], created_by=None)
    operation = SCHEMA[path]["GET"]
    case = operation.Case(path_parameters={"id": cycle.pk}, query=query)
    response = case.call_and_validate(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "es"},
                                      checks=CHECKS)
    body = response.json()
    assert response.status_code == 200
    if "critical_moments" in body:
        assert any(item["critical_touchpoints"] for item in body["critical_moments"])
        assert {item["trend"] for item in body["critical_moments"]} >= {"no_earlier_data"}


@pytest.mark.parametrize("path", ["/api/v1/cycles/{id}/key-drivers/", "/api/v1/cycles/{id}/paths/"])
def test_a_rich_key_driver_answer_matches_the_schema(path):
    """Every kind of figure (effects, nulls for moments without enough customers, the
    model's intervals, the path) matches the OpenAPI schema field by field."""
    from analytics.services import rollups_refresh
    from tests.analytics.drivers_data import Journey, traveller_ratings
    from touchpoints.services import ratings_record

    journey = Journey()
    rows = traveller_ratings(journey, driver="Flight", travellers=300, seed=8)
    # Stored by the service, not a test client (which would connect again the connection
    # closing this module's in-process requests keep off).
    ratings_record(organization=journey.organization, rows=[
        row for row in rows if row["touchpoint_key"] != journey.touchpoints[0].key
        or row["customer"].endswith("7")])  # check-in: too few customers
    rollups_refresh()
    _token, secret = api_token_create(organization=journey.organization, name="bi", scopes=["read"], created_by=None)
    case = SCHEMA[path]["GET"].Case(path_parameters={"id": journey.cycle.pk}, query={})
    response = case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
    assert response.status_code == 200
    if "drivers" in response.json():
        assert {driver["enough"] for driver in response.json()["drivers"]} == {True, False}
