"""The whole path of an alert, as "How it will be checked" runs it (issue 16): ratings that
make one moment critical and four others merely noisy arrive through the API; exactly one
alert opens and a local receiver gets a validly signed `alert.opened`; the moment recovers
and the receiver gets `alert.closed`. Tasks run in-process (the embedded mode)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from analytics.models import Alert
from reviews.webhooks import signature_verify, webhook_create
from tests.api_support import token_client
from tests.factories import MomentFactory, TouchpointFactory
from tests.reviews.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def batch(touchpoint, *, n: int, dissatisfied: int, tag: str) -> list[dict]:
    at = timezone.now() - dt.timedelta(hours=2)
    return [{"touchpoint_key": touchpoint.key, "score": 1 if index < dissatisfied else 5,
             "occurred_at": (at + dt.timedelta(seconds=index)).isoformat(), "external_id": f"{tag}-{index}"}
            for index in range(n)]


def test_one_critical_moment_among_noisy_ones_opens_one_alert_and_closes_it_on_recovery(
        settings, celery_in_process, organization, cycle, moment, carousel, team_lead, receiver,
        django_capture_on_commit_callbacks):
    settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE = True
    webhook = webhook_create(organization=organization, url=receiver.url("/ok"))
    noisy = [TouchpointFactory(moment=MomentFactory(cycle=cycle, name=f"Noisy {index}"), key=f"noisy-{index}")
             for index in range(4)]
    client = token_client(organization, scopes=("ingest", "read"))

    def send(ratings: list[dict]) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/ratings/batch/", {"ratings": ratings}, format="json")
        assert response.status_code == 201, response.content

    # 60 of 100 at the carousel (Wilson 95 %: 50–69 %); the others 12–30 %, n = 40–60.
    send(batch(carousel, n=100, dissatisfied=60, tag="bad")
         + [row for index, touchpoint in enumerate(noisy)
            for row in batch(touchpoint, n=40 + 5 * index, dissatisfied=6 + 2 * index, tag=f"noise{index}")])
    assert Alert.objects.count() == 1
    alert = Alert.objects.get()
    assert (alert.moment_id, alert.subject, alert.n, alert.dissatisfied) == (moment.pk, "moment", 100, 60)
    (opened,) = receiver.received("/ok")
    headers = opened.headers
    assert headers["X-Momento-Event"] == "alert.opened"
    assert signature_verify(secret=webhook.secret, timestamp=headers["X-Momento-Timestamp"], body=opened.body,
                            signature=headers["X-Momento-Signature"])
    assert json.loads(opened.body)["data"]["moment"]["name"] == "Baggage claim"
    assert [message.to for message in mail.outbox] == [[team_lead.email]]  # the owner and team lead: one person

    # More noise changes nothing; 900 satisfied customers at the carousel: 60 of 1,000, upper bound 7.6 %.
    send(batch(noisy[0], n=20, dissatisfied=4, tag="more-noise"))
    assert Alert.objects.count() == 1 and len(receiver.received("/ok")) == 1
    send(batch(carousel, n=900, dissatisfied=0, tag="good"))
    alert.refresh_from_db()
    assert (alert.close_reason, alert.latest_n, alert.latest_dissatisfied) == ("recovered", 1000, 60)
    closed = receiver.received("/ok")[1]
    assert closed.headers["X-Momento-Event"] == "alert.closed"
    assert signature_verify(secret=webhook.secret, timestamp=closed.headers["X-Momento-Timestamp"],
                            body=closed.body, signature=closed.headers["X-Momento-Signature"])
    assert json.loads(closed.body)["data"]["close_reason"] == "recovered"
    assert Alert.objects.count() == 1
