"""The webhooks page: admins register, edit, pause, rotate and delete endpoints and
see every delivery attempt; other roles get 403, other organizations 404."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import Membership
from reviews.models import Webhook, WebhookDelivery, WebhookEvent
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(WebhookEvent.values)


@pytest.fixture
def admin_client(client, organization):
    client.force_login(MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user)
    return client


def _list_url(organization) -> str:
    return reverse("reviews:webhooks", args=[organization.pk])


def _hook(organization, **fields) -> Webhook:
    return Webhook.objects.create(organization=organization, url=fields.pop("url", "https://hooks.example/a"), **fields)


def test_an_admin_adds_a_webhook_and_sees_its_secret_once(admin_client, organization):
    response = admin_client.post(_list_url(organization), {
        "url": "  https://hooks.example/momento ", "description": "Ops channel", "events": ALL_EVENTS, "active": "on",
    })
    assert response.status_code == 200
    webhook = Webhook.objects.get(organization=organization)
    assert (webhook.url, webhook.description, webhook.events, webhook.active) == (
        "https://hooks.example/momento", "Ops channel", ALL_EVENTS, True)
    assert webhook.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # The list and the detail page never show it.
    for url in (_list_url(organization), reverse("reviews:webhook", args=[organization.pk, webhook.pk])):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert "https://hooks.example/momento" in page.content.decode()
        assert webhook.secret not in page.content.decode()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"url": "ftp://hooks.example/x", "events": ALL_EVENTS}, "url", "Enter an http:// or https:// URL."),
    ({"url": "", "events": ALL_EVENTS}, "url", "This field is required."),
    ({"url": "https://hooks.example/x"}, "events", "Choose at least one event."),
    ({"url": "https://hooks.example/x", "events": ["item.deleted"]}, "events", "Select a valid choice."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(admin_client, organization, data, field, message):
    response = admin_client.post(_list_url(organization), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Webhook.objects.exists()


def test_an_admin_edits_pauses_and_sees_the_delivery_attempts(admin_client, organization):
    webhook = _hook(organization)
    event_id = uuid.uuid4()
    now = timezone.now()
    WebhookDelivery.objects.create(webhook=webhook, event="review_item.opened", event_id=event_id, payload={},
                                   attempt=1, status_code=500, succeeded=False, started_at=now, finished_at=now,
                                   duration_ms=12, error="")
    WebhookDelivery.objects.create(webhook=webhook, event="review_item.opened", event_id=event_id, payload={},
                                   attempt=2, status_code=None, succeeded=False, started_at=now, finished_at=now,
                                   error="timed out after 5 s")
    url = reverse("reviews:webhook", args=[organization.pk, webhook.pk])
    page = admin_client.get(url).content.decode()
    assert "Refused (500)" in page and "timed out after 5 s" in page and "Review item opened" in page
    listing = admin_client.get(_list_url(organization)).content.decode()
    assert "2 attempts, 2 failed" in listing

    response = admin_client.post(url, {"url": "https://hooks.example/b", "events": ["review_item.status_changed"]})
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.url, webhook.events, webhook.active) == (
        "https://hooks.example/b", ["review_item.status_changed"], False)  # unticked: paused

    response = admin_client.post(url, {"url": "javascript:alert(1)", "events": ALL_EVENTS, "active": "on"})
    assert response.status_code == 400
    assert "Enter an http:// or https:// URL." in response.content.decode()
    webhook.refresh_from_db()
    assert webhook.url == "https://hooks.example/b" and webhook.active is False


def test_rotating_the_secret_shows_the_new_one_and_deleting_removes_the_webhook(admin_client, organization):
    webhook = _hook(organization)
    old_secret = webhook.secret
    rotate = reverse("reviews:webhook_rotate", args=[organization.pk, webhook.pk])
    assert admin_client.get(rotate).status_code == 200
    webhook.refresh_from_db()
    assert webhook.secret == old_secret  # asking is not doing
    response = admin_client.post(rotate)
    webhook.refresh_from_db()
    assert webhook.secret != old_secret and webhook.secret in response.content.decode()

    delete = reverse("reviews:webhook_delete", args=[organization.pk, webhook.pk])
    assert admin_client.get(delete).status_code == 200 and Webhook.objects.exists()
    response = admin_client.post(delete)
    assert response.status_code == 302 and response["Location"] == _list_url(organization)
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.TEAM_LEAD, Membership.Role.CX_MANAGER])
def test_only_admins_manage_webhooks(client, organization, role):
    webhook = _hook(organization)
    client.force_login(MembershipFactory(organization=organization, role=role).user)
    for url in (_list_url(organization), reverse("reviews:webhook", args=[organization.pk, webhook.pk]),
                reverse("reviews:webhooks_home")):
        response = client.get(url)
        assert response.status_code == 403
        assert "Only admins of the organization can manage webhooks." in response.content.decode()
    assert client.post(_list_url(organization), {"url": "https://x.example", "events": ALL_EVENTS}).status_code == 403
    assert client.post(reverse("reviews:webhook_delete", args=[organization.pk, webhook.pk])).status_code == 403
    assert Webhook.objects.count() == 1
    assert "Webhooks" not in client.get(reverse("journeys:cycle_list")).content.decode()


def test_another_organizations_webhooks_are_not_found(admin_client, organization, other_organization):
    theirs = _hook(other_organization, url="https://theirs.example/hook")
    assert admin_client.get(_list_url(other_organization)).status_code == 404
    for name in ("reviews:webhook", "reviews:webhook_rotate", "reviews:webhook_delete"):
        assert admin_client.get(reverse(name, args=[organization.pk, theirs.pk])).status_code == 404
        assert admin_client.post(reverse(name, args=[organization.pk, theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.url == "https://theirs.example/hook"


def test_the_navigation_leads_admins_to_their_webhooks(admin_client, organization):
    assert "Webhooks" in admin_client.get(reverse("journeys:cycle_list")).content.decode()
    response = admin_client.get(reverse("reviews:webhooks_home"))
    assert response.status_code == 302 and response["Location"] == _list_url(organization)


def test_the_list_page_queries_do_not_grow_with_webhooks_or_deliveries(admin_client, organization,
                                                                        django_assert_max_num_queries):
    for index in range(12):
        webhook = _hook(organization, url=f"https://hooks.example/{index}")
        for attempt in (1, 2):
            WebhookDelivery.objects.create(webhook=webhook, event="review_item.opened", event_id=uuid.uuid4(),
                                           payload={}, attempt=attempt, succeeded=True, status_code=200,
                                           started_at=timezone.now())
    with django_assert_max_num_queries(12):
        response = admin_client.get(_list_url(organization))
    assert response.content.decode().count("data-webhook-id=") == 12


def test_the_page_reads_in_spanish(admin_client, organization):
    _hook(organization)
    response = admin_client.get(_list_url(organization), HTTP_ACCEPT_LANGUAGE="es")
    page = response.content.decode()
    assert "Añadir un webhook" in page and "Intentos de entrega" in page
