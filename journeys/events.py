"""What journeys announces to the apps above it (momento.events), and the
background work of a cycle its page shows.

- `cycle_timezone_changed(cycle_id, timezone)`: the cycle counts its days in
  another time zone now (analytics recounts its rollups).
- `comment_analysis_changed(organization_id, enabled)`: the organization switched
  comment analysis on or off, or changed the language of its comments (analytics
  forgets the organization's terms, and counts them again when enabled).
- `moment_removed(cycle_id)`: a moment of the cycle was deleted with its
  touchpoints (analytics closes their open alerts, "the moment was deleted").

And the figures its pages show but do not own (momento.events.Contribution):

- `cycle_list_figures(cycle_ids)` → {cycle id: {"recent_ratings": n (touchpoints),
  "critical_count": n (analytics)}} for the cycle list;
- `moment_figures(cycle)` → {moment id: {"n": ratings, "dissatisfied_share": share or None,
  "mean": mean normalised score or None, "critical": bool}} (analytics) for the
  map's lane and its emotion curve.

A callback that starts background work on a cycle may record it with
`cycle_job_record`, and the cycle page shows it (running / done) with
`cycle_job_current`, without knowing which app does the work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from redis.exceptions import RedisError

from momento.events import Contribution, Event

from .models import ServiceCycle

logger = logging.getLogger(__name__)

cycle_timezone_changed = Event("cycle_timezone_changed", arguments=("cycle_id", "timezone"))
comment_analysis_changed = Event("comment_analysis_changed", arguments=("organization_id", "enabled"))
moment_removed = Event("moment_removed", arguments=("cycle_id",))
cycle_list_figures = Contribution("cycle_list_figures", arguments=("cycle_ids",))
moment_figures = Contribution("moment_figures", arguments=("cycle",))


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
