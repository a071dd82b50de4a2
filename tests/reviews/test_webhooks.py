"""Webhooks: signed deliveries to a local receiver, retries with backoff, every attempt recorded."""

from __future__ import annotations

import json
import time

import pytest
from django.core.exceptions import ValidationError

from reviews.models import ReviewItem, Webhook, WebhookDelivery
from reviews.services import review_item_transition, review_week_open
from reviews.tasks import webhook_deliver
from reviews.webhooks import (
    signature_compute,
    signature_verify,
    webhook_create,
    webhook_update,
)
from tests.reviews.conftest import add_ratings
from tests.reviews.receiver import Receiver

pytestmark = pytest.mark.django_db

EVENT_ID = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def receiver():
    server = Receiver(slow_seconds=2.0).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fast_webhooks(settings):
    settings.MOMENTO_WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.MOMENTO_WEBHOOK_MAX_ATTEMPTS = 3
    # The receiver listens on 127.0.0.1, which webhooks may reach only when allowed
    # (tests/reviews/test_webhook_egress.py covers the refusal).
    settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def opened(cycle, carousel, lost_desk, gate, week, django_capture_on_commit_callbacks):
    # Two items: the carousel alone (its moment is not critical as a whole) and the boarding moment.
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=100, dissatisfied=1)
    add_ratings(gate, week_start=week, n=40, dissatisfied=20)

    def open_week():
        with django_capture_on_commit_callbacks(execute=True):
            return review_week_open(cycle=cycle, week_start=week)
    return open_week


def test_opening_items_posts_a_correctly_signed_event(organization, receiver, opened):
    webhook = webhook_create(organization=organization, url=receiver.url("/ok"))

    items = opened()

    requests = receiver.received("/ok")
    assert len(requests) == len(items) == 2
    request = requests[0]
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-momento-event"] == "review_item.opened"
    assert signature_verify(
        secret=webhook.secret, timestamp=headers["x-momento-timestamp"], body=request.body,
        signature=headers["x-momento-signature"],
    )
    expected = signature_compute(secret=webhook.secret, timestamp=headers["x-momento-timestamp"], body=request.body)
    assert headers["x-momento-signature"] == expected
    event = json.loads(request.body)
    assert event["event"] == "review_item.opened" and event["id"] == headers["x-momento-delivery"]
    assert event["data"]["status"] == "open"
    assert event["data"]["figures"]["n"] in {40}
    assert WebhookDelivery.objects.filter(succeeded=True, status_code=200, attempt=1).count() == 2


def test_a_signature_made_with_another_secret_or_an_old_timestamp_does_not_verify():
    body = b'{"a":1}'
    now = int(time.time())
    good = signature_compute(secret="right", timestamp=now, body=body)
    assert signature_verify(secret="right", timestamp=str(now), body=body, signature=good)
    assert not signature_verify(secret="wrong", timestamp=str(now), body=body, signature=good)
    assert not signature_verify(secret="right", timestamp=str(now), body=b'{"a":2}', signature=good)
    old = signature_compute(secret="right", timestamp=now - 3600, body=body)
    assert not signature_verify(secret="right", timestamp=str(now - 3600), body=body, signature=old)


def test_status_changes_post_an_event_with_the_previous_status(organization, receiver, opened, team_lead,
                                                               django_capture_on_commit_callbacks):
    opened()
    webhook_create(organization=organization, url=receiver.url("/ok"), events=["review_item.status_changed"])
    item = ReviewItem.objects.filter(touchpoint__isnull=False).get()

    with django_capture_on_commit_callbacks(execute=True):
        review_item_transition(item=item, status="acknowledged", actor=team_lead)

    [request] = receiver.received("/ok")
    event = json.loads(request.body)
    assert event["event"] == "review_item.status_changed"
    assert event["data"]["status"] == "acknowledged" and event["data"]["previous_status"] == "open"


def test_a_500_endpoint_is_retried_and_every_attempt_recorded(organization, receiver):
    webhook = webhook_create(organization=organization, url=receiver.url("/fail"))

    result = webhook_deliver.apply(args=[webhook.pk, "review_item.opened", EVENT_ID, {"id": EVENT_ID}]).get()

    deliveries = list(WebhookDelivery.objects.filter(webhook=webhook).order_by("attempt"))
    assert [delivery.attempt for delivery in deliveries] == [1, 2, 3]
    assert all(delivery.status_code == 500 and not delivery.succeeded for delivery in deliveries)
    assert all(delivery.error == "HTTP 500" for delivery in deliveries)
    assert all(delivery.payload == {"id": EVENT_ID} for delivery in deliveries)
    assert len(receiver.received("/fail")) == 3
    assert result["gave_up"] is True


class RetryRequested(Exception):
    def __init__(self, countdown):
        self.countdown = countdown


def test_on_a_worker_failures_are_retried_later_with_exponential_backoff(organization, receiver, monkeypatch):
    webhook = webhook_create(organization=organization, url=receiver.url("/fail"))

    def fake_retry(*args, countdown=None, **kwargs):
        raise RetryRequested(countdown)

    monkeypatch.setattr(webhook_deliver, "retry", fake_retry)
    countdowns = []
    webhook_deliver.push_request(is_eager=False, retries=0)
    try:
        for _attempt in range(3):
            try:
                result = webhook_deliver.run(webhook.pk, "review_item.opened", EVENT_ID, {"id": EVENT_ID})
            except RetryRequested as retry:
                countdowns.append(retry.countdown)
    finally:
        webhook_deliver.pop_request()

    assert countdowns == [30, 60]  # then the third (last) attempt gives up
    assert result["gave_up"] is True and result["attempt"] == 3
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 3


def test_a_timing_out_endpoint_is_retried_and_recorded(organization, receiver):
    webhook = webhook_create(organization=organization, url=receiver.url("/slow"))

    started = time.monotonic()
    webhook_deliver.apply(args=[webhook.pk, "review_item.opened", "00000000-0000-0000-0000-000000000002", {"x": 1}])

    deliveries = list(WebhookDelivery.objects.filter(webhook=webhook).order_by("attempt"))
    assert [delivery.attempt for delivery in deliveries] == [1, 2, 3]
    assert all(delivery.status_code is None and "Timed out" in delivery.error for delivery in deliveries)
    assert time.monotonic() - started < 3 * 0.5 + 3  # each attempt gave up at the timeout


def test_a_failing_webhook_does_not_stop_the_others(organization, receiver, opened):
    webhook_create(organization=organization, url=receiver.url("/fail"))
    webhook_create(organization=organization, url="http://127.0.0.1:9/closed-port")
    healthy = webhook_create(organization=organization, url=receiver.url("/ok"))

    items = opened()

    assert len(items) == 2
    assert len(receiver.received("/ok")) == 2
    assert WebhookDelivery.objects.filter(webhook=healthy, succeeded=True).count() == 2
    refused = WebhookDelivery.objects.filter(webhook__url__endswith="closed-port")
    assert refused.count() == 2 * 3 and all(delivery.error for delivery in refused)


def test_a_delivered_event_is_not_sent_again_when_the_task_is_redelivered(organization, receiver):
    webhook = webhook_create(organization=organization, url=receiver.url("/ok"))
    args = [webhook.pk, "review_item.opened", "00000000-0000-0000-0000-000000000003", {"x": 1}]
    webhook_deliver.apply(args=args)
    webhook_deliver.apply(args=args)
    assert len(receiver.received("/ok")) == 1
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 1


def test_inactive_or_unsubscribed_webhooks_get_nothing(organization, receiver, opened):
    paused = webhook_create(organization=organization, url=receiver.url("/ok"), active=False)
    webhook_create(organization=organization, url=receiver.url("/ok"), events=["review_item.status_changed"])

    opened()

    assert receiver.requests == []
    assert not WebhookDelivery.objects.filter(webhook=paused).exists()


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)",
                                 "example.com/hook", "", "http://"])
def test_a_webhook_url_that_is_not_http_or_https_is_refused(organization, url):
    with pytest.raises(ValidationError) as error:
        webhook_create(organization=organization, url=url)
    assert "url" in error.value.message_dict
    assert not Webhook.objects.exists()


def test_unknown_events_are_refused(organization):
    with pytest.raises(ValidationError) as error:
        webhook_create(organization=organization, url="https://example.com/hook", events=["item.deleted"])
    assert "events" in error.value.message_dict


def test_updating_to_a_bad_url_keeps_the_old_one(organization):
    webhook = webhook_create(organization=organization, url="https://example.com/hook")
    with pytest.raises(ValidationError):
        webhook_update(webhook=webhook, url="gopher://example.com")
    webhook.refresh_from_db()
    assert webhook.url == "https://example.com/hook"


def test_each_webhook_gets_its_own_secret(organization):
    first = webhook_create(organization=organization, url="https://example.com/a")
    second = webhook_create(organization=organization, url="https://example.com/b")
    assert len(first.secret) == 64 and first.secret != second.secret
