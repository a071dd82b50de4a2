"""Organizations, cycles and moments through /api/v1/: roles, scoping, atomic reorder."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from journeys.models import Membership, Moment, ServiceCycle
from tests.api_support import member_client, token_client
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    for name in ("Search", "Purchase", "Check-in"):
        MomentFactory(cycle=cycle, name=name)
    return cycle


def order_of(cycle) -> list[int]:
    return list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("pk", flat=True))


def test_anonymous_gets_401(cycle):
    assert APIClient().get("/api/v1/cycles/").status_code == 401


def test_lists_hold_only_the_callers_organizations(cycle, other_organization, django_assert_max_num_queries):
    ServiceCycleFactory(organization=other_organization)
    client = member_client(cycle.organization, role=Membership.Role.VIEWER)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/cycles/").json()
    assert [item["id"] for item in body["results"]] == [cycle.pk]
    assert body["results"][0]["moment_count"] == 3
    orgs = client.get("/api/v1/organizations/").json()["results"]
    assert [(item["id"], item["role"]) for item in orgs] == [(cycle.organization_id, "viewer")]
    # The comment analysis settings are read here (issue 15); their admin page changes them.
    assert (orgs[0]["comment_analysis"], orgs[0]["comment_language"]) == (True, "auto")


def test_member_of_two_organizations_sees_both_and_can_filter(cycle, other_organization):
    theirs = ServiceCycleFactory(organization=other_organization)
    client = member_client(cycle.organization)
    MembershipFactory(user=client.user, organization=other_organization)
    assert {item["id"] for item in client.get("/api/v1/cycles/").json()["results"]} == {cycle.pk, theirs.pk}
    filtered = client.get("/api/v1/cycles/", {"organization": other_organization.pk}).json()["results"]
    assert [item["id"] for item in filtered] == [theirs.pk]


def test_another_organizations_cycle_is_404_for_every_method(cycle, outsider):
    client = APIClient()
    client.force_authenticate(outsider)
    url = f"/api/v1/cycles/{cycle.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "Hacked"}, format="json").status_code == 404
    assert client.post(f"{url}reorder/", {"order": order_of(cycle)}, format="json").status_code == 404
    assert client.get(f"/api/v1/moments/{order_of(cycle)[0]}/").status_code == 404
    assert client.delete(f"/api/v1/moments/{order_of(cycle)[0]}/").status_code == 404
    assert ServiceCycle.objects.get().name == "Airline" and Moment.objects.count() == 3


def test_cx_manager_creates_and_edits_a_cycle(organization):
    client = member_client(organization, role=Membership.Role.CX_MANAGER)
    created = client.post("/api/v1/cycles/", {"organization": organization.pk, "name": "Hotel stay",
                                              "timezone": "Europe/Madrid"}, format="json")
    assert created.status_code == 201, created.content
    cycle_id = created.json()["id"]
    changed = client.patch(f"/api/v1/cycles/{cycle_id}/", {"critical_share": 0.3, "archived": True}, format="json")
    assert changed.status_code == 200 and changed.json()["archived"] is True
    assert ServiceCycle.objects.get(pk=cycle_id).critical_share == 0.3


@pytest.mark.parametrize("body", [
    {"name": "X", "timezone": "Mars/Olympus"},
    {"name": "", "timezone": "UTC"},
    {"name": "X", "critical_share": 2},
    {"name": "X", "min_sample": 0},
])
def test_bad_cycle_is_400_and_nothing_created(organization, body):
    client = member_client(organization)
    response = client.post("/api/v1/cycles/", {"organization": organization.pk, **body}, format="json")
    assert response.status_code == 400
    assert not ServiceCycle.objects.exists()


def test_cycle_in_an_organization_not_yours_is_refused(organization, other_organization):
    client = member_client(organization)
    response = client.post("/api/v1/cycles/", {"organization": other_organization.pk, "name": "X"}, format="json")
    assert response.status_code == 400 and "organization" in response.json()
    assert not ServiceCycle.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.TEAM_LEAD])
def test_viewers_and_team_leads_read_but_cannot_edit(cycle, role):
    client = member_client(cycle.organization, role=role)
    assert client.get(f"/api/v1/cycles/{cycle.pk}/").status_code == 200
    assert client.patch(f"/api/v1/cycles/{cycle.pk}/", {"name": "X"}, format="json").status_code == 403
    assert client.post("/api/v1/moments/", {"cycle": cycle.pk, "name": "X", "kind": "FMOT"},
                       format="json").status_code == 403
    assert client.post(f"/api/v1/cycles/{cycle.pk}/reorder/", {"order": order_of(cycle)[::-1]},
                       format="json").status_code == 403
    assert client.post("/api/v1/cycles/", {"organization": cycle.organization_id, "name": "X"},
                       format="json").status_code == 403
    assert ServiceCycle.objects.get().name == "Airline"


def test_read_token_reads_but_cannot_edit(cycle):
    client = token_client(cycle.organization, scopes=["read", "ingest"])
    assert client.get(f"/api/v1/cycles/{cycle.pk}/").status_code == 200
    assert client.patch(f"/api/v1/cycles/{cycle.pk}/", {"name": "X"}, format="json").status_code == 403


def test_moments_are_added_updated_and_removed_keeping_positions_dense(cycle):
    client = member_client(cycle.organization, role=Membership.Role.CX_MANAGER)
    added = client.post("/api/v1/moments/", {"cycle": cycle.pk, "name": "Boarding", "kind": "SMOT",
                                             "position": 1}, format="json")
    assert added.status_code == 201 and added.json()["position"] == 1
    moment_id = added.json()["id"]
    assert client.patch(f"/api/v1/moments/{moment_id}/", {"protocol": "Smile"}, format="json").status_code == 200
    listed = client.get("/api/v1/moments/", {"cycle": cycle.pk}).json()["results"]
    assert [item["position"] for item in listed] == [0, 1, 2, 3]
    assert client.delete(f"/api/v1/moments/{moment_id}/").status_code == 204
    assert sorted(Moment.objects.filter(cycle=cycle).values_list("position", flat=True)) == [0, 1, 2]


def test_bad_moment_is_400(cycle):
    client = member_client(cycle.organization)
    assert client.post("/api/v1/moments/", {"cycle": cycle.pk, "name": "X", "kind": "QMOT"},
                       format="json").status_code == 400
    assert client.post("/api/v1/moments/", {"cycle": cycle.pk, "name": "X", "kind": "FMOT", "position": 9},
                       format="json").status_code == 400
    assert Moment.objects.count() == 3


def test_reorder_puts_moments_in_the_given_order(cycle):
    client = member_client(cycle.organization)
    new_order = order_of(cycle)[::-1]
    response = client.post(f"/api/v1/cycles/{cycle.pk}/reorder/",
                           {"order": new_order, "expected_version": cycle.structure_version}, format="json")
    assert response.status_code == 200
    assert response.json()["order"] == new_order == order_of(cycle)


def test_reorder_with_a_stale_version_is_409_with_the_current_order(cycle):
    client = member_client(cycle.organization)
    current = order_of(cycle)
    cycle.refresh_from_db()
    stale = cycle.structure_version - 1 if cycle.structure_version else cycle.structure_version + 5
    response = client.post(f"/api/v1/cycles/{cycle.pk}/reorder/",
                           {"order": current[::-1], "expected_version": stale}, format="json")
    assert response.status_code == 409
    assert response.json()["order"] == current
    assert response.json()["structure_version"] == cycle.structure_version
    assert order_of(cycle) == current


@pytest.mark.parametrize("mutate", [lambda o: o[:-1], lambda o: o + [o[0]], lambda o: o + [999999], lambda o: "x"])
def test_reorder_with_a_wrong_set_of_ids_is_400(cycle, mutate):
    client = member_client(cycle.organization)
    current = order_of(cycle)
    response = client.post(f"/api/v1/cycles/{cycle.pk}/reorder/", {"order": mutate(current)}, format="json")
    assert response.status_code == 400
    assert order_of(cycle) == current
