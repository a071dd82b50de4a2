"""Telling people and systems that an alert opened or closed (analytics' alerts, issue 16).

Flow: the scan commits and announces `alerts_opened` / `alerts_closed`
(analytics.events) → `alert_notices_create` makes one `AlertNotice` per alert and
event (unique: a repeated announcement makes nothing new), due now or when the
organization's quiet hours end → `alert_notices_send_due` (right away, and every
5 minutes from beat) sends each due notice once:

* it is claimed first (`UPDATE … WHERE sent_at IS NULL`, row count read), so two
  workers never both send; an e-mail failure releases the claim and raises, for
  the task to retry;
* e-mail, in each recipient's own language (journeys.profiles), to the moment's
  owner and/or the organization's team leads as the organization chose; an owner
  who is no longer a member is not written to;
* the webhook events `alert.opened` / `alert.closed` (reviews.webhooks: signed,
  retried, recorded; Slack-compatible webhooks get a Slack message), with the
  notice's own event id, so a notice sent again is the same event to a receiver.

A notice whose announcement was lost (a worker stopped between the scan's commit
and its callback) is made by the sweep: alerts opened or closed in the last
`SWEEP_HOURS` without one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from analytics.formatting import numbers
from analytics.models import Alert
from journeys.models import AlertRecipients, Organization
from journeys.profiles import user_languages

from . import selectors
from .models import AlertNotice, WebhookEvent
from .quiet_hours import quiet_until
from .webhooks import webhook_envelope_emit

logger = logging.getLogger(__name__)

OPENED = WebhookEvent.ALERT_OPENED.value
CLOSED = WebhookEvent.ALERT_CLOSED.value
# How far back the sweep looks for alerts whose notice was never made.
SWEEP_HOURS = 48


def site_url() -> str:
    return settings.MOMENTO_SITE_URL.rstrip("/")


def alerts_page_path(alert: Alert) -> str:
    return reverse("analytics:alerts", args=[alert.organization_id]) + f"?status=all#alert-{alert.pk}"


def due_at(organization: Organization, now: dt.datetime) -> dt.datetime:
    """Now, or the end of the organization's quiet hours when now falls in them."""
    hours = organization.quiet_hours
    if hours is None:
        return now
    start, end, zone = hours
    return quiet_until(now, start=start, end=end, zone=zone) or now


# --- Making notices -----------------------------------------------------------------------


def alert_notices_create(*, alert_ids: Iterable[int], event: str, now: dt.datetime | None = None) -> list[int]:
    """One notice per alert for `event` (none made twice); returns the ids of the new ones."""
    now = now or timezone.now()
    alerts = list(Alert.objects.filter(pk__in=list(alert_ids)).select_related("organization").order_by("pk"))
    if event == CLOSED:
        alerts = [alert for alert in alerts if alert.closed_at is not None]
    before = set(AlertNotice.objects.filter(alert__in=alerts, event=event).values_list("alert_id", flat=True))
    AlertNotice.objects.bulk_create(
        [AlertNotice(alert=alert, event=event, due_at=due_at(alert.organization, now)) for alert in alerts
         if alert.pk not in before], ignore_conflicts=True)
    return list(AlertNotice.objects.filter(alert__in=alerts, event=event).exclude(alert_id__in=before)
                .values_list("pk", flat=True))


def alert_notices_sweep(*, now: dt.datetime | None = None) -> int:
    """Make the notices an announcement missed (alerts of the last `SWEEP_HOURS`)."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=SWEEP_HOURS)
    made = 0
    for event, recent in ((OPENED, Q(opened_at__gte=since)), (CLOSED, Q(closed_at__gte=since))):
        missing = (Alert.objects.filter(recent)
                   .filter(~Exists(AlertNotice.objects.filter(alert=OuterRef("pk"), event=event)))
                   .values_list("pk", flat=True))
        made += len(alert_notices_create(alert_ids=list(missing), event=event, now=now))
    return made


# --- Sending ----------------------------------------------------------------------------------


@dataclass
class NoticeOutcome:
    notice_id: int
    sent: bool = False
    deferred_until: dt.datetime | None = None
    emails: int = 0
    webhooks: int = 0


def alert_notices_send_due(*, now: dt.datetime | None = None) -> list[NoticeOutcome]:
    """Make any missed notices, then send every notice that is due (each once)."""
    now = now or timezone.now()
    alert_notices_sweep(now=now)
    due = list(AlertNotice.objects.filter(sent_at__isnull=True, due_at__lte=now).order_by("due_at", "pk")
               .values_list("pk", flat=True))
    return [alert_notice_send(notice_id=notice_id, now=now) for notice_id in due]


def alert_notice_send(*, notice_id: int, now: dt.datetime | None = None) -> NoticeOutcome:
    """Send one notice's e-mails and webhook events, once.

    Quiet hours are checked again here (they may have been set since the notice was
    made): inside them the notice waits for their end. Otherwise it is claimed; the
    e-mails go first, and if they fail the claim is released and the error raised
    (the task retries; no webhook was called yet, so none is called twice).
    """
    now = now or timezone.now()
    outcome = NoticeOutcome(notice_id=notice_id)
    notice = (AlertNotice.objects.select_related("alert__organization", "alert__cycle", "alert__moment__owner",
                                                 "alert__touchpoint")
              .filter(pk=notice_id, sent_at__isnull=True).first())
    if notice is None:
        return outcome
    alert = notice.alert
    quiet = due_at(alert.organization, now)
    if quiet > now:
        AlertNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(due_at=quiet)
        outcome.deferred_until = quiet
        return outcome
    if not AlertNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(sent_at=now):
        return outcome  # another worker claimed it
    try:
        messages = alert_messages(alert=alert, event=notice.event)
        outcome.emails = (get_connection().send_messages(messages) or 0) if messages else 0
    except Exception:
        AlertNotice.objects.filter(pk=notice_id).update(sent_at=None)
        logger.exception("alert notice %s (%s of alert %s) failed; it will be retried", notice_id, notice.event,
                         alert.pk)
        raise
    with transaction.atomic():
        outcome.webhooks = webhook_envelope_emit(organization_id=alert.organization_id, event=notice.event,
                                                 data=alert_payload(alert), event_id=str(notice.event_id))
        AlertNotice.objects.filter(pk=notice_id).update(emails_sent=outcome.emails, webhooks_called=outcome.webhooks)
    outcome.sent = True
    logger.info("alert %s %s: %s e-mails, %s webhooks", alert.pk, notice.event, outcome.emails, outcome.webhooks)
    return outcome


# --- What is sent -------------------------------------------------------------------------------


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The `data` of `alert.opened` / `alert.closed`: what a receiver needs without calling back."""
    low, high = alert.interval
    latest_low, latest_high = alert.latest_interval
    return {
        "id": alert.pk,
        "organization": {"id": alert.organization_id, "slug": alert.organization.slug},
        "cycle": {"id": alert.cycle_id, "name": alert.cycle.name, "timezone": alert.cycle.timezone},
        "subject": alert.subject,
        "moment": {"id": alert.moment_id, "name": alert.moment.name if alert.moment else alert.moment_name},
        "touchpoint": (
            {"id": alert.touchpoint_id,
             "name": alert.touchpoint.name if alert.touchpoint else alert.touchpoint_name,
             "key": alert.touchpoint.key if alert.touchpoint else None}
            if alert.subject == Alert.Subject.TOUCHPOINT else None
        ),
        "status": "open" if alert.is_open else "closed",
        "opened_at": alert.opened_at.isoformat(),
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
        "close_reason": alert.close_reason or None,
        "window": {"start": alert.window_start.isoformat(), "end": alert.window_end.isoformat()},
        "figures": {"n": alert.n, "dissatisfied": alert.dissatisfied, "share": alert.share, "wilson_low": low,
                    "wilson_high": high, "p_value": alert.p_value, "min_sample": alert.min_sample,
                    "critical_share": alert.critical_share},
        "latest": {"n": alert.latest_n, "dissatisfied": alert.latest_dissatisfied, "share": alert.latest_share,
                   "wilson_low": latest_low, "wilson_high": latest_high,
                   "window_end": alert.latest_window_end.isoformat(), "checked_at": alert.checked_at.isoformat()},
        "url": alerts_page_path(alert),
    }


def alert_recipients(*, alert: Alert) -> list:
    """Who is e-mailed, as the organization chose: the moment's owner (while a member of the
    organization) and/or its team leads; active accounts with an address, each once."""
    choice = alert.organization.alert_recipients
    if choice == AlertRecipients.NONE:
        return []
    wanted = Q(pk__in=[])
    if choice in (AlertRecipients.BOTH, AlertRecipients.TEAM_LEADS):
        wanted |= Q(pk__in=selectors.team_leads(organization=alert.organization).values("pk"))
    owner_id = alert.moment.owner_id if alert.moment is not None else None
    if choice in (AlertRecipients.BOTH, AlertRecipients.OWNER) and owner_id is not None:
        # Still a member: an owner who left the organization hears nothing of it.
        wanted |= Q(pk=owner_id, memberships__organization_id=alert.organization_id)
    users = get_user_model().objects.filter(wanted, is_active=True).exclude(email="")
    return list(users.distinct().order_by("username"))


def alert_messages(*, alert: Alert, event: str) -> list[EmailMultiAlternatives]:
    """One e-mail per recipient, each in the recipient's language."""
    recipients = alert_recipients(alert=alert)
    if not recipients:
        return []
    languages = user_languages(user_ids=[user.pk for user in recipients])
    owner_id = alert.moment.owner_id if alert.moment is not None else None
    base = {
        "alert": alert, "opened": event == OPENED,
        "moment_name": alert.moment.name if alert.moment else alert.moment_name,
        "touchpoint_name": (alert.touchpoint.name if alert.touchpoint else alert.touchpoint_name)
        if alert.subject == Alert.Subject.TOUCHPOINT else "",
        "page_url": site_url() + alerts_page_path(alert),
        "dashboard_url": site_url() + reverse("analytics:dashboard", args=[alert.cycle_id]),
    }
    messages = []
    for recipient in recipients:
        language = languages[recipient.pk]
        with translation.override(language):
            fmt = numbers()
            figures = (alert.dissatisfied, alert.n, alert.interval) if event == OPENED else (
                alert.latest_dissatisfied, alert.latest_n, alert.latest_interval)
            dissatisfied, n, (low, high) = figures
            context = {
                **base, "recipient": recipient, "language": language, "is_owner": recipient.pk == owner_id,
                "share": fmt.percent(dissatisfied / n) if n else "", "interval": fmt.percent_range(low, high),
                "n": fmt.count(n), "dissatisfied": fmt.count(dissatisfied),
                "threshold": fmt.percent(alert.critical_share),
                "reason": alert.get_close_reason_display() if alert.close_reason else "",
            }
            subject = " ".join(render_to_string("reviews/email/alert_subject.txt", context).split())
            message = EmailMultiAlternatives(subject=subject, body=render_to_string("reviews/email/alert.txt", context),
                                             from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient.email])
            message.attach_alternative(render_to_string("reviews/email/alert.html", context), "text/html")
        messages.append(message)
    return messages

