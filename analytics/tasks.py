"""Celery tasks of the analytics: thin wrappers that take ids and call one service.

All are idempotent (the watermark makes a repeated refresh a no-op; snapshots
are replaced, not appended), so `acks_late` redelivery after a worker crash is
safe. They retry only on errors that may pass: a dropped database or broker
connection.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from . import services
from .periods import Period

TRANSIENT_ERRORS = (OperationalError, InterfaceError, RedisConnectionError)
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


def _progress(task):
    def report(done: int, total: int) -> None:
        # No request id when called as a plain function (e.g. from a test).
        if task.request.id:
            task.update_state(state="PROGRESS", meta={"done": done, "total": total})
    return report


@shared_task(name="analytics.rollups_refresh", **TASK_OPTIONS)
def rollups_refresh(self) -> dict:
    """Add new ratings to the rollups, then recompute the touched cycles' heatmaps."""
    services.refresh_pending_clear()
    result = services.rollups_refresh()
    for cycle_id in result.cycle_ids:
        # on_commit: in eager mode inside a caller's transaction, run after it commits.
        transaction.on_commit(lambda cycle_id=cycle_id: heatmaps_refresh.delay(cycle_id))
    return {"from_id": result.from_id, "to_id": result.to_id, "cycles": result.cycle_ids}


@shared_task(name="analytics.rollups_rebuild", **TASK_OPTIONS)
def rollups_rebuild(self, cycle_id: int | None = None) -> dict:
    """Rebuild rollups from raw ratings (repairs), then the heatmaps."""
    result = services.rollups_rebuild(cycle_id=cycle_id)
    for touched in result.cycle_ids:
        transaction.on_commit(lambda touched=touched: heatmaps_refresh.delay(touched))
    return {"to_id": result.to_id, "cycles": result.cycle_ids}


@shared_task(name="analytics.cycle_rebuild", **TASK_OPTIONS)
def cycle_rebuild(self, cycle_id: int) -> dict:
    """One cycle's rollups counted again (its time zone changed), then its snapshots;
    progress goes to the task state, which the cycle page follows."""
    computed = services.cycle_rebuild(cycle_id=cycle_id, progress=_progress(self))
    return {"cycle": cycle_id, "snapshots": computed}


@shared_task(name="analytics.heatmaps_refresh", **TASK_OPTIONS)
def heatmaps_refresh(self, cycle_id: int) -> dict:
    computed = services.heatmaps_refresh_cycle(cycle_id=cycle_id, progress=_progress(self))
    return {"cycle": cycle_id, "snapshots": computed}


@shared_task(name="analytics.cycle_recompute", **TASK_OPTIONS)
def cycle_recompute(self, cycle_id: int, dimension: str, start: str, end: str) -> dict:
    """The dashboard's "recompute now": new ratings into rollups, then this cycle's
    snapshots, the one on screen first. Progress goes to the task state.

    The period travels as its days: a `Period` is nothing more (its `weeks`
    follows from them), so the snapshot stored is the one on screen."""
    report = _progress(self)
    report(0, 1)
    services.refresh_pending_clear()
    services.rollups_refresh()
    period = Period(start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))
    computed = services.heatmaps_refresh_cycle(cycle_id=cycle_id, progress=report, extra=[(dimension, period)])
    return {"cycle": cycle_id, "snapshots": computed}
