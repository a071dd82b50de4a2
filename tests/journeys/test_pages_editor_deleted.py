"""The map editor's endpoints on a moment or touchpoint deleted meanwhile (another
tab, another person): a JSON 404 that says so, with the fresh lane, and nothing written."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from journeys import services
from journeys.models import Moment
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db

MOMENT_GONE = "This moment no longer exists: it was deleted"
TOUCHPOINT_GONE = "This touchpoint no longer exists: it was deleted"
MOMENT_BODY = {"name": "Renamed", "kind": "SMOT"}
TOUCHPOINT_BODY = {"name": "Renamed", "channel": "web", "scale": "csat5", "interaction": "digital"}


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    for name in ("Search", "Purchase", "Check-in"):
        TouchpointFactory(moment=MomentFactory(cycle=cycle, name=name), name=f"{name} on the web")
    return cycle


@pytest.fixture
def editor(client, member):
    client.force_login(member)
    return client


def call(client, method, url, body=None):
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def deleted_moment(cycle) -> int:
    moment = cycle.moments.get(name="Purchase")
    services.moment_remove(moment=moment)  # "in another tab"
    return moment.pk


def assert_gone(response, message: str, *, lane_lacks: str) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["message"].startswith(message)
    assert "Search" in body["lane_html"] and lane_lacks not in body["lane_html"]
    assert isinstance(body["version"], int)


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_editing_or_deleting_a_deleted_moment_says_so_with_the_fresh_lane(editor, cycle, method):
    moment_id = deleted_moment(cycle)
    response = call(editor, method, reverse("journeys:editor_moment", args=[cycle.pk, moment_id]), MOMENT_BODY)
    assert_gone(response, MOMENT_GONE, lane_lacks="Purchase")
    assert list(cycle.moments.order_by("position").values_list("name", flat=True)) == ["Search", "Check-in"]


def test_adding_a_touchpoint_to_a_deleted_moment_says_so_and_adds_nothing(editor, cycle):
    moment_id = deleted_moment(cycle)
    response = call(editor, "post", reverse("touchpoints:editor_touchpoint_create", args=[cycle.pk, moment_id]),
                    TOUCHPOINT_BODY)
    assert_gone(response, MOMENT_GONE, lane_lacks="Purchase")
    assert not Touchpoint.objects.filter(name="Renamed").exists()


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_editing_or_deleting_a_deleted_touchpoint_says_so_with_the_fresh_lane(editor, cycle, method):
    touchpoint = Touchpoint.objects.get(name="Purchase on the web")
    touchpoint_id = touchpoint.pk
    touchpoint.delete()
    response = call(editor, method, reverse("touchpoints:editor_touchpoint", args=[cycle.pk, touchpoint_id]),
                    TOUCHPOINT_BODY)
    assert_gone(response, TOUCHPOINT_GONE, lane_lacks="Purchase on the web")
    assert Touchpoint.objects.filter(moment__cycle=cycle).count() == 2


def test_a_moment_deleted_between_the_read_and_the_lock_is_gone_too(editor, cycle, monkeypatch):
    moment = cycle.moments.get(name="Purchase")
    original = services.moment_update

    def deleted_first(**kwargs):
        Moment.objects.filter(pk=moment.pk).delete()
        return original(**kwargs)

    monkeypatch.setattr(services, "moment_update", deleted_first)
    response = call(editor, "patch", reverse("journeys:editor_moment", args=[cycle.pk, moment.pk]), MOMENT_BODY)
    assert_gone(response, MOMENT_GONE, lane_lacks="Purchase")


def test_another_cycles_moment_is_the_same_404_and_shows_only_this_cycle(editor, cycle, organization):
    other = MomentFactory(cycle=ServiceCycleFactory(organization=organization), name="Secret moment")
    response = call(editor, "patch", reverse("journeys:editor_moment", args=[cycle.pk, other.pk]), MOMENT_BODY)
    assert_gone(response, MOMENT_GONE, lane_lacks="Secret moment")
    assert Moment.objects.get(pk=other.pk).name == "Secret moment"
