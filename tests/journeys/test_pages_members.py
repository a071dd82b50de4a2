"""The members page: admins add people, change roles and remove them; never the last admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from journeys.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, organization):
    membership = MembershipFactory(organization=organization, role="admin", user=UserFactory(username="ana"))
    client.force_login(membership.user)
    return membership


def members_url(organization):
    return reverse("journeys:members", args=[organization.pk])


def test_the_page_lists_members_with_their_roles(client, organization, admin):
    MembershipFactory(organization=organization, role="team_lead", user=UserFactory(username="luis"))
    MembershipFactory(organization=OrganizationFactory(), role="viewer", user=UserFactory(username="outsider"))
    html = client.get(members_url(organization)).content.decode()
    assert "ana" in html and "luis" in html and "outsider" not in html
    assert '<option value="team_lead" selected>' in html
    assert reverse("journeys:members_home") in client.get(reverse("journeys:cycle_list")).content.decode()
    assert client.get(reverse("journeys:members_home"))["Location"] == members_url(organization)


def test_an_admin_adds_a_member_and_changes_the_role(client, organization, admin):
    UserFactory(username="lucia")
    response = client.post(members_url(organization), {"username": "lucia", "role": "team_lead"}, follow=True)
    assert "lucia added as Team lead." in response.content.decode()
    member = Membership.objects.get(organization=organization, user__username="lucia")
    assert member.role == "team_lead"
    response = client.post(reverse("journeys:member_role", args=[organization.pk, member.pk]),
                           {"role": "cx_manager"}, follow=True)
    assert "lucia is now CX manager." in response.content.decode()
    member.refresh_from_db()
    assert member.role == "cx_manager"


@pytest.mark.parametrize("data, message", [
    ({"username": "nobody", "role": "viewer"}, "No active user has this username."),
    ({"username": "", "role": "viewer"}, "This field is required."),
    ({"username": "lucia", "role": "owner"}, "Select a valid choice."),
    ({"username": "ana", "role": "viewer"}, "Already a member of this organization"),
])
def test_bad_additions_say_why_and_add_nobody(client, organization, admin, data, message):
    UserFactory(username="lucia")
    before = list(Membership.objects.values_list("pk", "role"))
    response = client.post(members_url(organization), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert list(Membership.objects.values_list("pk", "role")) == before


def test_the_last_admin_stays(client, organization, admin):
    response = client.post(reverse("journeys:member_role", args=[organization.pk, admin.pk]), {"role": "viewer"},
                           follow=True)
    assert "needs at least one admin" in response.content.decode()
    response = client.post(reverse("journeys:member_remove", args=[organization.pk, admin.pk]), follow=True)
    assert "needs at least one admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_removing_asks_first_then_removes(client, organization, admin):
    member = MembershipFactory(organization=organization, role="viewer", user=UserFactory(username="luis"))
    url = reverse("journeys:member_remove", args=[organization.pk, member.pk])
    confirm = client.get(url).content.decode()
    assert "Remove luis?" in confirm and Membership.objects.filter(pk=member.pk).exists()
    response = client.post(url, follow=True)
    assert f"luis no longer belongs to {organization.name}." in response.content.decode()
    assert not Membership.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize("role", ["viewer", "team_lead", "cx_manager"])
def test_other_roles_are_refused_with_a_reason(client, organization, role):
    member = MembershipFactory(organization=organization, role=role)
    client.force_login(member.user)
    response = client.get(members_url(organization))
    assert response.status_code == 403 and "Only admins" in response.content.decode()
    response = client.post(reverse("journeys:member_role", args=[organization.pk, member.pk]), {"role": "admin"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.role == role


def test_another_organizations_members_are_404(client, organization, admin):
    other = MembershipFactory(organization=OrganizationFactory(), role="viewer")
    assert client.get(members_url(other.organization)).status_code == 404
    assert client.post(reverse("journeys:member_remove", args=[organization.pk, other.pk])).status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()
