"""API tokens are stored hashed, compared in constant time, and their plaintext is nowhere in the database."""

from __future__ import annotations

import hashlib
import re
from unittest import mock

import pytest
from django.db import connection

from journeys import tokens
from journeys.models import ApiToken
from tests.api_support import member_client

pytestmark = pytest.mark.django_db


def database_text() -> str:
    """Every row of every table, as text: what a leaked database dump would show."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.append(repr(cursor.fetchall()))
    return "\n".join(chunks)


def test_a_token_created_through_the_api_is_stored_only_as_a_hash(organization):
    client = member_client(organization)
    response = client.post("/api/v1/tokens/", {"organization": organization.pk, "name": "Kiosks",
                                               "scopes": ["ingest"]}, format="json")
    assert response.status_code == 201
    plaintext = response.json()["token"]
    secret = plaintext.split("_", 2)[2]  # the secret itself may contain "_"
    dump = database_text()
    assert plaintext not in dump and secret not in dump
    stored = ApiToken.objects.get(pk=response.json()["id"])
    assert stored.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert re.fullmatch(r"mom_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", plaintext), "256 bits of randomness"


def test_a_token_created_on_the_page_is_not_stored_either(client, organization):
    from tests.factories import MembershipFactory

    client.force_login(MembershipFactory(organization=organization).user)
    response = client.post(f"/organizations/{organization.pk}/tokens/", {"name": "Survey tool", "scopes": ["read"]})
    assert response.status_code == 200
    plaintext = response.context["plaintext"]
    assert plaintext in response.content.decode(), "shown once"
    assert plaintext not in database_text()
    assert "no-store" in response["Cache-Control"]


def test_authentication_compares_the_hash_in_constant_time(organization):
    _token, plaintext = tokens.api_token_create(organization=organization, name="x", scopes=["read"],
                                                created_by=None)
    with mock.patch.object(tokens.hmac, "compare_digest", wraps=tokens.hmac.compare_digest) as compare:
        assert tokens.api_token_authenticate(plaintext=plaintext) is not None
        assert tokens.api_token_authenticate(plaintext=plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    assert compare.call_count == 2


def test_a_revoked_or_altered_token_is_refused(organization):
    token, plaintext = tokens.api_token_create(organization=organization, name="x", scopes=["read"],
                                               created_by=None)
    prefix = plaintext.split("_")[1]
    assert tokens.api_token_authenticate(plaintext=f"mom_{prefix}_" + "A" * 43) is None
    tokens.api_token_revoke(token=token)
    assert tokens.api_token_authenticate(plaintext=plaintext) is None
