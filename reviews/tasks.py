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
from functools import partial

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from journeys.models import ServiceCycle

from . import emails, selectors, services, webhooks

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="reviews.open_week", bind=True, acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True,
    retry_backoff_max=300, max_retries=5, soft_time_limit=540, time_limit=600,
)
def reviews_open_week(self, cycle_id: int, week_start: str, send_digest: bool = True) -> dict:
    """Open the review items of one cycle's week, then mail the digest (once)."""
    cycle = ServiceCycle.objects.select_related("organization").filter(pk=cycle_id).first()
    if cycle is None:
        return {"cycle": cycle_id, "skipped": "cycle deleted"}
    week = dt.date.fromisoformat(week_start)
    items = services.review_week_open(cycle=cycle, week_start=week)
    sent = emails.review_digest_send(cycle=cycle, week_start=week) if send_digest else 0
    return {"cycle": cycle_id, "week_start": week_start, "opened": len(items), "digests": sent}


@shared_task(name="reviews.open_due_weeks", bind=True, acks_late=True, autoretry_for=TRANSIENT_ERRORS,
             retry_backoff=True, max_retries=3)
def reviews_open_due_weeks(self) -> list[dict]:
    """Hourly: queue the opening of last week for every cycle that is due (see selectors)."""
    queued = []
    for cycle, week_start in selectors.cycles_due_for_review():
        transaction.on_commit(partial(reviews_open_week.delay, cycle.pk, week_start.isoformat()))
        queued.append({"cycle": cycle.pk, "week_start": week_start.isoformat()})
    return queued


@shared_task(name="reviews.webhook_deliver", bind=True, acks_late=True, max_retries=None)
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
