"""One reading of a scope's filters for the comments page and the API (analytics.scopes):
the API refuses any bad value with a 400 naming it, as before the comments page
shared the parser; the page goes on without it."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from analytics.models import NO_SEGMENT
from analytics.periods import DEFAULT_WEEKS, last_weeks
from analytics.scopes import dissatisfied_parse, period_query, scope_parse
from tests.analytics.comment_data import airline_with_comments
from tests.factories import MomentFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 18)


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization)


def test_a_good_scope_is_read_whole(cycle, organization):
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    segment = SegmentFactory(organization=organization)
    scope, errors = scope_parse(cycle=cycle, today=TODAY, params={
        "moment": str(touchpoint.moment_id), "touchpoint": str(touchpoint.pk), "segment": str(segment.pk),
        "channel": "kiosk", "start": "2026-11-02", "end": "2026-11-08"})
    assert errors == {}
    assert scope.filters() == {"cycle": cycle, "period": scope.period, "moment_id": touchpoint.moment_id,
                               "touchpoint_id": touchpoint.pk, "segment_id": segment.pk, "channel": "kiosk"}
    assert (scope.period.start, scope.period.end) == (dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert scope_parse(cycle=cycle, today=TODAY, params={"segment": "none"})[0].segment_id == NO_SEGMENT


def test_bad_values_are_named_and_left_out(cycle, other_organization):
    foreign = SegmentFactory(organization=other_organization)
    scope, errors = scope_parse(cycle=cycle, today=TODAY, params={
        "moment": "12abc", "segment": str(foreign.pk), "channel": "moon", "weeks": "0"})
    assert set(errors) == {"moment", "segment", "channel", "period"}
    assert (scope.moment_id, scope.segment_id, scope.channel) == (None, None, None)
    assert scope.period == last_weeks(weeks=DEFAULT_WEEKS, today=TODAY)


def test_a_focus_is_needed_only_where_asked(cycle):
    assert scope_parse(cycle=cycle, today=TODAY, params={})[1] == {}
    assert set(scope_parse(cycle=cycle, today=TODAY, params={}, needs_focus=True)[1]) == {"moment"}


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("FALSE", False), ("0", False),
                                                 ("", None), (None, None)])
def test_dissatisfied_reads_true_or_false(value, expected):
    errors: dict = {}
    assert dissatisfied_parse(value, errors) is expected and errors == {}


def test_dissatisfied_refuses_anything_else():
    errors: dict = {}
    assert dissatisfied_parse("maybe", errors) is None and errors == {"dissatisfied": ["Use true or false."]}


def test_the_period_travels_as_weeks_while_it_is_the_pickers():
    assert period_query(last_weeks(weeks=13, today=TODAY), TODAY) == {"weeks": "13"}
    assert period_query(last_weeks(weeks=3, today=TODAY), TODAY) == {"start": "2026-11-02", "end": "2026-11-18"}


# --- The API, through the same parser -------------------------------------------------------


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


@pytest.fixture
def airline(organization):
    return airline_with_comments(organization=organization)


def test_the_insights_of_a_cell_answer_its_words(api, airline):
    baggage = airline.moments.get(name="Baggage claim")
    response = api.get(f"/api/v1/cycles/{airline.pk}/insights/", {"moment": baggage.pk, "weeks": 4})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "ok" and "maleta perdida" in [term["term"] for term in body["terms"]]
    assert body["period"]["start"] and body["examples"]


@pytest.mark.parametrize(("query", "field"), [
    ({}, "moment"), ({"moment": "x"}, "moment"), ({"moment": "999999"}, "moment"),
    ({"touchpoint": "999999"}, "touchpoint"), ({"segment": "999999"}, "segment"), ({"channel": "moon"}, "channel"),
    ({"weeks": "500"}, "period"), ({"start": "2026-01-10", "end": "2026-01-01"}, "period"),
])
def test_insights_refuse_a_bad_scope_with_a_400_naming_it(api, airline, query, field):
    params = {"moment": str(airline.moments.first().pk), **query} if field != "moment" else query
    response = api.get(f"/api/v1/cycles/{airline.pk}/insights/", params)
    assert response.status_code == 400 and field in str(response.json()), response.json()


def test_a_touchpoint_of_another_moment_is_a_400(api, airline):
    baggage, checkin = airline.moments.get(name="Baggage claim"), airline.moments.get(name="Check-in")
    response = api.get(f"/api/v1/cycles/{airline.pk}/insights/",
                       {"moment": baggage.pk, "touchpoint": checkin.touchpoints.get().pk})
    assert response.status_code == 400 and "This touchpoint is not one of that moment." in str(response.json())


def test_comments_refuse_a_bad_dissatisfied_and_list_without_a_focus(api, airline):
    url = f"/api/v1/cycles/{airline.pk}/comments/"
    assert api.get(url, {"dissatisfied": "maybe"}).status_code == 400
    body = api.get(url, {"dissatisfied": "true", "page_size": 100}).json()
    assert len(body["results"]) == 60 and all(result["dissatisfied"] for result in body["results"])


def test_another_organizations_cycle_is_404_through_the_api(airline, outsider):
    client = APIClient()
    client.force_authenticate(outsider)
    moment = airline.moments.first()
    assert client.get(f"/api/v1/cycles/{airline.pk}/insights/", {"moment": moment.pk}).status_code == 404
    assert client.get(f"/api/v1/cycles/{airline.pk}/comments/").status_code == 404
