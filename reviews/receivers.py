"""What reviews does when a lower app announces a change (connected in `apps.ready`)."""

from __future__ import annotations

import logging

from django.conf import settings

from . import alert_notices

logger = logging.getLogger(__name__)


def alerts_opened(*, alert_ids: list[int]) -> None:
    """Alerts opened (analytics): their e-mails and webhook events, now or after quiet hours."""
    _notify(alert_ids, alert_notices.OPENED)


def alerts_closed(*, alert_ids: list[int]) -> None:
    """Alerts closed (analytics), each with its reason."""
    _notify(alert_ids, alert_notices.CLOSED)


def _notify(alert_ids: list[int], event: str) -> None:
    """Make the notices, then send the due ones: in a worker when there is one, here in the
    embedded mode. Runs after the scan committed; anything that fails here is logged and
    left to the sweep every 5 minutes (reviews.alert_notices_send_due), so nothing is lost."""
    from analytics.services import BROKER_OUTAGE_ERRORS

    from .tasks import alert_notices_send_due

    try:
        if not alert_notices.alert_notices_create(alert_ids=alert_ids, event=event):
            return
        if settings.CELERY_TASK_ALWAYS_EAGER:
            alert_notices.alert_notices_send_due()
        else:
            alert_notices_send_due.apply_async(ignore_result=True)
    except BROKER_OUTAGE_ERRORS as error:
        logger.warning("could not queue the %s notices of alerts %s (broker unreachable: %r); the sweep sends them",
                       event, alert_ids, error)
    except Exception:
        logger.exception("the %s notices of alerts %s failed; the sweep sends them", event, alert_ids)
