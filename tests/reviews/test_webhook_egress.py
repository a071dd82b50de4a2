"""Webhooks reach only public internet addresses (reviews.egress).

Every address class a tenant must not reach is refused when the URL is
registered (service, API and page: a field error, nothing saved) and again at
each delivery (an attempt recorded as not sent, no connection made), because
DNS may change in between. The delivery connects to the address it checked,
so a rebinding between check and connect cannot win; redirects are not
followed; the answer's status and timing are kept, its body never.
`MOMENTO_WEBHOOK_ALLOW_PRIVATE` lifts the address check (tests, on-premise).
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import ssl
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journeys.models import Membership
from reviews import egress
from reviews.models import Webhook, WebhookDelivery
from reviews.tasks import webhook_deliver
from reviews.webhooks import REDIRECT_ERROR, REFUSED_ERROR, webhook_create, webhook_deliver_once, webhook_update
from tests.api_support import member_client
from tests.conftest import PUBLIC_TEST_ADDRESS, skip_or_fail
from tests.factories import MembershipFactory
from tests.reviews.receiver import RESPONSE_MARKER, Receiver

pytestmark = pytest.mark.django_db

EVENT_ID = "00000000-0000-0000-0000-0000000000e1"
REFUSAL = "Momento sends events only to public internet addresses"

# (URL, what it is): every one must be refused, by literal address or by what a name resolves to.
NOT_PUBLIC = [
    ("http://127.0.0.1/hook", "IPv4 loopback"),
    ("http://127.8.9.10:8080/hook", "IPv4 loopback, not .1"),
    ("http://10.0.0.5/hook", "private 10/8"),
    ("http://172.16.0.1/hook", "private 172.16/12"),
    ("http://192.168.1.1/hook", "private 192.168/16"),
    ("http://100.64.0.1/hook", "shared address space (CGNAT)"),
    ("http://169.254.169.254/latest/meta-data/", "link-local: cloud metadata"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://224.0.0.1/hook", "IPv4 multicast"),
    ("http://240.0.0.1/hook", "reserved 240/4"),
    ("http://255.255.255.255/hook", "broadcast"),
    ("http://192.0.2.10/hook", "documentation TEST-NET-1"),
    ("http://198.18.0.1/hook", "benchmarking 198.18/15"),
    ("http://[::1]/hook", "IPv6 loopback"),
    ("http://[::]/hook", "IPv6 unspecified"),
    ("http://[fe80::1]/hook", "IPv6 link-local"),
    ("http://[fc00::1]/hook", "IPv6 unique local"),
    ("http://[fec0::1]/hook", "IPv6 site-local"),
    ("http://[ff02::1]/hook", "IPv6 multicast"),
    ("http://[::ffff:127.0.0.1]/hook", "IPv4-mapped loopback"),
    ("http://[::ffff:169.254.169.254]/hook", "IPv4-mapped metadata"),
    ("http://[64:ff9b::a00:5]/hook", "NAT64 of 10.0.0.5"),
    ("http://[2002:7f00:1::1]/hook", "6to4 of 127.0.0.1"),
    ("http://[2001:db8::1]/hook", "IPv6 documentation"),
    ("http://localhost:6379/", "localhost (Redis)"),
    ("http://intranet.internal.test/hook", "a name resolving to a private address"),
    ("http://split.internal.test/hook", "a name resolving to a public and a private address"),
    ("http://nowhere.invalid/hook", "a name that does not resolve"),
]
NOT_PUBLIC_IDS = [what for _url, what in NOT_PUBLIC]
INTERNAL_NAMES = {"intranet.internal.test": ["10.1.2.3"], "split.internal.test": [PUBLIC_TEST_ADDRESS, "10.1.2.3"]}


@pytest.fixture
def dns(monkeypatch):
    """The test's own DNS: names it sets resolve as told (a list per call, or always the same)."""
    from tests.conftest import offline_resolve

    answers: dict[str, list] = {name: [addresses] for name, addresses in INTERNAL_NAMES.items()}
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        if host in answers:
            queue = answers[host]
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return offline_resolve(host, port)

    monkeypatch.setattr(egress, "resolve", resolve)
    resolve.answers = answers
    resolve.lookups = lookups
    return resolve


@pytest.fixture
def no_connections(monkeypatch):
    """Fail if anything opens a socket to a webhook."""
    attempts = []

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"a connection to {address} was attempted")

    monkeypatch.setattr(egress.socket, "create_connection", refuse)
    return attempts


@pytest.fixture
def receiver():
    server = Receiver(slow_seconds=0.1).start()
    yield server
    server.stop()


# --- At registration -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [url for url, _what in NOT_PUBLIC], ids=NOT_PUBLIC_IDS)
def test_registration_refuses_every_non_public_address_class(organization, dns, no_connections, url):
    with pytest.raises(ValidationError) as error:
        webhook_create(organization=organization, url=url)
    assert "url" in error.value.message_dict
    assert not Webhook.objects.exists()
    assert no_connections == []


def test_an_unresolvable_name_gets_the_same_answer_as_an_internal_one(organization, dns):
    """Whether an internal name exists is no business of a tenant: one message for both."""
    messages = []
    for url in ("http://intranet.internal.test/hook", "http://nowhere.invalid/hook"):
        with pytest.raises(ValidationError) as error:
            webhook_create(organization=organization, url=url)
        messages.append(error.value.message_dict["url"])
    assert messages[0] == messages[1] and REFUSAL in messages[0][0]
    assert "10.1.2.3" not in messages[0][0]


def test_a_public_host_is_accepted(organization, dns):
    webhook = webhook_create(organization=organization, url="https://hooks.example.com/momento")
    assert webhook.url == "https://hooks.example.com/momento"


def test_changing_the_url_to_an_internal_address_is_refused_and_keeps_the_old_one(organization, dns):
    webhook = webhook_create(organization=organization, url="https://hooks.example.com/a")
    with pytest.raises(ValidationError) as error:
        webhook_update(webhook=webhook, url="http://169.254.169.254/latest/meta-data/")
    assert "url" in error.value.message_dict
    webhook.refresh_from_db()
    assert webhook.url == "https://hooks.example.com/a"


def test_the_api_answers_a_field_error_and_saves_nothing(organization, dns):
    client = member_client(organization)
    for url in ("http://10.0.0.5/hook", "http://intranet.internal.test/hook"):
        response = client.post("/api/v1/webhooks/", {"organization": organization.pk, "url": url}, format="json")
        assert response.status_code == 400, response.content
        assert REFUSAL in response.json()["url"][0]
    webhook = Webhook.objects.create(organization=organization, url="https://hooks.example.com/a")
    response = client.patch(f"/api/v1/webhooks/{webhook.pk}/", {"url": "http://[::1]:8000/"}, format="json")
    assert response.status_code == 400 and "url" in response.json()
    assert list(Webhook.objects.values_list("url", flat=True)) == ["https://hooks.example.com/a"]


def test_the_page_shows_the_refusal_in_spanish_and_saves_nothing(client, organization, dns):
    client.force_login(MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user)
    response = client.post(reverse("reviews:webhooks", args=[organization.pk]),
                           {"url": "http://192.168.1.1/hook", "events": ["review_item.opened"]},
                           HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert "Momento solo envía eventos a direcciones públicas de internet" in response.content.decode()
    assert not Webhook.objects.exists()


def test_the_setting_allows_private_receivers(organization, settings, dns):
    settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE = True
    webhook = webhook_create(organization=organization, url="http://10.0.0.5:8080/hook")
    assert webhook.url == "http://10.0.0.5:8080/hook"
    with pytest.raises(ValidationError) as error:
        webhook_create(organization=organization, url="http://nowhere.invalid/hook")
    assert error.value.message_dict["url"] == ["The host name does not resolve."]


def test_private_targets_are_refused_unless_the_setting_says_otherwise():
    from django.conf import settings

    assert settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE is False


# --- At delivery -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [url for url, _what in NOT_PUBLIC], ids=NOT_PUBLIC_IDS)
def test_delivery_refuses_every_non_public_address_class_without_connecting(organization, dns, no_connections,
                                                                             url):
    # Stored without the registration check (an old row, or DNS that changed since).
    webhook = Webhook.objects.create(organization=organization, url=url)
    delivery = webhook_deliver_once(webhook_id=webhook.pk, event="review_item.opened", event_id=EVENT_ID,
                                    payload={"id": 1})
    assert (delivery.succeeded, delivery.status_code, delivery.error) == (False, None, REFUSED_ERROR)
    assert no_connections == []


def test_a_dns_change_after_registration_is_caught_at_delivery(organization, dns, no_connections, caplog):
    dns.answers["hooks.rebind.test"] = [[PUBLIC_TEST_ADDRESS]]
    webhook = webhook_create(organization=organization, url="https://hooks.rebind.test/momento")
    dns.answers["hooks.rebind.test"] = [["10.9.8.7"]]
    webhook_deliver.apply(args=[webhook.pk, "review_item.opened", EVENT_ID, {"id": 1}])
    deliveries = WebhookDelivery.objects.filter(webhook=webhook)
    assert deliveries.exists() and all(d.error == REFUSED_ERROR and not d.succeeded for d in deliveries)
    assert no_connections == []
    assert "10.9.8.7" in caplog.text  # the operator's log says why; the tenant's page does not
    assert "10.9.8.7" not in json.dumps(list(deliveries.values("error", "status_code")))


def test_the_connection_goes_to_the_address_that_was_checked(organization, dns, receiver, monkeypatch):
    """DNS rebinding: the name answers a "public" address for the check, then an internal one.

    127.0.0.1 stands in for the public address (the receiver listens there); 127.0.0.2
    is the internal one (nothing listens there). Resolving again to connect, as urllib
    does, would reach 127.0.0.2 and fail.
    """
    real = egress.address_is_public
    monkeypatch.setattr(egress, "address_is_public",
                        lambda address: address == ipaddress.ip_address("127.0.0.1") or real(address))
    dns.answers["hooks.rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    webhook = Webhook.objects.create(organization=organization, url=f"http://hooks.rebind.test:{receiver.port}/ok")
    dns.lookups.clear()
    delivery = webhook_deliver_once(webhook_id=webhook.pk, event="review_item.opened", event_id=EVENT_ID,
                                    payload={"id": 1})
    assert delivery.succeeded, delivery.error
    assert dns.lookups == ["hooks.rebind.test"]  # resolved once, for the check
    [request] = receiver.received("/ok")
    assert request.headers["Host"] == f"hooks.rebind.test:{receiver.port}"


def test_a_redirect_is_not_followed(organization, settings, receiver):
    settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE = True
    webhook = webhook_create(organization=organization, url=receiver.url("/redirect"))
    delivery = webhook_deliver_once(webhook_id=webhook.pk, event="review_item.opened", event_id=EVENT_ID,
                                    payload={"id": 1})
    assert (delivery.status_code, delivery.succeeded, delivery.error) == (302, False, REDIRECT_ERROR)
    assert receiver.received("/ok") == []
    assert len(receiver.received("/redirect")) == 1


def test_status_and_timing_are_kept_but_never_the_answer_body(client, organization, settings, receiver):
    settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE = True
    settings.MOMENTO_WEBHOOK_MAX_ATTEMPTS = 1
    admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user
    failing = webhook_create(organization=organization, url=receiver.url("/fail"))
    working = webhook_create(organization=organization, url=receiver.url("/ok"))
    for webhook in (failing, working):
        webhook_deliver.apply(args=[webhook.pk, "review_item.opened", EVENT_ID, {"id": 1}])
    failed = WebhookDelivery.objects.get(webhook=failing)
    delivered = WebhookDelivery.objects.get(webhook=working)
    assert (failed.status_code, failed.succeeded, failed.error) == (500, False, "HTTP 500")
    assert (delivered.status_code, delivered.succeeded, delivered.error) == (200, True, "")
    assert failed.duration_ms is not None and delivered.finished_at is not None
    marker = RESPONSE_MARKER.decode()
    stored = json.dumps(list(WebhookDelivery.objects.values()), default=str)
    assert marker not in stored and "boom" not in stored
    client.force_login(admin)
    for webhook in (failing, working):
        page = client.get(reverse("reviews:webhook", args=[organization.pk, webhook.pk])).content.decode()
        assert marker not in page
        api = client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/")
        assert api.status_code == 200 and marker not in api.content.decode()
        assert "response_excerpt" not in api.content.decode()


def test_a_refused_delivery_reads_in_the_language_of_the_page(client, organization, dns):
    client.force_login(MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user)
    webhook = Webhook.objects.create(organization=organization, url="http://10.0.0.5/hook")
    webhook_deliver_once(webhook_id=webhook.pk, event="review_item.opened", event_id=EVENT_ID, payload={"id": 1})
    url = reverse("reviews:webhook", args=[organization.pk, webhook.pk])
    assert "does not resolve to a public internet address" in client.get(url).content.decode()
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "no se resuelve a una dirección pública de internet" in spanish


# --- HTTPS: the name of the URL, not the address, is what TLS checks ---------------------------


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for hooks.tls.test (key, cert paths)."""
    if not shutil.which("openssl"):
        skip_or_fail("needs the openssl command to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=hooks.tls.test", "-addext", "subjectAltName=DNS:hooks.tls.test", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return key, cert


@pytest.fixture
def tls_receiver(certificate):
    key, cert = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Receiver(tls=context).start()
    yield server
    server.stop()


def test_https_is_verified_against_the_url_host_and_sends_it_as_sni(organization, settings, dns, certificate,
                                                                    tls_receiver, monkeypatch):
    settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE = True
    _key, cert = certificate
    monkeypatch.setattr(egress, "tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    dns.answers["hooks.tls.test"] = [["127.0.0.1"]]
    dns.answers["other.tls.test"] = [["127.0.0.1"]]
    good = Webhook.objects.create(organization=organization, url=f"https://hooks.tls.test:{tls_receiver.port}/ok")
    delivery = webhook_deliver_once(webhook_id=good.pk, event="review_item.opened", event_id=EVENT_ID,
                                    payload={"id": 1})
    assert delivery.succeeded, delivery.error
    assert tls_receiver.server_names == ["hooks.tls.test"]
    # The same address under a name the certificate does not carry: refused by the TLS check.
    wrong = Webhook.objects.create(organization=organization, url=f"https://other.tls.test:{tls_receiver.port}/ok")
    delivery = webhook_deliver_once(webhook_id=wrong.pk, event="review_item.opened", event_id=EVENT_ID,
                                    payload={"id": 1})
    assert not delivery.succeeded and "certificate" in delivery.error.lower()
    assert len(tls_receiver.received("/ok")) == 1
