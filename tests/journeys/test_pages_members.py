"""The members page: admins invite people, change roles and remove them; never the last admin.
Pending invitations are listed, resent and revoked there."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from journeys.invitations import invitation_for_token
from journeys.models import Invitation, Membership
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


def test_an_admin_invites_by_email_and_the_invitation_is_listed(client, organization, admin):
    response = client.post(members_url(organization), {"email": "lucia@example.com", "role": "team_lead"},
                           follow=True)
    html = response.content.decode()
    assert "Invitation sent to lucia@example.com (Team lead)." in html
    invitation = Invitation.objects.get(organization=organization)
    assert f'data-invitation-id="{invitation.pk}"' in html and "lucia@example.com" in html
    assert mail.outbox[-1].to == ["lucia@example.com"]


def test_inviting_answers_the_same_whether_the_address_has_an_account_or_not(client, organization, admin):
    """The page must not tell an admin who has a Momento account outside the organization."""
    UserFactory(username="hidden-login", email="known@example.com")
    known = client.post(members_url(organization), {"email": "known@example.com", "role": "viewer"}, follow=True)
    unknown = client.post(members_url(organization), {"email": "unknown@example.com", "role": "viewer"},
                          follow=True)
    assert known.status_code == unknown.status_code == 200
    assert "Invitation sent to known@example.com (Viewer)." in known.content.decode()
    assert "Invitation sent to unknown@example.com (Viewer)." in unknown.content.decode()
    assert "hidden-login" not in known.content.decode()


def test_a_role_change_is_saved(client, organization, admin):
    member = MembershipFactory(organization=organization, role="team_lead", user=UserFactory(username="lucia"))
    response = client.post(reverse("journeys:member_role", args=[organization.pk, member.pk]),
                           {"role": "cx_manager"}, follow=True)
    assert "lucia is now CX manager." in response.content.decode()
    member.refresh_from_db()
    assert member.role == "cx_manager"


@pytest.mark.parametrize("data, message", [
    ({"email": "not-an-address", "role": "viewer"}, "Enter a valid email address."),
    ({"email": "", "role": "viewer"}, "This field is required."),
    ({"email": "lucia@example.com", "role": "owner"}, "Select a valid choice."),
    ({"email": "ana@example.com", "role": "viewer"}, "A member of this organization already uses this e-mail"),
])
def test_bad_invitations_say_why_and_send_nothing(client, organization, admin, data, message):
    admin.user.email = "ana@example.com"
    admin.user.save()
    response = client.post(members_url(organization), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_resend_makes_a_new_link_and_revoke_kills_it(client, organization, admin):
    client.post(members_url(organization), {"email": "lucia@example.com", "role": "viewer"})
    invitation = Invitation.objects.get()
    token = re.search(r"/invitations/(inv_[\w-]+)/", mail.outbox[-1].body).group(1)
    response = client.post(reverse("journeys:invitation_resend", args=[organization.pk, invitation.pk]), follow=True)
    assert "Invitation sent to lucia@example.com" in response.content.decode() and len(mail.outbox) == 2
    new_token = re.search(r"/invitations/(inv_[\w-]+)/", mail.outbox[-1].body).group(1)
    assert invitation_for_token(token=token) is None and invitation_for_token(token=new_token) is not None
    response = client.post(reverse("journeys:invitation_revoke", args=[organization.pk, invitation.pk]), follow=True)
    html = response.content.decode()
    assert "The invitation to lucia@example.com is revoked" in html
    assert f'data-invitation-id="{invitation.pk}"' not in html
    assert invitation_for_token(token=new_token) is None


def test_the_invitation_email_is_in_the_language_of_the_page(client, organization, admin):
    client.post(members_url(organization), {"email": "lucia@example.com", "role": "cx_manager"},
                HTTP_ACCEPT_LANGUAGE="es")
    assert "Responsable de CX" in mail.outbox[-1].body


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
    foreign = Invitation.objects.create(organization=other.organization, email="x@example.com", token_hash="h" * 64,
                                        sent_at="2026-01-01T00:00Z", expires_at="2099-01-01T00:00Z")
    for name in ("journeys:invitation_resend", "journeys:invitation_revoke"):
        assert client.post(reverse(name, args=[organization.pk, foreign.pk])).status_code == 404
        assert client.post(reverse(name, args=[other.organization.pk, foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None and not mail.outbox
