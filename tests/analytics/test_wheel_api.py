"""GET /api/v1/cycles/{id}/wheel.svg (issue 19, item 1): the wheel as an image for any
client with read access; errors in JSON; always a picture for a cycle that exists."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import services
from journeys.tokens import api_token_create
from tests.factories import MomentFactory, RatingFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Hotel stay")
    business = SegmentFactory(organization=organization, key="business", name="Business")
    room = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="The room", kind="SMOT"))
    TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Reviews", kind="TMOT"))
    for index in range(30):
        RatingFactory(touchpoint=room, score=1 if index % 3 == 0 else 5, segment=business if index < 12 else None,
                      occurred_at=timezone.now() - dt.timedelta(days=index % 7, hours=2))
    services.rollups_refresh()
    return cycle


def _url(cycle, query: str = "") -> str:
    return f"/api/v1/cycles/{cycle.pk}/wheel.svg" + (f"?{query}" if query else "")


def _labels(response) -> list[str]:
    root = ET.fromstring(response.content)
    return [element.get("aria-label") for element in root.iter(f"{SVG}a") if element.get("class") == "wheel-moment"]


def test_a_member_gets_the_wheel_as_svg(api, member, cycle):
    api.force_authenticate(member)
    response = api.get(_url(cycle, "weeks=4"), HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert _labels(response) == ["1. The room · SMOT · 33% dissatisfied (10 of 30 ratings)",
                                 "2. Reviews · TMOT · no ratings in this period"]
    root = ET.fromstring(response.content)
    first = next(element for element in root.iter(f"{SVG}a"))
    assert first.get("href").endswith(f"/cycles/{cycle.pk}/#moment-{cycle.moments.first().pk}")


def test_a_read_token_gets_it_in_the_language_asked_for(api, cycle):
    _token, secret = api_token_create(organization=cycle.organization, name="deck", scopes=["read"], created_by=None)
    response = api.get(_url(cycle), HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert _labels(response)[0] == "1. The room · SMOT · 33\u00a0% insatisfechos (10 de 30 valoraciones)"


def test_one_segment_by_id_or_key(api, member, cycle):
    api.force_authenticate(member)
    business = cycle.organization.segments.get(key="business")
    by_key = api.get(_url(cycle, "segment=business"))
    by_id = api.get(_url(cycle, f"segment={business.pk}"))
    assert by_key.status_code == by_id.status_code == 200
    assert _labels(by_key)[0] == "1. The room · SMOT · 33% dissatisfied (4 of 12 ratings)"
    assert by_key.content == by_id.content


@pytest.mark.parametrize(("query", "field"), [
    ("start=2026-01-10&end=2026-01-01", "period"),
    ("weeks=abc", "period"),
    ("weeks=60", "period"),
    ("segment=nobody", "segment"),
    ("segment=1&segment=2", "segment"),
])
def test_bad_input_is_a_400_in_json_even_when_svg_is_asked_for(api, member, cycle, query, field):
    api.force_authenticate(member)
    response = api.get(_url(cycle, query), HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


def test_another_organizations_segment_is_refused(api, member, cycle, other_organization):
    api.force_authenticate(member)
    foreign = SegmentFactory(organization=other_organization)
    response = api.get(_url(cycle, f"segment={foreign.pk}"))
    assert response.status_code == 400 and "segment" in response.json()


def test_another_organizations_or_a_deleted_cycle_is_404(api, outsider, member, cycle):
    api.force_authenticate(outsider)
    assert api.get(_url(cycle)).status_code == 404
    api.force_authenticate(member)
    pk = cycle.pk
    cycle.delete()
    assert api.get(f"/api/v1/cycles/{pk}/wheel.svg").status_code == 404


def test_a_period_without_ratings_or_a_cycle_without_moments_is_still_a_picture(api, member, cycle, organization):
    api.force_authenticate(member)
    empty_period = api.get(_url(cycle, "start=2020-01-01&end=2020-01-31"))
    assert empty_period.status_code == 200
    assert all("no ratings in this period" in label for label in _labels(empty_period))
    bare = ServiceCycleFactory(organization=organization)
    response = api.get(_url(bare))
    assert response.status_code == 200
    assert b"This cycle has no moments of truth yet." in response.content


def test_the_schema_documents_the_svg_answer(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    operation = yaml.safe_load(target.read_text())["paths"]["/api/v1/cycles/{id}/wheel.svg"]["get"]
    assert "image/svg+xml" in operation["responses"]["200"]["content"]
    assert {"weeks", "start", "end", "segment"} <= {parameter["name"] for parameter in operation["parameters"]}
