"""Rollups: new ratings folded in incrementally, or everything counted again.

Flow: ratings are inserted (touchpoints) → `ratings_arrived` schedules one
debounced refresh → `rollups_refresh_and_fan_out` adds new ratings to
`DailyRollup`, bumps the version of every cycle it touched, queues those
cycles' heatmap snapshots (analytics.services.snapshots) and scans their
organizations for alerts (analytics.services.alerts).

The words of the comments (`analytics.comment_terms`) have a watermark of their
own ("terms"): with a worker, the refresh after ingest counts ratings at once
and schedules `terms_refresh_and_fan_out` MOMENTO_TERMS_DEBOUNCE_SECONDS later,
so under steady ingest the counts follow every few seconds and the words, whose
counting costs far more, every half minute; the snapshots it queues read the
new words (a snapshot keeps its insights while the terms watermark stands
still, analytics.services.snapshots). Each watermark is moved in the
transaction that counts up to it, so every rating and every comment is counted
once. Where both are held, the ratings' row is locked first.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
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
from ..rollups import bump_cycle_versions, cycle_ids_of, upsert_ratings_range
from .alerts import alerts_scan
from .base import BROKER_OUTAGE_ERRORS, Progress, derived_data_commit, no_progress
from .snapshots import heatmaps_recompute_queued, heatmaps_refresh_cycle

logger = logging.getLogger(__name__)

WATERMARK_NAME = "ratings"
TERMS_WATERMARK_NAME = "terms"
REFRESH_PENDING_KEY = "analytics:rollups-refresh-pending"
TERMS_PENDING_KEY = "analytics:terms-refresh-pending"

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
    thousands of batches queues one refresh. The key holds that task's id: the
    task deletes it before it reads the watermark range (`refresh_pending_release`),
    so ratings committed after that schedule the next run. Any other refresh
    (beat's, "recompute now") leaves the key to the task that holds it: had it
    deleted it, ingest would have scheduled a second task beside the pending one,
    and under steady ingest the two would have gone on scheduling each other's
    successors, a refresh twice (and after each beat tick once more) per period.
    Embedded (eager) mode has no worker: the refresh runs right here, so the
    dashboard shows the ratings at once.
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
        # ignore_result: nobody waits for this result, and the Redis result
        # backend would otherwise subscribe this web process to its channel
        # (and retry for ~20 s when Redis is down).
        _schedule_once(REFRESH_PENDING_KEY, rollups_refresh, countdown=delay, timeout=delay + 120,
                       ignore_result=True)
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
    """Forget the pending refresh, whichever task holds it (tests, the bench)."""
    cache.delete(REFRESH_PENDING_KEY)


def _schedule_once(key: str, task, *, countdown: float, timeout: int, args: tuple = (), **options) -> None:
    """Queue `task` unless the one that holds `key` is pending: the key holds the id of
    the task queued (`_release`)."""
    task_id = str(uuid.uuid4())
    if cache.add(key, task_id, timeout=timeout):
        task.apply_async(*((args,) if args else ()), countdown=countdown, task_id=task_id, **options)


def _release(key: str, task_id: str | None) -> None:
    """The task queued as `task_id` under `key` (`_schedule_once`) starts: let the next
    caller queue again. Only that task releases the key; while the key holds it, no one
    else can set it (`cache.add`), so reading then deleting is safe. A key that holds
    no task id (set before ids were kept) is released by any task."""
    if task_id is None:
        return
    with contextlib.suppress(*BROKER_OUTAGE_ERRORS):
        holder = cache.get(key)
        if holder == task_id or (holder is not None and not isinstance(holder, str)):
            cache.delete(key)


def refresh_pending_release(task_id: str | None) -> None:
    """The refresh that `ratings_arrived` scheduled as `task_id` starts: let the next
    ingest schedule again (`_release`)."""
    _release(REFRESH_PENDING_KEY, task_id)


def _watermark_locked(name: str = WATERMARK_NAME) -> RollupWatermark:
    """The watermark row `name`, locked until the transaction ends."""
    watermark = RollupWatermark.objects.select_for_update().filter(name=name).first()
    if watermark is None:  # migrations 0002 and 0009 create them; a flushed database may not have them
        # Terms were counted with the ratings until they had a watermark of their own.
        start = 0 if name == WATERMARK_NAME else (
            RollupWatermark.objects.filter(name=WATERMARK_NAME).values_list("last_rating_id", flat=True).first() or 0)
        RollupWatermark.objects.get_or_create(name=name, defaults={"last_rating_id": start})
        watermark = RollupWatermark.objects.select_for_update().get(name=name)
    return watermark


def _terms_watermark_locked() -> RollupWatermark:
    return _watermark_locked(TERMS_WATERMARK_NAME)


def terms_watermark() -> int:
    """Up to which rating the words of comments are counted (no lock)."""
    return RollupWatermark.objects.filter(name=TERMS_WATERMARK_NAME).values_list(
        "last_rating_id", flat=True).first() or 0


def rollups_refresh(*, terms: bool = True) -> RollupRefreshResult:
    """Add every rating committed since the watermark to the daily rollups (and,
    with `terms`, every comment since the terms watermark to the term counts).

    The upper bound comes from `committed_max_rating_id` (all ids up to it are
    committed). Then, in one transaction, the watermark row is locked, the new
    id range is aggregated with one GROUP BY and upserted, and the watermark is
    moved: a concurrent or repeated run waits on the row lock and then finds
    the range already done, so nothing is ever counted twice. The words go the
    same way under their own watermark (`_terms_add`).
    """
    high = committed_max_rating_id()
    with transaction.atomic():
        derived_data_commit()
        watermark = _watermark_locked()
        # Locked, or at least made (where the ratings' watermark stands), before that one moves:
        # made afterwards it would start past the words of these ratings.
        if terms:
            terms_watermark_row = _terms_watermark_locked()
        else:
            terms_watermark_row = None
            RollupWatermark.objects.get_or_create(name=TERMS_WATERMARK_NAME,
                                                  defaults={"last_rating_id": watermark.last_rating_id})
        result = RollupRefreshResult(from_id=watermark.last_rating_id, to_id=watermark.last_rating_id)
        if high > watermark.last_rating_id:
            result.touchpoint_ids = upsert_ratings_range(low=watermark.last_rating_id, high=high)
            watermark.last_rating_id = result.to_id = high
            watermark.save(update_fields=["last_rating_id", "updated_at"])
            result.cycle_ids = bump_cycle_versions(result.touchpoint_ids)
        if terms_watermark_row is not None:
            result.cycle_ids = sorted({*result.cycle_ids, *_terms_add(high, terms_watermark_row)})
    if result.to_id > result.from_id:
        logger.info("rollups refreshed: ratings %s..%s, cycles %s", result.from_id, result.to_id, result.cycle_ids)
    return result


def _terms_add(high: int, watermark: RollupWatermark | None = None) -> list[int]:
    """Count the words of comments past the terms watermark (locked by the caller, or
    here) up to `high` and move it, inside the caller's transaction; the ids of the
    cycles whose words changed."""
    watermark = watermark or _terms_watermark_locked()
    if high <= watermark.last_rating_id:
        return []
    touchpoint_ids = terms_upsert_range(low=watermark.last_rating_id, high=high)
    watermark.last_rating_id = high
    watermark.save(update_fields=["last_rating_id", "updated_at"])
    return cycle_ids_of(touchpoint_ids)


def terms_refresh() -> list[int]:
    """Count the words of every comment committed since the terms watermark; the ids
    of the cycles whose words changed."""
    high = committed_max_rating_id()
    with transaction.atomic():
        derived_data_commit()
        cycle_ids = _terms_add(high)
    if cycle_ids:
        logger.info("comment terms counted up to rating %s, cycles %s", high, cycle_ids)
    return cycle_ids


def terms_refresh_soon() -> None:
    """Schedule one terms refresh MOMENTO_TERMS_DEBOUNCE_SECONDS from now (one at a time)."""
    from ..tasks import terms_refresh as terms_refresh_task

    delay = settings.MOMENTO_TERMS_DEBOUNCE_SECONDS
    try:
        if cache.add(TERMS_PENDING_KEY, 1, timeout=delay + 120):
            transaction.on_commit(partial(terms_refresh_task.apply_async, countdown=delay, ignore_result=True))
    except BROKER_OUTAGE_ERRORS as error:
        # Nothing is lost: the next refresh (after ingest, or beat's) schedules it again.
        logger.warning("could not schedule the terms refresh: broker or cache unreachable: %r", error)
        with contextlib.suppress(*BROKER_OUTAGE_ERRORS):
            cache.delete(TERMS_PENDING_KEY)


def terms_refresh_and_fan_out() -> list[int]:
    """The debounced terms refresh: let the next refresh schedule again, count the new
    words, then queue the snapshots of the cycles they belong to (their insights)."""
    with contextlib.suppress(*BROKER_OUTAGE_ERRORS):
        cache.delete(TERMS_PENDING_KEY)
    cycle_ids = terms_refresh()
    heatmaps_queue(cycle_ids, drivers="no")
    return cycle_ids


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
        # The words: all of them up to the same rating, or the cycle's up to the terms watermark.
        terms = _terms_watermark_locked()
        terms_delete(cycle_id=cycle_id)
        terms_upsert_range(low=0, high=high if cycle_id is None else terms.last_rating_id, cycle_id=cycle_id)
        if cycle_id is None and high != terms.last_rating_id:
            terms.last_rating_id = high
            terms.save(update_fields=["last_rating_id", "updated_at"])
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
        _watermark_locked()  # no refresh, rebuild or erasure interleaves
        watermark = _terms_watermark_locked()
        terms_delete(organization_id=organization_id)
        cycle_ids = list(ServiceCycle.objects.filter(organization_id=organization_id).order_by("pk")
                         .values_list("pk", flat=True))
        if Organization.objects.filter(pk=organization_id, comment_analysis=True).exists():
            for cycle_id in cycle_ids:
                terms_upsert_range(low=0, high=watermark.last_rating_id, cycle_id=cycle_id)
    heatmaps_queue(cycle_ids)
    return cycle_ids


# --- What the tasks do (each task is one call of these) -----------------------------


def heatmaps_queue(cycle_ids: list[int], *, drivers: str = "now") -> None:
    """Queue each cycle's snapshots for recomputing, heatmaps then key drivers, once the
    current transaction commits (in eager mode inside a caller's transaction, after it commits).

    `drivers`: "now" queues the key drivers too; "soon" (new ratings under ingest)
    at most once per MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS (`key_drivers_soon`); "no"
    leaves them (the words of comments changed, which key drivers do not read)."""
    from ..tasks import heatmaps_refresh, key_drivers_refresh

    if cycle_ids and not settings.CELERY_TASK_ALWAYS_EAGER:
        # Readers may show the snapshots as they are until the worker has them.
        transaction.on_commit(partial(heatmaps_recompute_queued, cycle_ids))
    for cycle_id in cycle_ids:
        transaction.on_commit(partial(heatmaps_refresh.delay, cycle_id))
        if drivers == "now":
            transaction.on_commit(partial(key_drivers_refresh.delay, cycle_id))
        elif drivers == "soon":
            transaction.on_commit(partial(key_drivers_soon, cycle_id))


# Key drivers after new ratings: at once when none were computed for the cycle in the
# last interval, else once when it ends. They fit a model over every linked customer
# (0.2 s at 10⁶ ratings, and the dashboard's figures drawn again after them); under
# steady ingest they came after every refresh, every few seconds, beside readers.
KEY_DRIVERS_WINDOW_KEY = "analytics:key-drivers-window:{cycle_id}"
KEY_DRIVERS_PENDING_KEY = "analytics:key-drivers-pending:{cycle_id}"


def key_drivers_soon(cycle_id: int) -> None:
    """The cycle's key drivers after new ratings, at most once per
    MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS (0: every time): now if the cycle's
    window is open, else one task at the window's end (`key_drivers_window_open`
    opens the next one when it runs), which counts every rating refreshed before it."""
    from ..tasks import key_drivers_refresh

    interval = settings.MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS
    if interval <= 0 or settings.CELERY_TASK_ALWAYS_EAGER:
        key_drivers_refresh.delay(cycle_id)
        return
    window, pending = (KEY_DRIVERS_WINDOW_KEY.format(cycle_id=cycle_id),
                       KEY_DRIVERS_PENDING_KEY.format(cycle_id=cycle_id))
    try:
        now = time.time()
        if cache.add(window, now + interval, timeout=interval):
            key_drivers_refresh.delay(cycle_id)
            return
        countdown = max(0.0, float(cache.get(window) or now) - now)
        _schedule_once(pending, key_drivers_refresh, args=(cycle_id,), countdown=countdown,
                       timeout=int(countdown) + 120)
    except BROKER_OUTAGE_ERRORS as error:
        # Nothing is lost: the dashboard marks them stale, and the next refresh asks again.
        logger.warning("could not schedule the key drivers of cycle %s: broker or cache unreachable: %r",
                       cycle_id, error)
        with contextlib.suppress(*BROKER_OUTAGE_ERRORS):
            cache.delete(pending)


def key_drivers_window_open(*, cycle_id: int, task_id: str | None) -> None:
    """A key-driver task of the cycle starts: the next interval begins now, and the
    task that `key_drivers_soon` scheduled (`task_id`) lets a later refresh schedule
    the next one."""
    interval = settings.MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS
    if interval <= 0 or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    with contextlib.suppress(*BROKER_OUTAGE_ERRORS):
        cache.set(KEY_DRIVERS_WINDOW_KEY.format(cycle_id=cycle_id), time.time() + interval, timeout=interval)
    _release(KEY_DRIVERS_PENDING_KEY.format(cycle_id=cycle_id), task_id)


def alerts_scan_after(result: RollupRefreshResult) -> None:
    """The alert scan of the cycles a refresh touched (from the rollups it just committed)."""
    if result.cycle_ids:
        alerts_scan(cycle_ids=result.cycle_ids)


def rollups_refresh_and_fan_out(*, task_id: str | None = None) -> RollupRefreshResult:
    """The refresh after ingest (`task_id`: the debounced task `ratings_arrived`
    scheduled, which lets the next ingest schedule again) or beat's: fold in what is
    new, then queue the snapshots of the cycles it touched and scan them for alerts.
    The words are counted MOMENTO_TERMS_DEBOUNCE_SECONDS later, in their own task (at
    once when that is 0, or without a worker)."""
    refresh_pending_release(task_id)
    later = settings.MOMENTO_TERMS_DEBOUNCE_SECONDS > 0 and not settings.CELERY_TASK_ALWAYS_EAGER
    result = rollups_refresh(terms=not later)
    if later and (result.to_id > result.from_id or terms_watermark() < result.to_id):
        terms_refresh_soon()
    heatmaps_queue(result.cycle_ids, drivers="soon")
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
    alerts_scan_after(rollups_refresh())
    return heatmaps_refresh_cycle(cycle_id=cycle_id, progress=progress, extra=[(dimension, period)])
