"""Rollups: new ratings folded in incrementally, or everything counted again.

Flow: ratings are inserted (touchpoints) → `ratings_arrived` schedules one
debounced refresh → `rollups_refresh_and_fan_out` adds new ratings to
`DailyRollup`, bumps the version of every cycle it touched, queues those
cycles' heatmap snapshots (analytics.services.snapshots) and scans their
organizations for alerts (analytics.services.alerts).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Sum,
)

from touchpoints.watermark import committed_max_rating_id

from ..comment_terms import terms_delete, terms_upsert_range
from ..models import DailyRollup, RollupWatermark
from ..periods import Period
from ..rollups import bump_cycle_versions, upsert_ratings_range
from .alerts import alerts_scan
from .base import BROKER_OUTAGE_ERRORS, Progress, derived_data_commit, no_progress
from .snapshots import heatmaps_recompute_queued, heatmaps_refresh_cycle

logger = logging.getLogger(__name__)

WATERMARK_NAME = "ratings"
REFRESH_PENDING_KEY = "analytics:rollups-refresh-pending"

# --- Rollups ---------------------------------------------------------------------


@dataclass
class RollupRefreshResult:
    from_id: int = 0
    to_id: int = 0
    touchpoint_ids: set[int] = field(default_factory=set)
    cycle_ids: list[int] = field(default_factory=list)


def ratings_arrived(*, organization_id: int) -> None:
    """Ask for a rollup refresh soon; cheap and debounced (called after each ingest commit).

    Only the caller that adds the cache key schedules the task, so a burst of
    thousands of batches queues one refresh. The task deletes the key before it
    reads the watermark range, so ratings committed after that schedule the next
    run. Embedded (eager) mode has no worker: the refresh runs right here, so
    the dashboard shows the ratings at once.
    """
    from ..tasks import rollups_refresh

    delay = settings.MOMENTO_ROLLUP_DEBOUNCE_SECONDS
    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            rollups_refresh.apply(throw=True)
        except Exception:
            # The ratings are committed already; failing the ingest request now
            # would invite a retry of a stored batch. The next ingest (or the
            # dashboard's recompute) runs the refresh again.
            logger.exception("rollup refresh after ingest failed (organization %s)", organization_id)
        return
    # The timeout is a safety net: should the queued task be lost, the key
    # expires and the next ingest schedules again.
    try:
        if cache.add(REFRESH_PENDING_KEY, organization_id, timeout=delay + 120):
            # ignore_result: nobody waits for this result, and the Redis result
            # backend would otherwise subscribe this web process to its channel
            # (and retry for ~20 s when Redis is down).
            rollups_refresh.apply_async(countdown=delay, ignore_result=True)
    except BROKER_OUTAGE_ERRORS as error:
        # The ratings are committed; an outage of the cache/broker must not turn
        # the answer into a 500 (the client would retry a stored batch). Nothing
        # is lost: the watermark keeps every later rating for the next refresh,
        # which the next ingest or the periodic beat task schedules.
        logger.warning("could not schedule the rollup refresh (organization %s): broker or cache unreachable: %r",
                       organization_id, error)
        with contextlib.suppress(*BROKER_OUTAGE_ERRORS):
            cache.delete(REFRESH_PENDING_KEY)


def refresh_pending_clear() -> None:
    cache.delete(REFRESH_PENDING_KEY)


def _watermark_locked() -> RollupWatermark:
    watermark = RollupWatermark.objects.select_for_update().filter(name=WATERMARK_NAME).first()
    if watermark is None:  # migration 0002 creates it; a flushed database may not have it
        RollupWatermark.objects.get_or_create(name=WATERMARK_NAME)
        watermark = RollupWatermark.objects.select_for_update().get(name=WATERMARK_NAME)
    return watermark


def rollups_refresh() -> RollupRefreshResult:
    """Add every rating committed since the watermark to the daily rollups.

    The upper bound comes from `committed_max_rating_id` (all ids up to it are
    committed). Then, in one transaction, the watermark row is locked, the new
    id range is aggregated with one GROUP BY and upserted (and its comments'
    terms, `analytics.comment_terms`), and the watermark is
    moved: a concurrent or repeated run waits on the row lock and then finds
    the range already done, so nothing is ever counted twice.
    """
    high = committed_max_rating_id()
    with transaction.atomic():
        derived_data_commit()
        watermark = _watermark_locked()
        result = RollupRefreshResult(from_id=watermark.last_rating_id, to_id=watermark.last_rating_id)
        if high <= watermark.last_rating_id:
            return result
        result.touchpoint_ids = upsert_ratings_range(low=watermark.last_rating_id, high=high)
        terms_upsert_range(low=watermark.last_rating_id, high=high)
        watermark.last_rating_id = result.to_id = high
        watermark.save(update_fields=["last_rating_id", "updated_at"])
        result.cycle_ids = bump_cycle_versions(result.touchpoint_ids)
    logger.info("rollups refreshed: ratings %s..%s, cycles %s", result.from_id, result.to_id, result.cycle_ids)
    return result


def rollups_rebuild(*, cycle_id: int | None = None) -> RollupRefreshResult:
    """Recompute rollups from raw ratings (one cycle, or everything), for repairs.

    Needed after ratings were deleted or a cycle's time zone changed. The
    comments' terms are counted again with them. Holds the
    watermark lock so no incremental refresh interleaves. A full rebuild takes
    every committed rating and moves the watermark past them; a one-cycle
    rebuild stops at the watermark (the other cycles' newer ratings are left
    to the next incremental run, which would otherwise skip them).
    """
    high = committed_max_rating_id() if cycle_id is None else 0
    with transaction.atomic():
        derived_data_commit()
        watermark = _watermark_locked()
        high = max(high, watermark.last_rating_id)
        rollups = DailyRollup.objects.all()
        if cycle_id is not None:
            rollups = rollups.filter(touchpoint__moment__cycle_id=cycle_id)
        # Ratings per touchpoint as the rollups stand: the weights that balance
        # the slices of the full read.
        weights = dict(rollups.order_by().values_list("touchpoint_id").annotate(ratings=Sum("n")))
        touched = set(weights)
        if cycle_id is None and connection.vendor == "postgresql":
            # A fresh, empty table rather than every row deleted: no dead rows
            # for the index and the heatmap reads to wade through, since the
            # new rows go in in key order. Until this commits, readers of the
            # rollups (a stale heatmap being recomputed) wait; pages show snapshots.
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {DailyRollup._meta.db_table}")
        else:
            rollups.delete()
        touched |= upsert_ratings_range(low=0, high=high, cycle_id=cycle_id, empty=True, weights=weights)
        terms_delete(cycle_id=cycle_id)
        terms_upsert_range(low=0, high=high, cycle_id=cycle_id)
        if cycle_id is None and high != watermark.last_rating_id:
            watermark.last_rating_id = high
            watermark.save(update_fields=["last_rating_id", "updated_at"])
        cycle_ids = bump_cycle_versions(touched)
        if cycle_id is not None and cycle_id not in cycle_ids:
            cycle_ids = sorted({*cycle_ids, cycle_id})
    return RollupRefreshResult(from_id=0, to_id=high, touchpoint_ids=touched, cycle_ids=cycle_ids)


def cycle_rebuild(*, cycle_id: int, progress: Progress = no_progress) -> int:
    """Count one cycle's rollups again from its ratings, then recompute its snapshots.

    What a new time zone needs: `rollups_rebuild` buckets every rating by the
    cycle's time zone as it is now, and the snapshots in use are recomputed from
    those rollups (not only marked stale), so the dashboard and the weekly review
    show the new days at once. Returns how many snapshots were computed.
    """
    progress(0, 1)
    rollups_rebuild(cycle_id=cycle_id)
    return heatmaps_refresh_cycle(cycle_id=cycle_id, progress=progress)


def organization_terms_recount(*, organization_id: int) -> list[int]:
    """Forget the organization's counted comment terms and, while it analyses
    comments, count them again from its ratings (after the switch was turned
    on, or the language of its comments changed). Under the watermark lock, up
    to the watermark, so the next incremental run adds exactly the rest.
    Returns its cycles' ids, whose snapshots are then recomputed."""
    from journeys.models import Organization, ServiceCycle

    with transaction.atomic():
        derived_data_commit()
        watermark = _watermark_locked()
        terms_delete(organization_id=organization_id)
        cycle_ids = list(ServiceCycle.objects.filter(organization_id=organization_id).order_by("pk")
                         .values_list("pk", flat=True))
        if Organization.objects.filter(pk=organization_id, comment_analysis=True).exists():
            for cycle_id in cycle_ids:
                terms_upsert_range(low=0, high=watermark.last_rating_id, cycle_id=cycle_id)
    heatmaps_queue(cycle_ids)
    return cycle_ids


# --- What the tasks do (each task is one call of these) -----------------------------


def heatmaps_queue(cycle_ids: list[int]) -> None:
    """Queue each cycle's snapshots for recomputing, heatmaps then key drivers, once the
    current transaction commits (in eager mode inside a caller's transaction, after it commits)."""
    from ..tasks import heatmaps_refresh, key_drivers_refresh

    if cycle_ids and not settings.CELERY_TASK_ALWAYS_EAGER:
        # Readers may show the snapshots as they are until the worker has them.
        transaction.on_commit(partial(heatmaps_recompute_queued, cycle_ids))
    for cycle_id in cycle_ids:
        transaction.on_commit(partial(heatmaps_refresh.delay, cycle_id))
        transaction.on_commit(partial(key_drivers_refresh.delay, cycle_id))


def alerts_scan_after(result: RollupRefreshResult) -> None:
    """The alert scan of the cycles a refresh touched (from the rollups it just committed)."""
    if result.cycle_ids:
        alerts_scan(cycle_ids=result.cycle_ids)


def rollups_refresh_and_fan_out() -> RollupRefreshResult:
    """The debounced refresh: let the next ingest schedule again, fold in what is new,
    then queue the snapshots of the cycles it touched and scan them for alerts."""
    refresh_pending_clear()
    result = rollups_refresh()
    heatmaps_queue(result.cycle_ids)
    alerts_scan_after(result)
    return result


def rollups_rebuild_and_fan_out(*, cycle_id: int | None = None) -> RollupRefreshResult:
    """A repair: rollups counted again from raw ratings, then the touched cycles' snapshots
    queued and their alerts scanned."""
    result = rollups_rebuild(cycle_id=cycle_id)
    heatmaps_queue(result.cycle_ids)
    alerts_scan_after(result)
    return result


def cycle_recompute(*, cycle_id: int, dimension: str, period: Period, progress: Progress = no_progress) -> int:
    """The dashboard's "recompute now": new ratings into rollups, then this cycle's
    snapshots, the one on screen (`dimension`, `period`) first. Returns how many."""
    progress(0, 1)
    refresh_pending_clear()
    alerts_scan_after(rollups_refresh())
    return heatmaps_refresh_cycle(cycle_id=cycle_id, progress=progress, extra=[(dimension, period)])
