"""Helpers for API tests: clients authenticated as a member or with a token."""

from __future__ import annotations

from rest_framework.test import APIClient

from journeys.models import Membership
from journeys.tokens import api_token_create
from tests.factories import MembershipFactory, UserFactory


def member_client(organization, role: str = Membership.Role.ADMIN, user=None) -> APIClient:
    user = user or UserFactory()
    MembershipFactory(user=user, organization=organization, role=role)
    client = APIClient()
    client.force_authenticate(user=user)
    client.user = user
    return client


def token_client(organization, scopes=("ingest", "read")) -> APIClient:
    token, plaintext = api_token_create(organization=organization, name="client", scopes=scopes, created_by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    client.token = token
    client.plaintext = plaintext
    return client
