"""API tokens: hashed at rest, shown once, revocable, last use recorded; throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from journeys.models import ApiToken, Membership
from journeys.tokens import api_token_create, api_token_revoke
from tests.api_support import member_client, token_client
from tests.factories import OrganizationFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_its_plaintext_returned_once(organization):
    token, plaintext = api_token_create(organization=organization, name="Kiosk", scopes=["ingest"], created_by=None)
    assert plaintext.startswith(f"mom_{token.prefix}_") and len(plaintext) > 40
    stored = ApiToken.objects.get()
    assert plaintext not in (stored.secret_hash, stored.prefix)
    assert stored.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()


@pytest.mark.parametrize(("name", "scopes"), [("", ["read"]), ("x", []), ("x", ["admin"])])
def test_token_needs_a_name_and_known_scopes(organization, name, scopes):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(organization=organization, name=name, scopes=scopes, created_by=None)
    assert not ApiToken.objects.exists()


def test_revoked_or_wrong_token_is_401(organization):
    client = token_client(organization, scopes=["read"])
    assert client.get("/api/v1/cycles/").status_code == 200
    api_token_revoke(token=client.token)
    assert client.get("/api/v1/cycles/").status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION=client.plaintext[:-2] + "xx")
    assert forged.get("/api/v1/cycles/").status_code == 401
    garbage = APIClient()
    garbage.credentials(HTTP_AUTHORIZATION="Bearer")
    assert garbage.get("/api/v1/cycles/").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(organization, django_assert_max_num_queries):
    client = token_client(organization, scopes=["read"])
    client.get("/api/v1/organizations/")
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/organizations/")
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/v1/organizations/")
    assert ApiToken.objects.get().last_used_at > first


def test_token_sees_only_its_organization(organization, other_organization):
    client = token_client(organization, scopes=["read"])
    ids = [item["id"] for item in client.get("/api/v1/organizations/").json()["results"]]
    assert ids == [organization.pk]
    assert client.get(f"/api/v1/organizations/{other_organization.pk}/").status_code == 404


def test_admin_creates_lists_and_revokes_tokens_through_the_api(organization):
    admin = member_client(organization, role=Membership.Role.ADMIN)
    created = admin.post("/api/v1/tokens/", {"organization": organization.pk, "name": "Survey tool",
                                             "scopes": ["ingest"]}, format="json")
    assert created.status_code == 201
    plaintext = created.json()["token"]
    listed = admin.get("/api/v1/tokens/").json()["results"]
    assert [item["name"] for item in listed] == ["Survey tool"] and "token" not in listed[0]
    assert admin.delete(f"/api/v1/tokens/{created.json()['id']}/").status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.post("/api/v1/ratings/", {"score": 1}, format="json").status_code == 401


def test_only_admins_manage_tokens_and_tokens_cannot_mint_tokens(organization):
    manager = member_client(organization, role=Membership.Role.CX_MANAGER)
    body = {"organization": organization.pk, "name": "x", "scopes": ["read"]}
    assert manager.post("/api/v1/tokens/", body, format="json").status_code == 403
    assert manager.get("/api/v1/tokens/").status_code == 403
    assert token_client(organization).post("/api/v1/tokens/", body, format="json").status_code == 403


def test_token_of_another_organization_is_404_for_its_admin(organization, other_organization):
    theirs, _plaintext = api_token_create(organization=other_organization, name="t", scopes=["read"], created_by=None)
    admin = member_client(organization)
    assert admin.get(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert admin.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    refused = admin.post("/api/v1/tokens/", {"organization": other_organization.pk, "name": "x",
                                             "scopes": ["read"]}, format="json")
    assert refused.status_code == 400
    assert ApiToken.objects.get().revoked_at is None


def test_ingest_is_throttled_per_token_with_retry_after(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100/s",
                                                                                    "ingest": "3/m"}}
    touchpoint = TouchpointFactory()
    first, second = token_client(touchpoint.organization), token_client(touchpoint.organization)
    body = json.dumps({"touchpoint": touchpoint.pk, "score": 3})
    statuses = [first.post("/api/v1/ratings/", body, content_type="application/json").status_code
                for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = first.post("/api/v1/ratings/", body, content_type="application/json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    # Another token of the same organization has its own allowance.
    assert second.post("/api/v1/ratings/", body, content_type="application/json").status_code == 201


def test_reads_are_throttled_per_user(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "2/m",
                                                                                    "ingest": "100/s"}}
    organization = OrganizationFactory()
    client = member_client(organization)
    statuses = [client.get("/api/v1/cycles/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert member_client(organization).get("/api/v1/cycles/").status_code == 200
