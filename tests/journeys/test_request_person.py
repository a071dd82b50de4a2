"""`request_person`: the actor of an API change is a signed-in person, never a token."""

import pytest
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from journeys.authentication import TokenUser
from journeys.permissions import request_person
from journeys.tokens import api_token_create

pytestmark = pytest.mark.django_db


def _request(user) -> Request:
    django_request = APIRequestFactory().post("/api/v1/review-items/1/actions/")
    force_authenticate(django_request, user=user)
    return Request(django_request)


def test_a_signed_in_person_is_the_actor(member):
    assert request_person(_request(member)) == member


def test_a_token_is_refused_rather_than_signed_as_the_actor(organization):
    token, _plaintext = api_token_create(organization=organization, name="client", scopes=["ingest"], created_by=None)
    with pytest.raises(PermissionDenied):
        request_person(_request(TokenUser(token)))
