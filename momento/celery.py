"""Celery application, and what every task of every app shares.

Broker and behaviour come from Django settings (CELERY_*). Tasks are thin
(PostHog's tasks.py): ids in, one service call, and retries only on the errors
that may pass, defined once here with the base options every task starts from.
"""

import gc
import logging
import os
from collections.abc import Callable

from celery import Celery, Task
from celery.signals import worker_init
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "momento.settings")

logger = logging.getLogger(__name__)

app = Celery("momento")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

@worker_init.connect
def worker_yields_to_the_web(**_kwargs) -> None:
    """Before a worker starts its pool: lower its scheduling priority by
    MOMENTO_WORKER_NICE (the pool's processes inherit it), so on a machine it
    shares with the web, background work (words, snapshots, reports) takes the
    CPU that dashboards and ingestion leave; and freeze what start-up made, as
    gunicorn's master does, so the garbage collector never walks it again."""
    from django.conf import settings

    niceness = settings.MOMENTO_WORKER_NICE
    if niceness > 0:
        try:
            os.nice(niceness)
        except OSError as error:  # a platform or sandbox that refuses it: run as we are
            logger.warning("could not lower the worker's priority by %s: %s", niceness, error)
    gc.freeze()


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


class RecordsFailureTask(Task):
    """A task whose row says how its work ended (an import, an export): when the task
    gives up, `record_failure(object_id, code)` stores why, so the page that follows it
    never says "running" forever. Giving up is: a transient error after the last retry
    (`transient_code`), anything else at once or a hard time limit (`crash_code`). A
    worker that dies is no failure: the message is redelivered. The object's id is the
    task's first argument."""

    transient_code = "database_unavailable"
    crash_code = "crashed"

    def record_failure(self, object_id: int, code: str) -> None:
        raise NotImplementedError

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        object_id = args[0] if args else next(iter(kwargs.values()), None)
        if object_id is None:
            return
        code = self.transient_code if isinstance(exc, TRANSIENT_ERRORS) else self.crash_code
        try:
            self.record_failure(object_id, code)
        except TRANSIENT_ERRORS:
            # The database is still away; the object's own sweep marks it once it is stale.
            logger.warning("%s %s: could not record its failure (%s)", self.name, object_id, code)
