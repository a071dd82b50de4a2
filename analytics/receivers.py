"""What analytics does when a lower app announces a change (connected in `apps.ready`)."""

from __future__ import annotations

import logging

from django.conf import settings

from journeys import events

from . import selectors, services

logger = logging.getLogger(__name__)

def ratings_stored(*, organization_id: int) -> None:
    """New ratings are committed: schedule the (debounced) rollup refresh."""
    services.ratings_arrived(organization_id=organization_id)


def cycle_timezone_changed(*, cycle_id: int, timezone: str) -> None:
    """Count the cycle's days again in its new time zone: rollups, then snapshots.

    Runs after the change committed. A worker does it, and the cycle page
    follows the task's progress. In embedded mode (no worker), or when the
    broker is unreachable, it runs right here: leaving the days in the old zone
    would make the dashboard contradict the settings. Nothing raised here
    reaches the person who saved the settings, which are stored already.
    """
    from .tasks import cycle_rebuild
    from .views import task_watch

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            result = cycle_rebuild.delay(cycle_id)
            _record(cycle_id, timezone, state=result.state,
                    status_url=task_watch(task_id=result.id, cycle_id=cycle_id))
            return
        except services.BROKER_OUTAGE_ERRORS as error:
            logger.warning("could not queue the rebuild of cycle %s (broker unreachable: %r); rebuilding now",
                           cycle_id, error)
    try:
        services.cycle_rebuild(cycle_id=cycle_id)
    except Exception:
        # The settings are committed; a 500 now would only invite saving them again.
        logger.exception("rebuilding cycle %s for time zone %s failed", cycle_id, timezone)
        _record(cycle_id, timezone, state="FAILURE")
    else:
        _record(cycle_id, timezone, state="SUCCESS")


def comment_analysis_changed(*, organization_id: int, enabled: bool) -> None:
    """Forget (and, when enabled, count again) the organization's comment terms.

    A worker recounts; the words are forgotten at once here first when the
    analysis was switched off, so no page shows them a moment longer. In
    embedded mode, or without a broker, the recount runs right here.
    """
    from .comment_terms import terms_delete
    from .tasks import comment_terms_recount

    if not enabled:
        terms_delete(organization_id=organization_id)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            comment_terms_recount.delay(organization_id)
            return
        except services.BROKER_OUTAGE_ERRORS as error:
            logger.warning("could not queue the comment terms of organization %s (broker unreachable: %r); "
                           "counting now", organization_id, error)
    try:
        services.organization_terms_recount(organization_id=organization_id)
    except Exception:
        logger.exception("counting the comment terms of organization %s failed", organization_id)


def subject_removed(*, cycle_id: int) -> None:
    """A moment or touchpoint was deleted: close its open alerts, saying so. Runs after
    the deletion committed; should it fail, the next scan of the cycle closes them."""
    try:
        services.alerts_close_orphans(cycle_ids=[cycle_id])
    except Exception:
        logger.exception("closing the alerts of deleted subjects of cycle %s failed", cycle_id)


def _record(cycle_id: int, timezone: str, *, state: str, status_url: str = "") -> None:
    try:
        events.cycle_job_record(cycle_id=cycle_id, job=events.CycleJob(
            kind=events.RECOUNT_FOR_TIMEZONE, status_url=status_url, state=state, params={"timezone": timezone}))
    except services.BROKER_OUTAGE_ERRORS as error:
        logger.warning("could not record the rebuild of cycle %s for its page (cache unreachable: %r)",
                       cycle_id, error)


# --- Figures for the pages of lower apps (journeys/events.py contributions) -------------


def cycle_list_figures(*, cycle_ids: list[int]) -> dict[int, dict]:
    """Critical moments per cycle in the newest default snapshot (one query)."""
    return {pk: {"critical_count": count} for pk, count in selectors.critical_counts(cycle_ids=cycle_ids).items()}


def moment_figures(*, cycle) -> dict[int, dict]:
    """Each moment's dissatisfied share, mean score and critical flag over the default period (one query)."""
    return selectors.latest_moment_figures(cycle=cycle)
