"""Organization admins manage members through /api/v1/members/: roles, scoping, the last admin."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from journeys import services
from journeys.models import Membership
from tests.api_support import member_client, token_client
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_admin_lists_adds_promotes_and_removes_members(organization):
    admin = member_client(organization)
    newcomer = UserFactory(username="lucia")
    created = admin.post("/api/v1/members/", {"organization": organization.pk, "username": "lucia",
                                              "role": "team_lead"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["username"], body["role"], body["user"]) == ("lucia", "team_lead", newcomer.pk)
    listed = admin.get("/api/v1/members/", {"role": "team_lead"}).json()
    assert [row["username"] for row in listed["results"]] == ["lucia"]
    promoted = admin.patch(f"/api/v1/members/{body['id']}/", {"role": "cx_manager"}, format="json")
    assert promoted.status_code == 200 and promoted.json()["role"] == "cx_manager"
    assert admin.delete(f"/api/v1/members/{body['id']}/").status_code == 204
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize("payload, field", [
    ({"username": "nobody-by-this-name", "role": "viewer"}, "username"),
    ({"username": "lucia", "role": "owner"}, "role"),
    ({"role": "viewer"}, "username"),
])
def test_bad_additions_are_400_with_the_field_and_add_nobody(organization, payload, field):
    admin = member_client(organization)
    UserFactory(username="lucia")
    before = Membership.objects.count()
    response = admin.post("/api/v1/members/", {"organization": organization.pk, **payload}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Membership.objects.count() == before


def test_adding_someone_twice_is_refused(organization):
    admin = member_client(organization)
    member = MembershipFactory(organization=organization, role="viewer")
    response = admin.post("/api/v1/members/", {"organization": organization.pk, "username": member.user.username,
                                               "role": "admin"}, format="json")
    assert response.status_code == 400 and "username" in response.json()
    member.refresh_from_db()
    assert member.role == "viewer"


def test_the_last_admin_can_be_neither_demoted_nor_removed(organization):
    admin = member_client(organization)
    own = Membership.objects.get(user=admin.user)
    demoted = admin.patch(f"/api/v1/members/{own.pk}/", {"role": "viewer"}, format="json")
    assert demoted.status_code == 400 and "role" in demoted.json()
    assert admin.delete(f"/api/v1/members/{own.pk}/").status_code == 400
    own.refresh_from_db()
    assert own.role == "admin"
    MembershipFactory(organization=organization, role="admin")
    assert admin.patch(f"/api/v1/members/{own.pk}/", {"role": "viewer"}, format="json").status_code == 200


@pytest.mark.parametrize("role", ["viewer", "team_lead", "cx_manager"])
def test_only_admins_manage_members(organization, role):
    client = member_client(organization, role=role)
    target = MembershipFactory(organization=organization, role="viewer")
    UserFactory(username="lucia")
    assert client.get("/api/v1/members/").status_code == 403
    assert client.post("/api/v1/members/", {"organization": organization.pk, "username": "lucia",
                                            "role": "viewer"}, format="json").status_code in (400, 403)
    assert client.patch(f"/api/v1/members/{target.pk}/", {"role": "admin"}, format="json").status_code in (403, 404)
    assert client.delete(f"/api/v1/members/{target.pk}/").status_code in (403, 404)
    target.refresh_from_db()
    assert target.role == "viewer" and not Membership.objects.filter(user__username="lucia").exists()


def test_tokens_cannot_manage_members(organization):
    MembershipFactory(organization=organization, role="admin")
    client = token_client(organization, scopes=("ingest", "read"))
    assert client.get("/api/v1/members/").status_code == 403


def test_another_organizations_members_are_404(organization):
    admin = member_client(organization)
    other = MembershipFactory(organization=OrganizationFactory(), role="viewer")
    assert admin.get(f"/api/v1/members/{other.pk}/").status_code == 404
    assert admin.patch(f"/api/v1/members/{other.pk}/", {"role": "admin"}, format="json").status_code == 404
    assert admin.delete(f"/api/v1/members/{other.pk}/").status_code == 404
    response = admin.post("/api/v1/members/", {"organization": other.organization_id, "username": admin.user.username,
                                               "role": "admin"}, format="json")
    assert response.status_code == 400 and "organization" in response.json()
    other.refresh_from_db()
    assert other.role == "viewer"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(require_postgres):
    organization = OrganizationFactory()
    first, second = (MembershipFactory(organization=organization, role="admin") for _ in range(2))
    barrier, errors = threading.Barrier(2), []

    def demote(membership):
        try:
            barrier.wait()
            services.membership_set(organization=organization, user=membership.user, role="viewer")
        except Exception as error:  # noqa: BLE001 - one of the two must be refused
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=demote, args=(membership,)) for membership in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Membership.objects.filter(organization=organization, role="admin").count() == 1
    assert len(errors) == 1 and "admin" in str(errors[0])
