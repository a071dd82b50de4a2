"""What journeys tells the apps above it, registered in one place.

journeys is the lowest layer (journeys → touchpoints → analytics → reviews):
it imports none of the others. When a change here needs work up there (a new
time zone means the analytics' days must be counted again), journeys fires an
event, and the app that cares registers its callback from its
`AppConfig.ready()`. The list of events below is the whole contract.

Callbacks run after the transaction that made the change commits
(`transaction.on_commit`), so a worker never reads the row before it is
there, and a rolled-back change announces nothing.

A callback that starts background work on a cycle may record it with
`cycle_job_record`, and the cycle page shows it (running / done) with
`cycle_job_current`, without knowing which app does the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from .models import ServiceCycle

logger = logging.getLogger(__name__)


class CycleTimezoneChanged(Protocol):
    def __call__(self, *, cycle_id: int, timezone: str) -> None: ...


_cycle_timezone_changed: list[CycleTimezoneChanged] = []


def on_cycle_timezone_changed(callback: CycleTimezoneChanged) -> CycleTimezoneChanged:
    """Call `callback(cycle_id=..., timezone=...)` after a cycle's time zone changed.

    Registering the same callback twice (a `ready()` run again) keeps one.
    """
    if callback not in _cycle_timezone_changed:
        _cycle_timezone_changed.append(callback)
    return callback


def cycle_timezone_changed(*, cycle_id: int, timezone: str) -> None:
    """Announce, once the current transaction commits, that the cycle counts in `timezone` now."""
    for callback in _cycle_timezone_changed:
        transaction.on_commit(_bound(callback, cycle_id=cycle_id, timezone=timezone))


def _bound(callback: CycleTimezoneChanged, **arguments) -> Callable[[], None]:
    return lambda: callback(**arguments)


# --- Background work a cycle's page shows -------------------------------------------

JOB_SECONDS = 3600
# Kinds of job (codes: the page words them).
RECOUNT_FOR_TIMEZONE = "timezone"


@dataclass(frozen=True)
class CycleJob:
    """Work running for a cycle: `kind` and `params` say what (a code and its
    parameters, translated when shown), `status_url` answers its state as JSON
    ({"state", "done", "total"}), `state` is the state when it was recorded."""

    kind: str
    status_url: str
    state: str
    params: dict

    @property
    def finished(self) -> bool:
        return self.state == "SUCCESS"

    @property
    def failed(self) -> bool:
        return self.state == "FAILURE"


def _job_key(cycle_id: int, created_at) -> str:
    # The cycle's creation time too: ids come back after a database is emptied
    # (tests, a restored backup), and another cycle must not inherit the job.
    return f"journeys:cycle-job:{cycle_id}:{created_at.timestamp() if created_at else ''}"


def cycle_job_record(*, cycle_id: int, job: CycleJob) -> None:
    """Remember the cycle's latest background job (for an hour) for its page."""
    created_at = ServiceCycle.objects.filter(pk=cycle_id).values_list("created_at", flat=True).first()
    if created_at is None:
        return
    cache.set(_job_key(cycle_id, created_at), {"kind": job.kind, "status_url": job.status_url, "state": job.state,
                                               "params": job.params}, JOB_SECONDS)


def cycle_job_current(*, cycle) -> CycleJob | None:
    """The cycle's latest background job, or None (also when the cache is unreachable:
    the page then simply shows no progress)."""
    try:
        stored = cache.get(_job_key(cycle.pk, cycle.created_at))
    except (RedisError, OSError):
        logger.warning("could not read the background job of cycle %s from the cache", cycle.pk, exc_info=True)
        return None
    if not isinstance(stored, dict):
        return None
    return CycleJob(kind=stored.get("kind", ""), status_url=stored.get("status_url", ""),
                    state=stored.get("state", ""), params=stored.get("params") or {})
