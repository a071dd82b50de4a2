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


def test_an_admin_lists_promotes_and_removes_members(organization):
    admin = member_client(organization)
    newcomer = MembershipFactory(organization=organization, role="team_lead", user=UserFactory(username="lucia"))
    listed = admin.get("/api/v1/members/", {"role": "team_lead"}).json()
    assert [(row["username"], row["user"]) for row in listed["results"]] == [("lucia", newcomer.user_id)]
    promoted = admin.patch(f"/api/v1/members/{newcomer.pk}/", {"role": "cx_manager"}, format="json")
    assert promoted.status_code == 200 and promoted.json()["role"] == "cx_manager"
    assert admin.delete(f"/api/v1/members/{newcomer.pk}/").status_code == 204
    assert not Membership.objects.filter(user=newcomer.user).exists()


def test_nobody_is_added_by_username_any_more(organization):
    """Adding by username told an admin which logins exist and showed their e-mail (issue 13):
    people join through invitations."""
    admin = member_client(organization)
    UserFactory(username="lucia", email="lucia@elsewhere.example")
    response = admin.post("/api/v1/members/", {"organization": organization.pk, "username": "lucia",
                                               "role": "viewer"}, format="json")
    assert response.status_code == 405
    assert "lucia" not in response.content.decode()
    assert not Membership.objects.filter(user__username="lucia").exists()


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
    assert client.get("/api/v1/members/").status_code == 403
    assert client.patch(f"/api/v1/members/{target.pk}/", {"role": "admin"}, format="json").status_code in (403, 404)
    assert client.delete(f"/api/v1/members/{target.pk}/").status_code in (403, 404)
    target.refresh_from_db()
    assert target.role == "viewer"


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
            services.membership_role_set(membership=membership, role="viewer")
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
