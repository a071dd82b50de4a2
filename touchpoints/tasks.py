"""Celery tasks of touchpoints: thin wrappers that take ids and call one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _

from . import imports

logger = logging.getLogger(__name__)

# Errors that may pass; the import rolled back, so running it again is safe.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="touchpoints.ratings_import", bind=True, acks_late=True, autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True, retry_backoff_max=120, max_retries=5,
)
def ratings_import(self, import_id: int, language: str | None = None) -> dict:
    """Import an uploaded ratings CSV (a RatingImport row), reporting progress.

    Progress goes to the task state as PROGRESS {"done", "total"} (lines), which
    the import page polls. `language` is the uploader's, so the errors by line
    stored for the page read in the language they asked in.
    """
    def progress(done: int, total: int) -> None:
        # No request id when called as a plain function (e.g. from a test).
        if self.request.id:
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

    with translation.override(language or translation.get_language()):
        try:
            rating_import = imports.rating_import_run(import_id=import_id, progress=progress)
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            logger.exception("ratings import %s failed", import_id)
            imports.rating_import_fail(
                import_id=import_id, message=_("The import stopped on an unexpected error; nothing was written.")
            )
            raise
    return {
        "status": rating_import.status, "rows": rating_import.row_count, "created": rating_import.created_count,
        "duplicate": rating_import.duplicate_count, "errors": rating_import.error_count,
    }
