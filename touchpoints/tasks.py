"""Celery tasks of touchpoints: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import translation

from momento.celery import TASK_OPTIONS, RecordsFailureTask, task_progress

from . import imports


class RatingImportTask(RecordsFailureTask):
    """Records the outcome when the task gives up, so the page never says "Importing" forever."""

    crash_code = "import_crashed"

    def record_failure(self, object_id: int, code: str) -> None:
        imports.rating_import_fail(import_id=object_id, code=code)


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
