"""Celery tasks of touchpoints: thin wrappers that take ids and call one service."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.utils import translation

from momento.celery import TASK_OPTIONS, TRANSIENT_ERRORS, task_progress

from . import imports

logger = logging.getLogger(__name__)



class RatingImportTask(Task):
    """Records the outcome when the task gives up, so the page never says "Importing" forever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Called once the task has failed for good: transient errors after the
        # last retry, anything else at once, and a hard time limit. (A worker
        # that dies is not a failure: the message is redelivered.)
        import_id = args[0] if args else kwargs.get("import_id")
        code = "database_unavailable" if isinstance(exc, TRANSIENT_ERRORS) else "import_crashed"
        try:
            imports.rating_import_fail(import_id=import_id, code=code)
        except TRANSIENT_ERRORS:
            # The database is still away; the upload-time sweep marks it once it is stale.
            logger.warning("ratings import %s: could not record its failure (%s)", import_id, code)


@shared_task(name="touchpoints.ratings_import", base=RatingImportTask, **TASK_OPTIONS)
def ratings_import(self, import_id: int, language: str | None = None) -> dict:
    """Import an uploaded ratings CSV (a RatingImport row), reporting progress.

    Progress goes to the task state as PROGRESS {"done", "total"} (lines), which
    the import page polls. Errors are stored as codes and translated when
    the page shows them, so `language` (the uploader's, sent by
    `rating_import_start`) only sets the language the task runs in.
    """
    with translation.override(language or translation.get_language()):
        rating_import = imports.rating_import_run(import_id=import_id, progress=task_progress(self))
    return {
        "status": rating_import.status, "rows": rating_import.row_count, "created": rating_import.created_count,
        "duplicate": rating_import.duplicate_count, "errors": rating_import.error_count,
    }
