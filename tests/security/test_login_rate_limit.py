"""Sign-in attempts are rate-limited per username and client address."""

from __future__ import annotations

import time
import uuid

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600


@pytest.fixture
def user():
    # A fresh name per test: with REDIS_URL the failure counts live in a shared cache.
    return UserFactory(username=f"dana-{uuid.uuid4().hex[:10]}")


def attempt(client: Client, password: str, username: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_after_the_limit_even_the_right_password_is_refused_with_429(client, user):
    for _attempt in range(3):
        response = attempt(client, "wrong", user.username)
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    response = attempt(client, PASSWORD, user.username)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "Too many failed attempts. Try again in 10 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_below_the_limit_the_right_password_still_works_and_resets_the_count(client, user):
    for _attempt in range(2):
        attempt(client, "wrong", user.username)
    assert attempt(client, PASSWORD, user.username).status_code == 302
    client.logout()
    for _attempt in range(2):
        attempt(client, "wrong", user.username)
    assert attempt(client, PASSWORD, user.username).status_code == 302, "a success clears the earlier failures"


def test_the_limit_is_per_username_and_address(user):
    other = UserFactory(username=f"erik-{uuid.uuid4().hex[:10]}")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _attempt in range(3):
        attempt(attacker, "wrong", user.username)
    assert attempt(attacker, PASSWORD, user.username).status_code == 429
    # The same person from their own address, and another user from the attacker's, are unaffected.
    assert attempt(Client(REMOTE_ADDR="198.51.100.7"), PASSWORD, user.username).status_code == 302
    assert attempt(attacker, PASSWORD, other.username).status_code == 302


def test_usernames_differing_in_case_share_one_count(client, user):
    for name in (user.username, user.username.upper(), user.username.capitalize()):
        attempt(client, "wrong", name)
    assert attempt(client, PASSWORD, user.username).status_code == 429


def test_the_backend_refuses_a_locked_username_without_checking_the_password(rf, user):
    request = rf.post("/admin/login/", REMOTE_ADDR="192.0.2.1")
    for _attempt in range(3):
        assert authenticate(request, username=user.username, password="wrong") is None
    assert authenticate(request, username=user.username, password=PASSWORD) is None  # the admin login shares it
    other = rf.post("/admin/login/", REMOTE_ADDR="192.0.2.2")
    assert authenticate(other, username=user.username, password=PASSWORD) == user


def test_the_window_passes(client, user, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 1
    for _attempt in range(3):
        attempt(client, "wrong", user.username)
    assert attempt(client, PASSWORD, user.username).status_code == 429
    time.sleep(1.1)
    assert attempt(client, PASSWORD, user.username).status_code == 302
