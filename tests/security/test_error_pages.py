"""With DEBUG=False errors never show a stack trace: plain, translated pages; JSON under /api/."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.boom_urls")]

LEAKS = ("Traceback", "hunter2", "SecretFailure", "page_that_fails", "boom_urls", 'File "', "settings.py")


@pytest.fixture
def quiet_client():
    return Client(raise_request_exception=False)


@override_settings(DEBUG=False)
def test_a_failing_page_shows_the_plain_error_page(quiet_client):
    response = quiet_client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert not [leak for leak in LEAKS if leak in body]
    assert response["Content-Security-Policy"]


@override_settings(DEBUG=False)
def test_a_failing_api_call_answers_json_without_details(quiet_client):
    response = quiet_client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert not [leak for leak in LEAKS if leak in response.content.decode()]


@override_settings(DEBUG=False)
def test_the_error_page_is_translated(quiet_client):
    response = quiet_client.get("/boom/", headers={"Accept-Language": "es"})
    assert response.status_code == 500
    assert '<html lang="es">' in response.content.decode()


@override_settings(DEBUG=False)
def test_a_missing_page_shows_the_plain_not_found_page(client, organization):
    from tests.factories import MembershipFactory

    client.force_login(MembershipFactory(organization=organization).user)
    response = client.get("/cycles/987654321/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body and "This page does not exist" in body
    assert not [leak for leak in LEAKS if leak in body]


@override_settings(DEBUG=False)
def test_an_unknown_api_object_is_json_404(client, organization):
    from tests.api_support import token_client

    response = token_client(organization).get("/api/v1/cycles/987654321/")
    assert response.status_code == 404 and "detail" in response.json()
