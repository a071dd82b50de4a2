"""Touchpoints and segments through /api/v1/: scoped, edited by CX managers."""

from __future__ import annotations

import pytest

from journeys.models import Membership
from tests.api_support import member_client, token_client
from tests.factories import (
    MomentFactory,
    RatingFactory,
    SegmentFactory,
    TouchpointFactory,
)
from touchpoints.models import Segment, Touchpoint

pytestmark = pytest.mark.django_db


def test_touchpoints_are_listed_by_cycle_and_key_within_the_organization(django_assert_max_num_queries):
    mine = TouchpointFactory(key="web-search")
    TouchpointFactory(moment=mine.moment, key="app-search")
    TouchpointFactory(key="web-search-2")  # another organization
    client = token_client(mine.organization, scopes=["read"])
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/touchpoints/", {"cycle": mine.moment.cycle_id}).json()
    assert {item["key"] for item in body["results"]} == {"web-search", "app-search"}
    assert [item["id"] for item in client.get("/api/v1/touchpoints/", {"key": "web-search"}).json()["results"]] == [mine.pk]


def test_cx_manager_adds_and_edits_a_touchpoint():
    moment = MomentFactory()
    client = member_client(moment.cycle.organization, role=Membership.Role.CX_MANAGER)
    created = client.post("/api/v1/touchpoints/", {"moment": moment.pk, "name": "Kiosk", "channel": "kiosk",
                                                   "scale": "ces7", "key": "kiosk"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["cycle"] == moment.cycle_id
    changed = client.patch(f"/api/v1/touchpoints/{created.json()['id']}/", {"channel": "app"}, format="json")
    assert changed.status_code == 200 and Touchpoint.objects.get().channel == "app"


def test_bad_touchpoint_is_400():
    moment = MomentFactory()
    TouchpointFactory(moment=moment, key="taken")
    client = member_client(moment.cycle.organization)
    for body in ({"channel": "fax"}, {"scale": "likert9"}, {"key": "taken"}, {"name": ""}):
        data = {"moment": moment.pk, "name": "Kiosk", "channel": "kiosk", **body}
        assert client.post("/api/v1/touchpoints/", data, format="json").status_code == 400
    assert Touchpoint.objects.count() == 1


def test_scale_cannot_change_once_rated():
    rating = RatingFactory()
    client = member_client(rating.organization)
    response = client.patch(f"/api/v1/touchpoints/{rating.touchpoint_id}/", {"scale": "nps11"}, format="json")
    assert response.status_code == 400 and "scale" in response.json()


def test_viewer_cannot_add_touchpoints():
    moment = MomentFactory()
    client = member_client(moment.cycle.organization, role=Membership.Role.VIEWER)
    response = client.post("/api/v1/touchpoints/", {"moment": moment.pk, "name": "K", "channel": "kiosk"},
                           format="json")
    assert response.status_code == 403 and not Touchpoint.objects.exists()


def test_another_organizations_touchpoint_and_segment_are_404(outsider):
    touchpoint, segment = TouchpointFactory(), SegmentFactory()
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(outsider)
    assert client.get(f"/api/v1/touchpoints/{touchpoint.pk}/").status_code == 404
    assert client.patch(f"/api/v1/touchpoints/{touchpoint.pk}/", {"name": "x"}, format="json").status_code == 404
    assert client.get(f"/api/v1/segments/{segment.pk}/").status_code == 404
    assert client.patch(f"/api/v1/segments/{segment.pk}/", {"name": "x"}, format="json").status_code == 404
    moment_of_theirs = client.post("/api/v1/touchpoints/", {"moment": touchpoint.moment_id, "name": "K",
                                                            "channel": "kiosk"}, format="json")
    assert moment_of_theirs.status_code == 400


def test_segments_are_created_listed_and_renamed(organization):
    client = member_client(organization)
    created = client.post("/api/v1/segments/", {"organization": organization.pk, "name": "Business travellers"},
                          format="json")
    assert created.status_code == 201 and created.json()["key"] == "business-travellers"
    renamed = client.patch(f"/api/v1/segments/{created.json()['id']}/", {"name": "Business"}, format="json")
    assert renamed.status_code == 200 and Segment.objects.get().name == "Business"
    assert [item["key"] for item in client.get("/api/v1/segments/").json()["results"]] == ["business-travellers"]
    duplicate = client.post("/api/v1/segments/", {"organization": organization.pk, "name": "B",
                                                  "key": "business-travellers"}, format="json")
    assert duplicate.status_code == 400 and Segment.objects.count() == 1
