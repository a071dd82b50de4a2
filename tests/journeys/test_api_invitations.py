"""/api/v1/invitations/: admins invite e-mail addresses, list, resend and revoke pending
invitations; no answer says whether an account exists or shows a non-member's e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from journeys.invitations import invitation_for_token
from journeys.models import Invitation, Membership
from tests.api_support import member_client, token_client
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/invitations/(inv_[A-Za-z0-9_-]+)/")
VOLATILE = {"id", "email", "created_at", "sent_at", "expires_at"}


def invite(client, organization, email="lucia@example.com", role="team_lead", **headers):
    return client.post("/api/v1/invitations/", {"organization": organization.pk, "email": email, "role": role},
                       format="json", **headers)


def test_an_admin_invites_lists_resends_and_revokes(organization):
    admin = member_client(organization)
    created = invite(admin, organization)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["email"], body["role"], body["invited_by"], body["email_sent"], body["expired"]) == (
        "lucia@example.com", "team_lead", admin.user.username, True, False)
    assert "token" not in created.content.decode() and "inv_" not in created.content.decode()
    first = LINK.search(mail.outbox[-1].body).group(1)

    listed = admin.get("/api/v1/invitations/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    resent = admin.post(f"/api/v1/invitations/{body['id']}/resend/")
    assert resent.status_code == 200 and resent.json()["email_sent"] is True
    second = LINK.search(mail.outbox[-1].body).group(1)
    assert second != first and invitation_for_token(token=first) is None

    assert admin.delete(f"/api/v1/invitations/{body['id']}/").status_code == 204
    assert invitation_for_token(token=second) is None
    assert admin.get("/api/v1/invitations/").json()["results"] == []
    assert admin.get(f"/api/v1/invitations/{body['id']}/").status_code == 404


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(organization):
    MembershipFactory(organization=OrganizationFactory(),
                      user=UserFactory(username="secret-login", email="known@example.com"))
    admin = member_client(organization)
    known = invite(admin, organization, email="known@example.com")
    unknown = invite(admin, organization, email="unknown@example.com")
    assert known.status_code == unknown.status_code == 201
    strip = lambda data: {key: value for key, value in data.items() if key not in VOLATILE}
    assert strip(known.json()) == strip(unknown.json())
    assert "secret-login" not in known.content.decode()
    assert len(mail.outbox) == 2


def test_an_address_a_member_uses_is_a_field_error(organization):
    admin = member_client(organization)
    MembershipFactory(organization=organization, user=UserFactory(email="luis@example.com"))
    response = invite(admin, organization, email="Luis@example.com")
    assert response.status_code == 400 and "email" in response.json()
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.parametrize("payload, field", [
    ({"email": "not-an-address", "role": "viewer"}, "email"),
    ({"email": "", "role": "viewer"}, "email"),
    ({"email": "a@example.com", "role": "owner"}, "role"),
    ({"role": "viewer"}, "email"),
    ({"email": "a\x00b@example.com", "role": "viewer"}, "email"),
])
def test_bad_input_is_400_with_the_field_and_sends_nothing(organization, payload, field):
    admin = member_client(organization)
    response = admin.post("/api/v1/invitations/", {"organization": organization.pk, **payload}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Invitation.objects.exists() and not mail.outbox


def test_the_email_follows_the_request_language(organization):
    admin = member_client(organization)
    assert invite(admin, organization, HTTP_ACCEPT_LANGUAGE="es").status_code == 201
    assert "Te invitan a unirte a" in mail.outbox[-1].subject


@pytest.mark.parametrize("role", ["viewer", "team_lead", "cx_manager"])
def test_only_admins_manage_invitations(organization, role):
    invitation = Invitation.objects.create(organization=organization, email="x@example.com", token_hash="h" * 64,
                                           sent_at="2026-01-01T00:00Z", expires_at="2099-01-01T00:00Z")
    client = member_client(organization, role=role)
    assert client.get("/api/v1/invitations/").status_code == 403
    assert invite(client, organization).status_code in (400, 403)
    assert client.post(f"/api/v1/invitations/{invitation.pk}/resend/").status_code in (403, 404)
    assert client.delete(f"/api/v1/invitations/{invitation.pk}/").status_code in (403, 404)
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1 and not mail.outbox


def test_tokens_cannot_invite(organization):
    client = token_client(organization, scopes=("ingest", "read"))
    assert client.get("/api/v1/invitations/").status_code == 403
    assert invite(client, organization).status_code == 403
    assert not Invitation.objects.exists()


def test_another_organizations_invitations_are_404(organization):
    admin = member_client(organization)
    other = Invitation.objects.create(organization=OrganizationFactory(), email="x@example.com",
                                      token_hash="h" * 64, sent_at="2026-01-01T00:00Z",
                                      expires_at="2099-01-01T00:00Z")
    assert admin.get(f"/api/v1/invitations/{other.pk}/").status_code == 404
    assert admin.post(f"/api/v1/invitations/{other.pk}/resend/").status_code == 404
    assert admin.delete(f"/api/v1/invitations/{other.pk}/").status_code == 404
    response = invite(admin, other.organization)
    assert response.status_code == 400 and "organization" in response.json()
    other.refresh_from_db()
    assert other.revoked_at is None and not mail.outbox
    assert Membership.objects.filter(organization=other.organization).count() == 0
