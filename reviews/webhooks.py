"""Webhooks: registration, signed event delivery and its record.

An event becomes one JSON body per webhook, signed with HMAC-SHA256 over
`<timestamp>.<raw body>` using the webhook's secret:

    X-Momento-Signature: sha256=<hex digest>
    X-Momento-Timestamp: <unix seconds>
    X-Momento-Event:     review_item.opened (or review_item.status_changed, alert.opened, alert.closed)
    X-Momento-Delivery:  <event id, the same on every retry>

A webhook marked Slack-compatible (`kind = "slack"`) gets, signed the same way,
a Slack message written from the event (reviews.slack) instead of the event.

Signing the timestamp with the body lets a receiver refuse replays of old
requests (`signature_verify` shows how). URLs must reach public internet
addresses, checked at registration and at every delivery (reviews.egress);
redirects are not followed and responses are not kept, only their status. Each webhook is delivered by its own
Celery task queued after commit, so a slow or broken endpoint only delays its
own retries; every attempt is stored as a `WebhookDelivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import time
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from journeys.models import Organization
from momento.services import model_update

from . import egress, slack
from .models import (
    ReviewItem,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookKind,
    new_webhook_secret,
    validate_http_url,
)
from .selectors import iso_week_label

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Momento-Signature"
TIMESTAMP_HEADER = "X-Momento-Timestamp"
EVENT_HEADER = "X-Momento-Event"
DELIVERY_HEADER = "X-Momento-Delivery"
USER_AGENT = "Momento-Webhooks/1.0"


def timeout_seconds() -> float:
    return float(settings.MOMENTO_WEBHOOK_TIMEOUT_SECONDS)


def max_attempts() -> int:
    return int(settings.MOMENTO_WEBHOOK_MAX_ATTEMPTS)


def retry_countdown(attempt: int) -> int:
    """Seconds before attempt `attempt + 1`: exponential backoff from the base.

    >>> [retry_countdown(attempt) for attempt in (1, 2, 3, 4)]
    [30, 60, 120, 240]
    """
    base = int(settings.MOMENTO_WEBHOOK_BACKOFF_SECONDS)
    return min(base * 2 ** (attempt - 1), 6 * 3600)


# --- Signing --------------------------------------------------------------------------------


def signature_compute(*, secret: str, timestamp: int | str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>." + body).

    >>> signature_compute(secret="s3cret", timestamp=1700000000, body=b'{"a":1}')[:15]
    'sha256=1698a50b'
    """
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_verify(
    *, secret: str, timestamp: str, body: bytes, signature: str, tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver does: recompute, compare in constant time, refuse stale timestamps."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent_at) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature_compute(secret=secret, timestamp=sent_at, body=body), signature or "")


# --- Registration ---------------------------------------------------------------------------


def _clean_events(events: list[str] | None) -> list[str]:
    if events is None:
        return list(WebhookEvent.values)
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = sorted({str(event) for event in events} - set(WebhookEvent.values))
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}})
    return [event for event in WebhookEvent.values if event in events]


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    validate_http_url(url)
    if len(url) > 500:
        raise ValidationError({"url": _("The URL is too long (500 characters at most).")})
    try:
        egress.destination_check(url)
    except egress.DestinationRefused:
        if egress.private_allowed():
            raise ValidationError({"url": _("The host name does not resolve.")}) from None
        # One answer whether the host does not resolve or resolves to an internal
        # address: which internal names exist is no business of a tenant.
        raise ValidationError({"url": _(
            "Momento sends events only to public internet addresses: this host does not resolve to one "
            "(loopback, private, link-local, multicast and reserved addresses are refused)."
        )}) from None
    return url


def _as_field_error(error: ValidationError, field: str) -> ValidationError:
    return error if hasattr(error, "error_dict") else ValidationError({field: error.messages})


@transaction.atomic
def webhook_create(
    *, organization: Organization, url: str, events: list[str] | None = None, active: bool = True,
    description: str = "", kind: str = WebhookKind.MOMENTO, language: str | None = None,
) -> Webhook:
    """Register an http(s) URL for the organization's review and alert events; the secret is generated.
    `kind="slack"` sends Slack messages in `language` instead of Momento's JSON events."""
    try:
        url = _clean_url(url)
    except ValidationError as error:
        raise _as_field_error(error, "url") from None
    return Webhook.objects.create(
        organization=organization, url=url, events=_clean_events(events), active=bool(active),
        description=(description or "").strip()[:200], kind=_clean_kind(kind),
        language=_clean_language(language or settings.LANGUAGE_CODE),
    )


def _clean_kind(kind: str) -> str:
    if kind not in WebhookKind.values:
        raise ValidationError({"kind": _("Choose Momento JSON events or a Slack incoming webhook.")})
    return kind


def _clean_language(language: str) -> str:
    if language not in [code for code, _name in settings.LANGUAGES]:
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    return language


WEBHOOK_EDITABLE_FIELDS = ("url", "events", "active", "description", "kind", "language")


@transaction.atomic
def webhook_update(*, webhook: Webhook, **fields: Any) -> Webhook:
    """Change a webhook's address, events, state, description, format or language (only the given fields,
    on the locked row). A new address is checked (a DNS lookup) before the row is locked."""
    data = dict(fields)
    if "url" in data:
        try:
            data["url"] = _clean_url(data["url"])
        except ValidationError as error:
            raise _as_field_error(error, "url") from None
    if "events" in data:
        data["events"] = _clean_events(data["events"])
    if "active" in data:
        data["active"] = bool(data["active"])
    if "description" in data:
        data["description"] = (data["description"] or "").strip()[:200]
    if "kind" in data:
        data["kind"] = _clean_kind(data["kind"])
    if "language" in data:
        data["language"] = _clean_language(data["language"])
    webhook, _changed = model_update(instance=webhook, fields=WEBHOOK_EDITABLE_FIELDS, data=data,
                                     clean_exclude=["organization", "url", "secret"])
    return webhook


@transaction.atomic
def webhook_secret_rotate(*, webhook: Webhook) -> Webhook:
    webhook.secret = new_webhook_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()


# --- Events -----------------------------------------------------------------------------------


def review_item_payload(item: ReviewItem) -> dict[str, Any]:
    """The `data` of a review event: what a receiver needs without calling back."""
    return {
        "id": item.pk,
        "organization": {"id": item.organization_id, "slug": item.organization.slug},
        "cycle": {"id": item.cycle_id, "name": item.cycle.name, "timezone": item.cycle.timezone},
        "moment": {"id": item.moment_id, "name": item.moment.name, "position": item.moment.position},
        "touchpoint": (
            {"id": item.touchpoint_id, "name": item.touchpoint.name, "key": item.touchpoint.key}
            if item.touchpoint is not None else None
        ),
        "week": iso_week_label(item.week_start),
        "week_start": item.week_start.isoformat(),
        "status": item.status,
        "dismiss_reason": item.dismiss_reason,
        "owner": item.owner.get_username() if item.owner is not None else None,
        "streak": item.streak,
        "figures": {
            "n": item.n, "dissatisfied": item.dissatisfied, "share": item.share,
            "wilson_low": item.wilson_low, "wilson_high": item.wilson_high, "worsening": item.worsening,
            "previous_n": item.previous_n, "previous_dissatisfied": item.previous_dissatisfied,
            "reach": item.reach, "severity": item.severity,
        },
        "url": f"/cycles/{item.cycle_id}/reviews/?week={iso_week_label(item.week_start)}#item-{item.pk}",
    }


def webhook_event_emit(*, organization_id: int, event: str, item_id: int, extra: dict[str, Any] | None = None) -> int:
    """Queue delivery of one review item event to each active webhook subscribed to it, after commit."""
    if not webhooks_subscribed(organization_id=organization_id, event=event):
        return 0
    item = ReviewItem.objects.select_related("organization", "cycle", "moment", "touchpoint", "owner").get(pk=item_id)
    return webhook_envelope_emit(organization_id=organization_id, event=event,
                                 data={**review_item_payload(item), **(extra or {})})


def webhooks_subscribed(*, organization_id: int, event: str) -> list[int]:
    """Ids of the organization's active webhooks that take `event` (one query)."""
    return [pk for pk, events in Webhook.objects.filter(organization_id=organization_id, active=True)
            .values_list("pk", "events") if event in (events or [])]


def webhook_envelope_emit(*, organization_id: int, event: str, data: dict[str, Any], event_id: str | None = None
                          ) -> int:
    """Queue delivery of one event to each active webhook subscribed to it, after commit.

    The envelope (id, time, data) is fixed here, so every retry sends the same
    body; `event_id` (X-Momento-Delivery) is given by a caller that may emit the
    same event again (an alert notice retried), so receivers and the delivery
    record see one event. `robust=True`: should queueing fail (broker down), the
    caller's already-committed change stands and the error is logged.
    """
    hooks = webhooks_subscribed(organization_id=organization_id, event=event)
    if not hooks:
        return 0
    envelope: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "data": data,
    }
    for webhook_id in hooks:
        transaction.on_commit(partial(_enqueue, webhook_id, event, envelope["id"], envelope), robust=True)
    return len(hooks)


def _enqueue(webhook_id: int, event: str, event_id: str, envelope: dict[str, Any]) -> None:
    from .tasks import webhook_deliver

    webhook_deliver.delay(webhook_id, event, event_id, envelope)


# --- Delivery ---------------------------------------------------------------------------------

# Stored as they are and translated when shown ({% translate delivery.error %}): a worker has no
# reader's language. The refusal never names the addresses (an admin must not learn what an
# internal host name resolves to); the log does, for the operator.
REFUSED_ERROR = gettext_noop("Not sent: the host does not resolve to a public internet address.")
REDIRECT_ERROR = gettext_noop("Redirects are not followed.")


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """(status code, error) of one POST to a checked address; never raises for network trouble.

    The destination is checked again here, not only at registration: DNS may
    have changed since. The response body is neither read nor kept.
    """
    try:
        destination = egress.destination_check(url)
    except egress.DestinationRefused as refused:
        logger.warning("webhook to %s refused (%s): %s", refused.host, refused.reason,
                       ", ".join(refused.addresses) or "no address")
        return None, REFUSED_ERROR
    try:
        status_code = egress.post_pinned(destination, body, headers, timeout)
    except TimeoutError:
        return None, _("Timed out after %(seconds)s s.") % {"seconds": timeout}
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"
    if 300 <= status_code < 400:
        return status_code, REDIRECT_ERROR
    if not 200 <= status_code < 300:
        return status_code, f"HTTP {status_code}"
    return status_code, ""


def webhook_body(webhook: Webhook, payload: dict[str, Any]) -> bytes:
    """What is POSTed: the event itself, or for a Slack webhook a message (`text`, `blocks`)
    written from it in the webhook's language. Signed either way."""
    message = slack.slack_message(payload, language=webhook.language) if webhook.kind == WebhookKind.SLACK \
        else payload
    return json.dumps(message, separators=(",", ":"), sort_keys=True, default=str).encode()


def webhook_deliver_once(*, webhook_id: int, event: str, event_id: str, payload: dict[str, Any]) -> WebhookDelivery | None:
    """Make the next attempt at delivering one event to one webhook and record it.

    The attempt number is read from the stored attempts, so a task redelivered
    after a worker crash carries on counting instead of colliding. Returns None
    when there is nothing to do (webhook gone or paused, or already delivered).
    """
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    if webhook is None:
        return None
    previous = WebhookDelivery.objects.filter(webhook=webhook, event_id=event_id)
    if previous.filter(succeeded=True).exists():
        return None
    attempt = (previous.aggregate(last=Max("attempt"))["last"] or 0) + 1
    body = webhook_body(webhook, payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_compute(secret=webhook.secret, timestamp=timestamp, body=body),
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_HEADER: event,
        DELIVERY_HEADER: event_id,
    }
    started = timezone.now()
    clock = time.monotonic()
    status_code, error = _post(webhook.url, body, headers, timeout_seconds())
    succeeded = status_code is not None and 200 <= status_code < 300
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event=event, event_id=event_id, payload=payload, attempt=attempt,
        status_code=status_code, error=error, succeeded=succeeded,
        started_at=started, finished_at=timezone.now(), duration_ms=int((time.monotonic() - clock) * 1000),
    )
    log = logger.info if succeeded else logger.warning
    log("webhook %s %s attempt %s: %s", webhook.pk, event, attempt, status_code or error)
    return delivery
