"""Celery tasks of the analytics: ids in, one service call (analytics.services).

All are idempotent (the watermark makes a repeated refresh a no-op; snapshots
are replaced, not appended), so `acks_late` redelivery after a worker crash is
safe; they retry only on the errors that may pass (momento.celery).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from momento.celery import TASK_OPTIONS, TRANSIENT_ERRORS, RecordsFailureTask, task_progress

from . import exports, services
from .periods import Period

__all__ = ["TRANSIENT_ERRORS", "alerts_scan", "comment_terms_recount", "cycle_rebuild", "cycle_recompute",
           "heatmaps_refresh", "key_drivers_refresh", "report_export", "rollups_rebuild", "rollups_refresh",
           "terms_refresh"]


@shared_task(name="analytics.rollups_refresh", **TASK_OPTIONS)
def rollups_refresh(self) -> dict:
    """Add new ratings to the rollups, then recompute the touched cycles' heatmaps."""
    result = services.rollups_refresh_and_fan_out(task_id=self.request.id)
    return {"from_id": result.from_id, "to_id": result.to_id, "cycles": result.cycle_ids}


@shared_task(name="analytics.terms_refresh", **TASK_OPTIONS)
def terms_refresh(self) -> dict:
    """Count the words of new comments, then recompute the touched cycles' snapshots (their insights)."""
    return {"cycles": services.terms_refresh_and_fan_out()}


@shared_task(name="analytics.rollups_rebuild", **TASK_OPTIONS)
def rollups_rebuild(self, cycle_id: int | None = None) -> dict:
    """Rebuild rollups from raw ratings (repairs), then the heatmaps."""
    result = services.rollups_rebuild_and_fan_out(cycle_id=cycle_id)
    return {"to_id": result.to_id, "cycles": result.cycle_ids}


@shared_task(name="analytics.cycle_rebuild", **TASK_OPTIONS)
def cycle_rebuild(self, cycle_id: int) -> dict:
    """One cycle's rollups counted again (its time zone changed), then its snapshots;
    progress goes to the task state, which the cycle page follows."""
    computed = services.cycle_rebuild(cycle_id=cycle_id, progress=task_progress(self))
    return {"cycle": cycle_id, "snapshots": computed}


@shared_task(name="analytics.heatmaps_refresh", **TASK_OPTIONS)
def heatmaps_refresh(self, cycle_id: int) -> dict:
    # One at a time per cycle, and only what is not current: after the words' refresh and
    # the ratings' both queue the cycle, the second finds most of the work done.
    with services.heatmaps_refresh_lock(cycle_id):
        computed = services.heatmaps_refresh_cycle(cycle_id=cycle_id, progress=task_progress(self), only_stale=True)
    return {"cycle": cycle_id, "snapshots": computed, "dashboard": _dashboard_warm(cycle_id)}


@shared_task(name="analytics.key_drivers_refresh", **TASK_OPTIONS)
def key_drivers_refresh(self, cycle_id: int) -> dict:
    """The cycle's key drivers and customer's path, from one aggregate of its linked ratings."""
    services.key_drivers_window_open(cycle_id=cycle_id, task_id=self.request.id)
    computed = services.key_drivers_refresh_cycle(cycle_id=cycle_id, progress=task_progress(self))
    return {"cycle": cycle_id, "snapshots": computed, "dashboard": _dashboard_warm(cycle_id)}


def _dashboard_warm(cycle_id: int) -> list[str]:
    """A worker renders the default dashboard's figures as soon as what they show is
    computed, so that no reader waits for it (analytics.views.dashboard_figures_warm).
    Without a worker (eager tasks, in a request) the first reader renders them."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    from .views import dashboard_figures_warm  # the views import these tasks

    return dashboard_figures_warm(cycle_id=cycle_id)


@shared_task(name="analytics.cycle_recompute", **TASK_OPTIONS)
def cycle_recompute(self, cycle_id: int, dimension: str, start: str, end: str) -> dict:
    """The dashboard's "recompute now". The period travels as its days: a `Period`
    is nothing more (its `weeks` follows from them), so the snapshot stored is the
    one on screen."""
    period = Period(start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))
    computed = services.cycle_recompute(cycle_id=cycle_id, dimension=dimension, period=period,
                                        progress=task_progress(self))
    return {"cycle": cycle_id, "snapshots": computed}


@shared_task(name="analytics.comment_terms_recount", **TASK_OPTIONS)
def comment_terms_recount(self, organization_id: int) -> dict:
    """An organization switched comment analysis on/off or changed its comments' language."""
    cycles = services.organization_terms_recount(organization_id=organization_id)
    return {"organization": organization_id, "cycles": cycles}


@shared_task(name="analytics.alerts_scan", **TASK_OPTIONS)
def alerts_scan(self) -> dict:
    """Hourly (beat): scan every cycle for alerts, so an alert closes after 7 quiet days
    (and a rolling window can turn critical) even when no rating arrives."""
    result = services.alerts_scan()
    return {"cycles": len(result.cycle_ids), "opened": result.opened, "closed": result.closed}
class ReportExportTask(RecordsFailureTask):
    """Records the outcome when the task gives up, so the page never says "being made" forever."""

    crash_code = "export_crashed"

    def record_failure(self, object_id: int, code: str) -> None:
        exports.report_export_fail(export_id=object_id, code=code)


# Eager mode propagates errors (CELERY_TASK_EAGER_PROPAGATES) into the request that
# started the export; the failure is recorded and the page says so, never a 500.
@shared_task(name="analytics.report_export", base=ReportExportTask, **{**TASK_OPTIONS, "max_retries": 2})
def report_export(self, export_id: int) -> dict:
    """Make a cycle's PDF report (a ReportExport row); progress in sections done of total."""
    export = exports.report_export_run(export_id=export_id, progress=task_progress(self))
    return {"export": export_id, "status": export.status if export else "gone",
            "size": export.size if export else 0}
