"""Celery tasks of the weekly review: thin wrappers that take ids and call services.

`reviews.open_due_weeks` runs hourly (a django-celery-beat PeriodicTask made by
a data migration) and queues `reviews.open_week` for every cycle whose local
clock has passed Monday 06:00 and whose last week is not opened yet, so each
cycle's review opens at Monday 06:00 in its own time zone. Opening a week and
sending its digest are idempotent, hence `acks_late`.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from momento.celery import TASK_OPTIONS

from . import alert_notices, services, webhooks

logger = logging.getLogger(__name__)


@shared_task(name="reviews.open_week", **TASK_OPTIONS)
def reviews_open_week(self, cycle_id: int, week_start: str, send_digest: bool = True) -> dict:
    """Open the review items of one cycle's week, then mail the digest (once)."""
    return services.review_week_open_and_digest(cycle_id=cycle_id, week_start=dt.date.fromisoformat(week_start),
                                                send_digest=send_digest)


@shared_task(name="reviews.open_due_weeks", **TASK_OPTIONS)
def reviews_open_due_weeks(self) -> list[dict]:
    """Hourly: queue the opening of last week for every cycle that is due."""
    return services.review_weeks_due_queue()


# Its own retries (webhooks.retry_countdown), counted in the stored deliveries: no autoretry.
@shared_task(name="reviews.webhook_deliver", **{**TASK_OPTIONS, "autoretry_for": (), "max_retries": None})
def webhook_deliver(self, webhook_id: int, event: str, event_id: str, payload: dict) -> dict:
    """One attempt at one webhook; on failure, retry later with exponential backoff.

    The attempt count lives in the stored deliveries (not in the task), so the
    limit holds even if the task is redelivered.
    """
    while True:
        delivery = webhooks.webhook_deliver_once(
            webhook_id=webhook_id, event=event, event_id=event_id, payload=payload
        )
        if delivery is None:
            return {"webhook": webhook_id, "skipped": True}
        result = {"webhook": webhook_id, "attempt": delivery.attempt, "status": delivery.status_code,
                  "succeeded": delivery.succeeded}
        if delivery.succeeded:
            return result
        if delivery.attempt >= webhooks.max_attempts():
            logger.warning("webhook %s gave up on %s after %s attempts", webhook_id, event_id, delivery.attempt)
            return {**result, "gave_up": True}
        if self.request.is_eager:
            # Embedded mode (no broker): no worker can wait out a countdown, and
            # Celery's eager retries raise instead of re-running; try again now.
            continue
        raise self.retry(countdown=webhooks.retry_countdown(delivery.attempt))


@shared_task(name="reviews.alert_notices_send_due", **TASK_OPTIONS)
def alert_notices_send_due(self) -> list[dict]:
    """Send the alert e-mails and webhook events that are due (after a scan, and every 5
    minutes from beat: quiet hours that ended, announcements that were lost). Each once."""
    return [{"notice": outcome.notice_id, "sent": outcome.sent, "emails": outcome.emails,
             "webhooks": outcome.webhooks} for outcome in alert_notices.alert_notices_send_due()]
