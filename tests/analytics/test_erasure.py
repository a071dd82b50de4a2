"""Erasure on request: a customer's ratings go, and rollups, term counts, snapshots and the
heatmap equal what a clean rebuild gives; the record names no one; unknown references
answer the same; bad input is a 400."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import services
from analytics.models import HeatmapSnapshot, TermCount, TermForm
from journeys.models import Membership
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.api_support import member_client, token_client
from tests.factories import OrganizationFactory, SegmentFactory
from touchpoints.models import Customer, CustomerErasure, Rating

from .drivers_data import Journey, push, traveller_ratings

pytestmark = pytest.mark.django_db

ERASE = "/api/v1/customers/"
COMMENTS = ["Lost my suitcase at the carousel", "Friendly crew, great flight", "Waited an hour for my bags",
            "La maleta tardó muchísimo", ""]


def erase(client, body, **params):
    query = "?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else ""
    return client.generic("DELETE", ERASE + query, json.dumps(body), content_type="application/json")


@pytest.fixture
def journey():
    return Journey()


@pytest.fixture
def loaded(journey):
    """80 travellers with comments and segments, through the API, folded into the rollups."""
    business = SegmentFactory(organization=journey.organization, key="business")
    rows = traveller_ratings(journey, driver="Baggage claim", travellers=80, seed=11)
    for index, row in enumerate(rows):
        row["comment"] = COMMENTS[index % len(COMMENTS)]
        row["segment"] = business.key if index % 3 == 0 else None
    push(token_client(journey.organization, scopes=("ingest",)), rows)
    return rows


def term_rows():
    counts = sorted(TermCount.objects.values_list("touchpoint_id", "day", "segment_key", "term", "occurrences",
                                                  "documents", "dissatisfied_occurrences", "dissatisfied_documents"))
    forms = sorted(TermForm.objects.values_list("touchpoint_id", "term", "form", "occurrences"))
    return counts, forms


def heatmap_total(client, journey) -> int:
    body = client.get(f"/api/v1/cycles/{journey.cycle.pk}/heatmap/").json()
    return sum(row["total"]["n"] for row in body["rows"])


def test_an_erasure_removes_the_customers_ratings_and_every_figure_equals_a_clean_rebuild(journey, loaded):
    client = token_client(journey.organization, scopes=("erase", "read"))
    before = heatmap_total(client, journey)
    theirs = sum(1 for row in loaded if row["customer"] == "traveller-7")
    assert theirs >= 4
    answer = erase(client, {"customer": "traveller-7"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["removed"] == theirs
    # Stored rows: none of theirs, everyone else's untouched, the customer row gone.
    assert Rating.objects.count() == len(loaded) - theirs
    assert Customer.objects.count() == 79
    assert client.get("/api/v1/ratings/", {"customer": "traveller-7"}).json()["results"] == []
    # The figures, against a clean rebuild of what is left.
    erased_rollups, erased_terms = rollup_rows(), term_rows()
    assert erased_rollups == raw_rows()
    assert not any(row[3] == 0 for row in erased_rollups)
    services.rollups_rebuild()
    assert rollup_rows() == erased_rollups
    assert term_rows() == erased_terms
    # The heatmap counts them no more.
    assert heatmap_total(client, journey) == before - theirs


def test_the_record_says_when_who_and_how_many_and_nothing_about_the_customer(journey, loaded):
    client = member_client(journey.organization, role=Membership.Role.CX_MANAGER)
    answer = erase(client, {"customer": "traveller-3"})
    record = CustomerErasure.objects.get(pk=answer.json()["erasure"])
    assert record.erased_by == client.user and record.token is None and record.ratings == answer.json()["removed"] > 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {CustomerErasure._meta.db_table}")
        stored = repr(cursor.fetchall())
    assert "traveller-3" not in stored
    assert not any(key in stored for key in Customer.objects.values_list("key", flat=True))


def test_an_unknown_reference_answers_the_same_with_the_same_statements(journey, loaded):
    client = token_client(journey.organization, scopes=("erase",))
    erase(client, {"customer": "warm-up"})  # the token's first use is stamped once
    with CaptureQueriesContext(connection) as known:
        first = erase(client, {"customer": "traveller-1"})
    with CaptureQueriesContext(connection) as unknown:
        second = erase(client, {"customer": "never-seen"})
    assert first.status_code == second.status_code == 200
    assert set(first.json()) == set(second.json()) and second.json()["removed"] == 0
    assert len(known.captured_queries) == len(unknown.captured_queries)
    again = erase(client, {"customer": "traveller-1"})
    assert again.status_code == 200 and again.json()["removed"] == 0


def test_ratings_not_yet_in_the_rollups_are_erased_without_being_subtracted(journey):
    client = token_client(journey.organization, scopes=("ingest", "erase"))
    push(client, traveller_ratings(journey, driver="Flight", travellers=20, seed=2))
    late = traveller_ratings(journey, driver="Flight", travellers=5, seed=3, prefix="late")
    for start in (0,):
        response = client.post("/api/v1/ratings/batch/", data=json.dumps({"ratings": late[start:]}),
                               content_type="application/json")
        assert response.status_code == 201
    # traveller-2 is counted, late-2 is not yet: both erasures leave the rollups right.
    assert erase(client, {"customer": "late-2"}).json()["removed"] > 0
    assert erase(client, {"customer": "traveller-2"}).json()["removed"] > 0
    services.rollups_refresh()
    assert rollup_rows() == raw_rows()


def test_snapshots_that_may_quote_the_customer_are_recomputed(journey, loaded):
    client = token_client(journey.organization, scopes=("erase", "read"))
    client.get(f"/api/v1/cycles/{journey.cycle.pk}/heatmap/", {"weeks": 13})
    assert HeatmapSnapshot.objects.filter(cycle=journey.cycle).exists()
    erase(client, {"customer": "traveller-4"})
    # Every snapshot computed before the erasure is gone; the views are computed again when read.
    assert not HeatmapSnapshot.objects.filter(cycle=journey.cycle, computed_at__lt=CustomerErasure.objects.get()
                                              .erased_at).exists()


@pytest.mark.parametrize(("body", "field"), [
    ({}, "customer"),
    ({"customer": ""}, "customer"),
    ({"customer": "x" * 10_000}, "customer"),
    ({"customer": "PNR\n7"}, "customer"),
    ({"customer": 7}, "customer"),
    ({"customer": "PNR-7", "everything": True}, "everything"),
])
def test_bad_input_is_a_field_error_and_erases_nothing(journey, loaded, body, field):
    client = token_client(journey.organization, scopes=("erase",))
    answer = erase(client, body)
    assert answer.status_code == 400 and field in answer.json(), answer.content
    assert Rating.objects.count() == len(loaded) and not CustomerErasure.objects.exists()


@pytest.mark.parametrize(("role", "allowed"), [
    (Membership.Role.VIEWER, False), (Membership.Role.TEAM_LEAD, False),
    (Membership.Role.CX_MANAGER, True), (Membership.Role.ADMIN, True),
])
def test_cx_managers_admins_and_erase_tokens_may_erase(journey, loaded, role, allowed):
    answer = erase(member_client(journey.organization, role=role), {"customer": "traveller-5"})
    assert answer.status_code == (200 if allowed else 403)
    for scopes in (("ingest",), ("read",), ("ingest", "read")):
        assert erase(token_client(journey.organization, scopes=scopes), {"customer": "traveller-6"}).status_code == 403
    assert Rating.objects.filter(customer__isnull=False).count() < len(loaded) if allowed else True


def test_another_organizations_customer_cannot_be_erased(journey, loaded):
    stranger = token_client(OrganizationFactory(), scopes=("erase",))
    assert erase(stranger, {"customer": "traveller-8"}).json()["removed"] == 0
    outsider = member_client(OrganizationFactory())
    assert erase(outsider, {"customer": "traveller-8"}, organization=journey.organization.pk).status_code == 404
    assert Rating.objects.count() == len(loaded)


# --- The page -------------------------------------------------------------------------


def test_a_cx_manager_erases_from_the_page_and_sees_the_record(journey, loaded, client):
    from tests.factories import MembershipFactory, UserFactory

    manager = UserFactory()
    MembershipFactory(user=manager, organization=journey.organization, role=Membership.Role.CX_MANAGER)
    client.force_login(manager)
    url = f"/organizations/{journey.organization.pk}/erasure/"
    assert client.get("/settings/erasure/").url == url
    page = client.get(url)
    assert page.status_code == 200 and b"customer" in page.content
    refused = client.post(url, {"customer": "traveller-9"})
    assert refused.status_code == 400 and Rating.objects.count() == len(loaded)
    done = client.post(url, {"customer": "traveller-9", "confirm": "on"}, follow=True)
    assert done.status_code == 200
    removed = CustomerErasure.objects.get().ratings
    assert removed > 0 and Rating.objects.count() == len(loaded) - removed
    assert b"traveller-9" not in done.content
    assert manager.username.encode() in done.content


def test_a_viewer_is_refused_the_page(journey, client):
    from tests.factories import MembershipFactory, UserFactory

    viewer = UserFactory()
    MembershipFactory(user=viewer, organization=journey.organization, role=Membership.Role.VIEWER)
    client.force_login(viewer)
    assert client.get(f"/organizations/{journey.organization.pk}/erasure/").status_code == 403
    assert client.post(f"/organizations/{journey.organization.pk}/erasure/",
                       {"customer": "x", "confirm": "on"}).status_code == 403
