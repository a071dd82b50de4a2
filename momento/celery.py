"""Celery application, and what every task of every app shares.

Broker and behaviour come from Django settings (CELERY_*). Tasks are thin
(PostHog's tasks.py): ids in, one service call, and retries only on the errors
that may pass, defined once here with the base options every task starts from.
"""

import os
from collections.abc import Callable

from celery import Celery
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "momento.settings")

app = Celery("momento")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Errors that may pass: a dropped database connection (the task's transaction
# rolled back, so running it again is safe), or the broker / cache away for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, BrokerOperationalError)

# Every task is idempotent (a repeat finds its work done), so a redelivery after
# a worker died (`acks_late`) is safe; limits keep a stuck task from holding a worker.
TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "max_retries": 5,
    "soft_time_limit": 540,
    "time_limit": 600,
}


def task_progress(task) -> Callable[[int, int], None]:
    """A `progress(done, total)` for a service that reports to the task's state
    (PROGRESS {"done", "total"}), which pages poll."""
    def report(done: int, total: int) -> None:
        # No request id when called as a plain function (e.g. from a test).
        if task.request.id:
            task.update_state(state="PROGRESS", meta={"done": done, "total": total})
    return report
