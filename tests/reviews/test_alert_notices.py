"""Alerts reach people and systems (reviews.alert_notices): e-mail in each recipient's
language to whom the organization chose, signed webhook events, Slack messages, quiet
hours, each notice once, nothing lost."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from analytics import services as analytics_services
from analytics.models import Alert
from journeys.models import Membership, Profile
from journeys.profiles import organization_alert_settings_update, profile_language_set
from journeys.services import moment_remove
from reviews import alert_notices
from reviews.models import AlertNotice, Webhook, WebhookDelivery
from reviews.webhooks import signature_verify, webhook_create
from tests.analytics.alert_data import add_ratings
from tests.factories import MembershipFactory, UserFactory
from tests.reviews.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fast_webhooks(settings):
    settings.MOMENTO_WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.MOMENTO_WEBHOOK_MAX_ATTEMPTS = 3
    settings.MOMENTO_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1


@pytest.fixture
def owner(organization):
    return MembershipFactory(organization=organization, role=Membership.Role.CX_MANAGER,
                             user=UserFactory(username="olga", email="olga@example.com")).user


@pytest.fixture
def critical(moment, carousel, owner, django_capture_on_commit_callbacks):
    """Make the baggage claim critical and run the refresh (its scan announces the alert)."""
    moment.owner = owner
    moment.save(update_fields=["owner"])

    def run(**kwargs):
        add_ratings(carousel, n=100, dissatisfied=55, days_ago=2, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            analytics_services.rollups_refresh_and_fan_out()
        return Alert.objects.filter(moment=moment).order_by("-pk").first()
    return run


def recover(carousel, django_capture_on_commit_callbacks):
    add_ratings(carousel, n=900, dissatisfied=0, days_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        analytics_services.rollups_refresh_and_fan_out()


def test_an_opened_alert_emails_the_owner_and_the_team_leads_each_in_their_language(critical, owner, team_lead):
    profile_language_set(user=owner, language="es")
    alert = critical()
    assert alert is not None and alert.is_open
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {owner.email, team_lead.email}
    spanish, english = by_address[owner.email], by_address[team_lead.email]
    assert spanish.subject == "Alerta de Momento: Baggage claim es crítico (55 % insatisfechos)"
    assert english.subject == "Momento alert: Baggage claim is critical (55% dissatisfied)"
    assert "Eres responsable de este momento." in spanish.body and "You own this moment." not in english.body
    assert "/organizations/" in english.body and f"#alert-{alert.pk}" in english.body
    assert '<html lang="es">' in spanish.alternatives[0][0]
    notice = AlertNotice.objects.get(alert=alert)
    assert (notice.event, notice.emails_sent) == ("alert.opened", 2) and notice.sent_at is not None


@pytest.mark.parametrize(("choice", "who"), [("owner", {"owner"}), ("team_leads", {"team lead"}), ("none", set())])
def test_the_organization_chooses_who_is_emailed(choice, who, organization, critical, owner, team_lead):
    organization_alert_settings_update(organization=organization, alert_recipients=choice)
    critical()
    addresses = {"owner": owner.email, "team lead": team_lead.email}
    assert {message.to[0] for message in mail.outbox} == {addresses[name] for name in who}


def test_an_owner_who_left_the_organization_is_not_emailed(organization, critical, owner, team_lead):
    Membership.objects.filter(user=owner, organization=organization).delete()
    alert = critical()
    assert alert is not None
    assert [message.to for message in mail.outbox] == [[team_lead.email]]


def test_webhooks_get_signed_alert_opened_then_alert_closed(organization, critical, carousel, receiver,
                                                            django_capture_on_commit_callbacks):
    webhook = webhook_create(organization=organization, url=receiver.url("/ok"), events=["alert.opened",
                                                                                         "alert.closed"])
    alert = critical()
    recover(carousel, django_capture_on_commit_callbacks)
    requests = receiver.received("/ok")
    assert [request.headers["X-Momento-Event"] for request in requests] == ["alert.opened", "alert.closed"]
    for request in requests:
        assert signature_verify(secret=webhook.secret, timestamp=request.headers["X-Momento-Timestamp"],
                                body=request.body, signature=request.headers["X-Momento-Signature"])
    opened, closed = (json.loads(request.body) for request in requests)
    assert opened["id"] == requests[0].headers["X-Momento-Delivery"]
    assert opened["data"]["id"] == closed["data"]["id"] == alert.pk
    assert (opened["data"]["status"], opened["data"]["figures"]["n"], opened["data"]["moment"]["name"]) == (
        "open", 100, "Baggage claim")
    assert (closed["data"]["status"], closed["data"]["close_reason"], closed["data"]["latest"]["n"]) == (
        "closed", "recovered", 1000)
    assert len(mail.outbox) == 4  # two people, twice


def test_a_webhook_subscribed_to_review_events_only_gets_no_alert(organization, critical, receiver):
    webhook_create(organization=organization, url=receiver.url("/ok"), events=["review_item.opened"])
    critical()
    assert receiver.requests == []


def test_a_slack_webhook_gets_a_slack_message_in_its_language(organization, critical, receiver):
    webhook = webhook_create(organization=organization, url=receiver.url("/ok"), kind="slack", language="es")
    alert = critical()
    (request,) = receiver.received("/ok")
    message = json.loads(request.body)
    assert set(message) == {"text", "blocks"}
    assert message["text"].startswith(":rotating_light: Alerta: el momento *Baggage claim*")
    # Wilson 95 % of 55/100: 45.2–64.3 %; Spanish writes "55 %" with a no-break space.
    assert "55\u00a0% insatisfechos (intervalo del 95% 45–64\u00a0%), n = 100" in message["text"]
    assert message["blocks"][0] == {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}}
    assert message["blocks"][1]["elements"][0]["url"].endswith(f"#alert-{alert.pk}")
    assert signature_verify(secret=webhook.secret, timestamp=request.headers["X-Momento-Timestamp"],
                            body=request.body, signature=request.headers["X-Momento-Signature"])
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.payload["event"] == "alert.opened"  # the record keeps the event itself


def test_a_slack_webhook_answering_404_is_recorded_and_retried_and_nothing_fails(organization, critical, receiver,
                                                                                admin_client_of):
    webhook = webhook_create(organization=organization, url=receiver.url("/gone"), kind="slack")
    alert = critical()
    assert alert is not None and alert.is_open
    attempts = list(WebhookDelivery.objects.filter(webhook=webhook).order_by("attempt"))
    assert [(attempt.attempt, attempt.status_code, attempt.succeeded, attempt.error) for attempt in attempts] == [
        (1, 404, False, "HTTP 404"), (2, 404, False, "HTTP 404"), (3, 404, False, "HTTP 404")]
    assert len({attempt.event_id for attempt in attempts}) == 1
    assert len(mail.outbox) == 2  # the e-mails went out regardless
    page = admin_client_of(organization).get(f"/organizations/{organization.pk}/webhooks/{webhook.pk}/")
    assert page.status_code == 200 and "404" in page.content.decode()


@pytest.fixture
def admin_client_of(client):
    def make(organization):
        admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user
        client.force_login(admin)
        return client
    return make


def test_an_alert_found_in_quiet_hours_is_sent_once_when_they_end(organization, critical, receiver,
                                                                  django_capture_on_commit_callbacks):
    webhook_create(organization=organization, url=receiver.url("/ok"))
    now = timezone.now()
    # Quiet from an hour ago until in two hours, in New York time.
    zone = "America/New_York"
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    organization_alert_settings_update(
        organization=organization, quiet_hours_start=(local - dt.timedelta(hours=1)).time().replace(second=0,
                                                                                                   microsecond=0),
        quiet_hours_end=(local + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0),
        quiet_hours_timezone=zone)
    alert = critical()
    notice = AlertNotice.objects.get(alert=alert)
    assert notice.sent_at is None and notice.due_at > now + dt.timedelta(hours=1)
    assert mail.outbox == [] and receiver.requests == []
    assert alert_notices.alert_notices_send_due(now=notice.due_at - dt.timedelta(minutes=1)) == []  # still quiet
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        sent = alert_notices.alert_notices_send_due(now=notice.due_at + dt.timedelta(minutes=1))
    assert [outcome.sent for outcome in sent] == [True]
    assert len(mail.outbox) == 2 and len(receiver.received("/ok")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_notices.alert_notices_send_due(now=notice.due_at + dt.timedelta(minutes=10)) == []
    assert len(mail.outbox) == 2 and len(receiver.received("/ok")) == 1


def test_quiet_hours_set_after_the_notice_was_made_still_hold_it_back(organization, critical, monkeypatch):
    monkeypatch.setattr(alert_notices, "alert_notices_send_due", lambda **kwargs: [])  # made, not sent
    alert = critical()
    notice = AlertNotice.objects.get(alert=alert)
    now = timezone.now()
    organization_alert_settings_update(
        organization=organization, quiet_hours_start=(now - dt.timedelta(hours=1)).time().replace(microsecond=0),
        quiet_hours_end=(now + dt.timedelta(hours=1)).time().replace(microsecond=0), quiet_hours_timezone="UTC")
    outcome = alert_notices.alert_notice_send(notice_id=notice.pk, now=now)
    assert not outcome.sent and outcome.deferred_until is not None and outcome.deferred_until > now
    notice.refresh_from_db()
    assert notice.sent_at is None and notice.due_at == outcome.deferred_until
    assert mail.outbox == []


def test_a_notice_is_sent_once_even_when_asked_twice(critical, monkeypatch):
    monkeypatch.setattr(alert_notices, "alert_notices_send_due", lambda **kwargs: [])
    alert = critical()
    notice = AlertNotice.objects.get(alert=alert)
    first = alert_notices.alert_notice_send(notice_id=notice.pk)
    second = alert_notices.alert_notice_send(notice_id=notice.pk)
    assert (first.sent, second.sent) == (True, False)
    assert len(mail.outbox) == 2


def test_a_failing_mail_server_releases_the_notice_for_the_next_try(critical, monkeypatch):
    monkeypatch.setattr(alert_notices, "alert_notices_send_due", lambda **kwargs: [])
    alert = critical()
    notice = AlertNotice.objects.get(alert=alert)

    class Down:
        def send_messages(self, messages):
            raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as patched:
        patched.setattr(alert_notices, "get_connection", lambda: Down())
        with pytest.raises(ConnectionRefusedError):
            alert_notices.alert_notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert alert_notices.alert_notice_send(notice_id=notice.pk).sent
    assert len(mail.outbox) == 2


def test_a_lost_announcement_is_made_up_by_the_sweep(moment, carousel, owner, team_lead):
    moment.owner = owner
    moment.save(update_fields=["owner"])
    add_ratings(carousel, n=100, dissatisfied=55, days_ago=2)
    analytics_services.rollups_refresh_and_fan_out()  # its on-commit announcement never runs here
    alert = Alert.objects.get()
    assert not AlertNotice.objects.exists()
    outcomes = alert_notices.alert_notices_send_due()
    assert [outcome.sent for outcome in outcomes] == [True]
    assert AlertNotice.objects.get(alert=alert).event == "alert.opened" and len(mail.outbox) == 2
    assert alert_notices.alert_notices_send_due() == []


def test_deleting_the_moment_tells_the_webhooks_why_the_alert_closed(organization, critical, moment, receiver, team_lead,
                                                                     django_capture_on_commit_callbacks):
    webhook_create(organization=organization, url=receiver.url("/ok"), events=["alert.closed"])
    alert = critical()
    with django_capture_on_commit_callbacks(execute=True):
        moment_remove(moment=moment)
    (request,) = receiver.received("/ok")
    data = json.loads(request.body)["data"]
    assert (data["id"], data["close_reason"], data["moment"]) == (alert.pk, "moment_deleted",
                                                                  {"id": None, "name": "Baggage claim"})
    closing = [message for message in mail.outbox if "closed" in message.subject]
    assert [message.to for message in closing] == [[team_lead.email]]  # the moment, and with it its owner, is gone
    assert closing[0].subject == "Momento alert closed: Baggage claim (the moment was deleted)"


def test_the_weekly_digest_goes_to_each_team_lead_in_their_language(organization, cycle, carousel, week, team_lead):
    from reviews.emails import review_digest_send
    from reviews.services import review_week_open
    from tests.reviews.conftest import add_ratings as add_week_ratings

    other = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user
    profile_language_set(user=other, language="es")
    add_week_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    assert review_digest_send(cycle=cycle, week_start=week) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address[other.email].subject.startswith("Revisión semanal de Momento")
    assert by_address[team_lead.email].subject.startswith("Momento weekly review")
    assert Profile.objects.filter(user=team_lead).count() == 0  # the default needs no profile


def test_an_admin_marks_a_webhook_slack_compatible_on_the_page(organization, admin_client_of):
    client = admin_client_of(organization)
    url = f"/organizations/{organization.pk}/webhooks/"
    assert "Slack incoming webhook" in client.get(url).content.decode()
    response = client.post(url, {"url": "https://hooks.example.com/services/T0/B0/x", "events": ["alert.opened"],
                                 "kind": "slack", "language": "es", "active": "on"})
    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert (webhook.kind, webhook.language, webhook.events) == ("slack", "es", ["alert.opened"])
    assert "Slack incoming webhook" in client.get(url).content.decode().split("<tbody>")[1]
