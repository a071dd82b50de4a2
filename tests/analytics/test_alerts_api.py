"""GET /api/v1/alerts/ (issue 16, item 3): filters cycle, status, since; paginated; scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from analytics.models import Alert
from journeys.models import Membership
from tests.api_support import member_client, token_client
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory

from .alert_data import make_alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(organization):
    airline = ServiceCycleFactory(organization=organization, name="Airline")
    hotel = ServiceCycleFactory(organization=organization, name="Hotel")
    baggage = MomentFactory(cycle=airline, name="Baggage claim")
    kiosk = TouchpointFactory(moment=MomentFactory(cycle=airline, name="Check-in"), name="Kiosk", key="kiosk")
    return {
        "open": make_alert(baggage, n=120, dissatisfied=60, days_ago=1),
        "closed": make_alert(kiosk.moment, touchpoint=kiosk, closed_reason="recovered", days_ago=20,
                             latest_n=400, latest_dissatisfied=20),
        "hotel": make_alert(MomentFactory(cycle=hotel, name="Check-out"), days_ago=40),
        "airline": airline,
    }


def test_a_token_with_read_lists_the_alerts_newest_first(organization, alerts):
    body = token_client(organization, scopes=("read",)).get("/api/v1/alerts/").json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [alerts["open"].pk, alerts["closed"].pk, alerts["hotel"].pk]
    first = body["results"][0]
    assert first["status"] == "open" and first["close_reason"] is None and first["subject"] == "moment"
    assert (first["moment_name"], first["cycle_name"], first["touchpoint"], first["touchpoint_name"]) == (
        "Baggage claim", "Airline", None, "")
    assert (first["n"], first["dissatisfied"], first["share"]) == (120, 60, 0.5)
    # Wilson 95 % of 60/120: centre ½, margin 1.96·√(¼/120 + 1.96²/(4·120²)) / (1 + 1.96²/120) = 0.08806.
    assert first["wilson_low"] == pytest.approx(0.41194, abs=1e-5) and first["wilson_high"] == pytest.approx(
        0.58806, abs=1e-5)
    closed = body["results"][1]
    assert (closed["status"], closed["close_reason"], closed["touchpoint_name"]) == ("closed", "recovered", "Kiosk")
    assert (closed["latest"]["n"], closed["latest"]["dissatisfied"], closed["latest"]["share"]) == (400, 20, 0.05)


def test_filters_by_cycle_status_and_since(organization, alerts):
    client = member_client(organization, role=Membership.Role.VIEWER)
    ids = lambda **params: [item["id"] for item in client.get("/api/v1/alerts/", params).json()["results"]]
    assert ids(cycle=alerts["airline"].pk) == [alerts["open"].pk, alerts["closed"].pk]
    assert ids(status="open") == [alerts["open"].pk, alerts["hotel"].pk]
    assert ids(status="closed") == [alerts["closed"].pk]
    # Opened or closed since: the kiosk opened 20 days ago but closed just now.
    since = (timezone.now() - dt.timedelta(days=10)).isoformat()
    assert ids(since=since) == [alerts["open"].pk, alerts["closed"].pk]
    assert ids(since=since, status="open", cycle=alerts["airline"].pk) == [alerts["open"].pk]


@pytest.mark.parametrize("params", [{"status": "maybe"}, {"since": "yesterday"}, {"cycle": "x"}, {"page": "0"}])
def test_bad_filters_are_400_naming_the_field(organization, alerts, params):
    response = member_client(organization).get("/api/v1/alerts/", params)
    assert response.status_code == 400 and set(params) <= set(response.json())


def test_one_alert_and_another_organizations_is_404(organization, other_organization, alerts):
    client = member_client(organization)
    assert client.get(f"/api/v1/alerts/{alerts['open'].pk}/").json()["moment_name"] == "Baggage claim"
    outsider = member_client(other_organization)
    assert outsider.get(f"/api/v1/alerts/{alerts['open'].pk}/").status_code == 404
    assert outsider.get("/api/v1/alerts/").json()["count"] == 0


def test_alerts_cannot_be_written(organization, alerts):
    client = member_client(organization)
    assert client.post("/api/v1/alerts/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/alerts/{alerts['open'].pk}/").status_code == 405
    assert Alert.objects.count() == 3


def test_the_list_costs_the_same_queries_for_many_alerts(organization, alerts, django_assert_max_num_queries):
    client = token_client(organization, scopes=("read",))
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/alerts/")
    for index in range(10):
        make_alert(MomentFactory(cycle=alerts["airline"], name=f"Moment {index}"), closed_reason="quiet")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/v1/alerts/")
