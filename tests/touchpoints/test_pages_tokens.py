"""The API tokens page: admins create (secret shown once), list and revoke tokens;
other members get 403, other organizations' pages and tokens are 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from journeys.models import ApiToken, Membership
from journeys.tokens import api_token_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, organization):
    user = UserFactory(username="ana")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.ADMIN)
    client.force_login(user)
    client.user = user
    return client


def tokens_url(organization) -> str:
    return reverse("touchpoints:tokens", args=[organization.pk])


def revoke_url(token) -> str:
    return reverse("touchpoints:token_revoke", args=[token.organization_id, token.pk])


def test_creating_a_token_shows_its_secret_once_and_it_works(admin, organization):
    response = admin.post(tokens_url(organization), {"name": "Survey tool", "scopes": ["ingest", "read"]})
    assert response.status_code == 200
    content = response.content.decode()
    plaintext = re.search(r'id="token-value" type="text" readonly value="(mom_[^"]+)"', content).group(1)
    assert "This is the only time Momento shows it" in content and "data-copy-target" in content
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.name, token.scopes, token.created_by) == ("Survey tool", ["ingest", "read"], admin.user)
    assert plaintext not in (token.secret_hash, token.prefix)
    # It authenticates REST clients, and the list never shows it again.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.get("/api/v1/cycles/").status_code == 200
    listing = admin.get(tokens_url(organization)).content.decode()
    assert plaintext not in listing and f"mom_{token.prefix}_…" in listing


def test_the_list_shows_prefix_scopes_creator_last_use_and_state(admin, organization):
    used, _plaintext = api_token_create(organization=organization, name="Kiosks", scopes=["ingest"],
                                        created_by=admin.user)
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
    revoked, _plaintext = api_token_create(organization=organization, name="Old app", scopes=["read"],
                                           created_by=None)
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    content = admin.get(tokens_url(organization)).content.decode()
    kiosks = content[content.index(f'data-token-id="{used.pk}"'):content.index(f'data-token-id="{revoked.pk}"')]
    for text in ("Kiosks", f"mom_{used.prefix}_", "Ingest ratings", "ana", "Active", "Revoke Kiosks"):
        assert text in kiosks
    assert "Never" not in kiosks
    old = content[content.index(f'data-token-id="{revoked.pk}"'):]
    assert "Old app" in old and "Read data" in old and "Revoked" in old and "Never" in old
    assert revoke_url(revoked) not in old


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "scopes": ["read"]}, "Give the token a name"),
    ({"name": "Kiosk"}, "Choose at least one scope."),
    ({"name": "Kiosk", "scopes": ["admin"]}, "Select a valid choice"),
    ({"name": "x" * 101, "scopes": ["read"]}, "at most 100 characters"),
])
def test_bad_input_is_refused_with_a_message_and_creates_nothing(admin, organization, data, message):
    response = admin.post(tokens_url(organization), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_and_then_refuses_the_token(admin, organization):
    token, plaintext = api_token_create(organization=organization, name="Kiosk", scopes=["read"], created_by=None)
    confirmation = admin.get(revoke_url(token))
    assert confirmation.status_code == 200
    assert "Revoke token “Kiosk”?" in confirmation.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking is not revoking
    response = admin.post(revoke_url(token), follow=True)
    assert "Token “Kiosk” revoked." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.get("/api/v1/cycles/").status_code == 401


@pytest.mark.parametrize("role", [Membership.Role.CX_MANAGER, Membership.Role.TEAM_LEAD, Membership.Role.VIEWER])
def test_members_who_are_not_admins_get_403_with_a_message(client, organization, role):
    token, _plaintext = api_token_create(organization=organization, name="Kiosk", scopes=["read"], created_by=None)
    user = MembershipFactory(organization=organization, role=role).user
    client.force_login(user)
    for response in (client.get(tokens_url(organization)),
                     client.post(tokens_url(organization), {"name": "Mine", "scopes": ["read"]}),
                     client.get(revoke_url(token)), client.post(revoke_url(token)),
                     client.get(reverse("touchpoints:tokens_home"))):
        assert response.status_code == 403
        assert "Only admins of the organization can manage API tokens." in response.content.decode()
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "API tokens" not in client.get(reverse("journeys:cycle_list")).content.decode()


def test_another_organizations_page_and_tokens_are_404(admin, organization, other_organization):
    foreign, _plaintext = api_token_create(organization=other_organization, name="Theirs", scopes=["read"],
                                           created_by=None)
    assert admin.get(tokens_url(other_organization)).status_code == 404
    assert admin.post(tokens_url(other_organization), {"name": "x", "scopes": ["read"]}).status_code == 404
    # Their token through our organization's URL, and through theirs.
    own_url = reverse("touchpoints:token_revoke", args=[organization.pk, foreign.pk])
    assert admin.get(own_url).status_code == 404
    assert admin.post(own_url).status_code == 404
    assert admin.post(revoke_url(foreign)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None and ApiToken.objects.count() == 1


def test_navigation_leads_admins_to_their_tokens(admin, organization):
    page = admin.get(reverse("journeys:cycle_list")).content.decode()
    assert f'href="{reverse("touchpoints:tokens_home")}"' in page
    response = admin.get(reverse("touchpoints:tokens_home"))
    assert response.status_code == 302 and response["Location"] == tokens_url(organization)


def test_tokens_page_query_count_does_not_grow_with_tokens(admin, organization, django_assert_max_num_queries):
    for index in range(8):
        api_token_create(organization=organization, name=f"T{index}", scopes=["read"], created_by=admin.user)
    with django_assert_max_num_queries(8):
        assert admin.get(tokens_url(organization)).status_code == 200
