"""Behind proxies of our own (docker-compose's), the client's address is the one
the outermost of them saw, so limits by address count customers, not the proxy."""

from __future__ import annotations

import uuid

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from momento.security import ForwardedForMiddleware
from tests.factories import UserFactory


def seen_address(settings, *, proxies: int, forwarded: str | None, peer: str = "172.18.0.5") -> str:
    settings.MOMENTO_TRUSTED_PROXIES = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **extra)
    middleware = ForwardedForMiddleware(lambda request: HttpResponse(request.META["REMOTE_ADDR"]))
    return middleware(request).content.decode()


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    # No proxies configured: the header is the client's word and is ignored.
    (0, "198.51.100.7", "172.18.0.5"),
    # One proxy: the address it appended, whatever the client wrote before it.
    (1, "198.51.100.7", "198.51.100.7"),
    (1, "10.0.0.1, 198.51.100.7", "198.51.100.7"),
    # Two (a TLS proxy in front of ours): the address the outer one saw.
    (2, "10.0.0.1, 198.51.100.7, 192.0.2.10", "198.51.100.7"),
    # Fewer entries than proxies, or none: the connection's peer.
    (2, "198.51.100.7", "172.18.0.5"),
    (1, None, "172.18.0.5"),
    (1, "", "172.18.0.5"),
])
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(settings, proxies, forwarded, expected):
    assert seen_address(settings, proxies=proxies, forwarded=forwarded) == expected


@pytest.mark.django_db
def test_behind_the_proxy_the_sign_in_limit_counts_each_client_not_the_proxy(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    settings.MOMENTO_TRUSTED_PROXIES = 1
    user = UserFactory(username=f"dana-{uuid.uuid4().hex[:10]}")
    attacker = Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _attempt in range(3):
        attacker.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert attacker.post("/accounts/login/", {"username": user.username, "password": "x"}).status_code == 429
    # The same proxy, another customer: signs in.
    customer = Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = customer.post("/accounts/login/", {"username": user.username,
                                                  "password": "correct horse battery staple"})
    assert response.status_code == 302
    # Spoofing the header does not escape the limit: the proxy appends the real address.
    spoofer = Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert spoofer.post("/accounts/login/", {"username": user.username, "password": "x"}).status_code == 429
