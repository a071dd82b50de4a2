"""Exports of a cycle's PDF report as background work with progress (the import's pattern).

Flow: `report_export_start` stores a queued `ReportExport` and sends the task
after the commit → the task calls `report_export_run`, which claims the row
(queued → running, by row count), writes the PDF (analytics.report) telling the
task's state how many sections are done, and stores it with the outcome → the
page that polls `report_export_progress` offers the download. In the embedded
mode (no broker) the task runs inside the request that starts it, so the first
answer is already the outcome.

A report of a cycle deleted meanwhile is no crash: the run records the failure
`cycle_deleted` and the page says so. Exports older than `EXPORT_RETENTION` are
deleted at each new start (their PDF is in the row).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from celery.result import AsyncResult
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from journeys.models import ServiceCycle

from .models import ReportExport
from .periods import Period

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
EXPORT_RETENTION = dt.timedelta(hours=24)
# Why an export failed (stored as the code, worded when shown).
FAILURES = {
    "cycle_deleted": gettext_lazy("The cycle was deleted before its report was ready."),
    "database_unavailable": gettext_lazy("The database could not be reached; try again in a moment."),
    "export_crashed": gettext_lazy("The report could not be made. Try again; if it fails again, tell your "
                                   "administrator."),
    "export_stalled": gettext_lazy("No worker made the report in time; try again."),
}
# Celery's words, so the page's poll (static/js/task_progress.js) reads an export like any task.
TASK_STATES = {ReportExport.Status.QUEUED: "PENDING", ReportExport.Status.RUNNING: "PROGRESS",
               ReportExport.Status.SUCCEEDED: "SUCCESS", ReportExport.Status.FAILED: "FAILURE"}


def failure_message(code: str) -> str:
    return str(FAILURES.get(code, FAILURES["export_crashed"]))


@transaction.atomic
def report_export_start(*, cycle: ServiceCycle, period: Period, requested_by: User | None) -> ReportExport:
    """Queue the report of `cycle` for `period`, in the active language, made by the task
    after this transaction commits (at once in the embedded mode)."""
    report_exports_expire()
    export = ReportExport.objects.create(
        organization_id=cycle.organization_id, cycle=cycle, cycle_name=cycle.name, requested_by=requested_by,
        period_start=period.start, period_end=period.end, language=translation.get_language() or "en",
        task_id=str(uuid.uuid4()))
    transaction.on_commit(lambda: _send(export))
    return export


def _send(export: ReportExport) -> None:
    from .services import BROKER_OUTAGE_ERRORS
    from .tasks import report_export

    if settings.CELERY_TASK_ALWAYS_EAGER:
        _make_here(export)
        return
    try:
        report_export.apply_async(args=[export.pk], task_id=export.task_id)
    except BROKER_OUTAGE_ERRORS as error:
        # No broker to queue it on: make it here, as the embedded mode does.
        logger.warning("could not queue report export %s (broker unreachable: %r); making it now", export.pk, error)
        _make_here(export)


def _make_here(export: ReportExport) -> None:
    """Run the task in this process. A failure is recorded on the row (the page says
    so), never raised into the request that asked for the report."""
    from .tasks import report_export

    try:
        report_export.apply(args=[export.pk], task_id=export.task_id, throw=True)
    except Exception:
        logger.exception("report export %s failed", export.pk)
        report_export_fail(export_id=export.pk, code="export_crashed")


def _finish(export_id: int, **fields) -> int:
    return ReportExport.objects.filter(pk=export_id, status=ReportExport.Status.RUNNING).update(
        finished_at=timezone.now(), **fields)


def report_export_run(*, export_id: int, progress: Progress | None = None) -> ReportExport | None:
    """Make the PDF and store it (the task's body). Claim, then act: only a queued
    export, or one a dead worker left running (a redelivery), is made; a finished
    one is left as it is, so running twice stores one outcome. None when the
    export itself is gone (its organization deleted)."""
    claimed = ReportExport.objects.filter(
        pk=export_id, status__in=[ReportExport.Status.QUEUED, ReportExport.Status.RUNNING],
    ).update(status=ReportExport.Status.RUNNING, started_at=timezone.now())
    export = ReportExport.objects.filter(pk=export_id).first()
    if export is None or not claimed:
        return export
    cycle = ServiceCycle.objects.select_related("organization").filter(pk=export.cycle_id).first() \
        if export.cycle_id else None
    if cycle is None:
        _finish(export_id, status=ReportExport.Status.FAILED, error_code="cycle_deleted")
        return ReportExport.objects.get(pk=export_id)
    from .report import report_pdf  # matplotlib and fpdf2: only where a report is made

    period = Period(start=export.period_start, end=export.period_end)
    try:
        with translation.override(export.language):
            content = report_pdf(cycle=cycle, period=period, progress=progress)
    except Exception:
        if not ServiceCycle.objects.filter(pk=cycle.pk).exists():
            # Deleted while its report was being written (its snapshot could not be stored).
            logger.info("the cycle of report export %s was deleted while it was made", export_id)
            _finish(export_id, status=ReportExport.Status.FAILED, error_code="cycle_deleted")
            return ReportExport.objects.get(pk=export_id)
        raise
    if not ServiceCycle.objects.filter(pk=cycle.pk).exists():
        _finish(export_id, status=ReportExport.Status.FAILED, error_code="cycle_deleted")
    else:
        _finish(export_id, status=ReportExport.Status.SUCCEEDED, content=content, size=len(content))
    return ReportExport.objects.get(pk=export_id)


def report_export_fail(*, export_id: int, code: str) -> bool:
    """Record that the task gave up (`code` in FAILURES); True if this call recorded it."""
    return bool(ReportExport.objects.filter(
        pk=export_id, status__in=[ReportExport.Status.QUEUED, ReportExport.Status.RUNNING],
    ).update(status=ReportExport.Status.FAILED, error_code=code, finished_at=timezone.now()))


def report_exports_expire(*, older_than: dt.timedelta = EXPORT_RETENTION) -> int:
    """Delete exports (and their PDFs) requested longer ago than `older_than`; how many."""
    deleted, _counts = ReportExport.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


@dataclass(frozen=True)
class ExportProgress:
    """What the page's poll reads: Celery's state words, sections done of total, why it failed."""

    state: str
    done: int | None
    total: int | None
    error: str | None

    def as_dict(self) -> dict:
        return {"state": self.state, "done": self.done, "total": self.total, "error": self.error}


def report_export_progress(*, export: ReportExport) -> ExportProgress:
    """Where an export stands: its row once finished (in the embedded mode that is so
    at the first ask), else the task's PROGRESS meta from the result backend."""
    if report_export_stalled(export=export):
        logger.warning("report export %s waited an hour for a worker; failed", export.pk)
    export.refresh_from_db(fields=["status", "error_code"])
    state = TASK_STATES[ReportExport.Status(export.status)]
    if export.status == ReportExport.Status.FAILED:
        return ExportProgress(state, None, None, failure_message(export.error_code))
    if export.is_finished or settings.CELERY_TASK_ALWAYS_EAGER or not export.task_id:
        return ExportProgress(state, 1 if export.is_finished else None, 1 if export.is_finished else None, None)
    info = AsyncResult(export.task_id).info
    info = info if isinstance(info, dict) else {}
    return ExportProgress(state, info.get("done"), info.get("total"), None)


def report_export_stalled(*, export: ReportExport, now: dt.datetime | None = None) -> bool:
    """An export queued for longer than an hour lost its task (no worker): fail it, so its
    page does not wait forever. True if it was failed now."""
    if export.status != ReportExport.Status.QUEUED or export.created_at > (now or timezone.now()) - \
            dt.timedelta(hours=1):
        return False
    return report_export_fail(export_id=export.pk, code="export_stalled")


__all__ = ["EXPORT_RETENTION", "FAILURES", "ExportProgress", "failure_message", "report_export_fail",
           "report_export_progress", "report_export_run", "report_export_stalled", "report_export_start",
           "report_exports_expire"]
