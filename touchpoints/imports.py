"""The import page's writes: upload a ratings CSV, start its import, run it, expire leftovers.

Flow: `rating_import_upload` streams the upload to a file under
`settings.MOMENTO_UPLOAD_DIR` (refusing it past MOMENTO_CSV_MAX_BYTES while
streaming, and refusing what is not CSV) and stores the preview on a
`RatingImport` row → `rating_import_start` queues the Celery task once →
the task calls `rating_import_run`, which imports the file all or nothing with
`csv_io.ratings_import_csv` and records the outcome in the same transaction,
so a re-delivered task never imports a file twice → the file is deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from journeys.models import Organization, ServiceCycle

from .csv_io import CsvInvalid, ratings_import_csv
from .csv_preview import NotCsv, csv_preview
from .models import RatingImport

logger = logging.getLogger(__name__)

UPLOAD_CHUNK = 1 << 20
# An upload nobody imported is deleted after this long (checked at each upload).
UPLOAD_RETENTION = dt.timedelta(hours=24)
Progress = Callable[[int, int], None]


class ImportNotStartable(ValidationError):
    """The import was already started (a second click) or its file is gone."""


def upload_path(rating_import: RatingImport) -> Path:
    return Path(settings.MOMENTO_UPLOAD_DIR) / rating_import.stored_name


def _delete_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        logger.exception("could not delete the uploaded file %s", path)


def too_large_message(size: int | None = None) -> str:
    limit = settings.MOMENTO_CSV_MAX_BYTES
    if size is None:
        return _("The file is larger than %(limit)s, the most Momento imports at once. Split it into "
                 "smaller files.") % {"limit": filesizeformat(limit)}
    return _("The file is %(size)s; the most Momento imports at once is %(limit)s. Split it into smaller "
             "files.") % {"size": filesizeformat(size), "limit": filesizeformat(limit)}


def _store(file: IO[bytes], path: Path) -> int:
    """Copy the upload to `path` in chunks; stop as soon as it passes the limit."""
    limit = settings.MOMENTO_CSV_MAX_BYTES
    written = 0
    chunks = file.chunks(UPLOAD_CHUNK) if hasattr(file, "chunks") else iter(lambda: file.read(UPLOAD_CHUNK), b"")
    with path.open("xb") as target:
        for chunk in chunks:
            written += len(chunk)
            if written > limit:
                raise ValidationError({"file": too_large_message()})
            target.write(chunk)
    return written


def rating_import_upload(
    *,
    organization: Organization,
    file: IO[bytes],
    created_by: AbstractBaseUser | None,
    cycle: ServiceCycle | None = None,
) -> RatingImport:
    """Keep an uploaded CSV for import and describe it; refuse what cannot be imported.

    Raises ValidationError({"file": …}) for an empty, oversized, binary or
    non-UTF-8 file; then nothing is kept. A CSV whose header lacks columns is
    kept as a refused import (its preview shows why) and its file deleted.
    """
    if cycle is not None and cycle.organization_id != organization.pk:
        raise ValidationError({"cycle": _("The cycle belongs to another organization.")})
    size = getattr(file, "size", None)
    if size is not None and size > settings.MOMENTO_CSV_MAX_BYTES:
        raise ValidationError({"file": too_large_message(size)})
    rating_imports_expire()
    directory = Path(settings.MOMENTO_UPLOAD_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = f"{uuid.uuid4().hex}.csv"
    path = directory / stored_name
    try:
        size = _store(file, path)
        with path.open("rb") as stored:
            preview = csv_preview(file=stored)
    except NotCsv as error:
        _delete_file(path)
        raise ValidationError({"file": str(error)}) from None
    except BaseException:
        _delete_file(path)
        raise
    name = (getattr(file, "name", "") or "ratings.csv").rsplit("/", 1)[-1][:255]
    refused = not preview.can_import
    try:
        with transaction.atomic():
            rating_import = RatingImport.objects.create(
                organization=organization, cycle=cycle, created_by=created_by, file_name=name, file_size=size,
                stored_name=stored_name, preview=preview.as_dict(),
                status=RatingImport.Status.FAILED if refused else RatingImport.Status.UPLOADED,
                errors=[{"line": 1, "field": "header", "message": problem} for problem in preview.problems],
                error_count=len(preview.problems), finished_at=timezone.now() if refused else None,
            )
    except BaseException:
        _delete_file(path)
        raise
    if refused:
        _delete_file(path)
    return rating_import


@transaction.atomic
def rating_import_start(*, rating_import: RatingImport) -> RatingImport:
    """Queue the import task, exactly once per upload.

    The status moves uploaded → queued with a conditional UPDATE, so a double
    click or two tabs cannot queue the same file twice. The task is sent after
    the commit, so the worker always finds the queued row.
    """
    from .tasks import ratings_import

    task_id = str(uuid.uuid4())
    moved = RatingImport.objects.filter(pk=rating_import.pk, status=RatingImport.Status.UPLOADED).update(
        status=RatingImport.Status.QUEUED, task_id=task_id
    )
    if not moved:
        raise ImportNotStartable(_("This file has already been imported or is being imported."))
    if not upload_path(rating_import).exists():
        raise ImportNotStartable(_("The uploaded file is no longer available; upload it again."))
    language = translation.get_language()
    transaction.on_commit(lambda: ratings_import.apply_async(args=[rating_import.pk, language], task_id=task_id))
    rating_import.refresh_from_db()
    return rating_import


def _finish(import_id: int, **fields) -> None:
    RatingImport.objects.filter(pk=import_id).update(finished_at=timezone.now(), **fields)


def rating_import_run(*, import_id: int, progress: Progress | None = None) -> RatingImport:
    """Import the stored file all or nothing and record the outcome (the task's body).

    The ratings and the SUCCEEDED status commit together: if the worker dies
    before the commit nothing was written and a redelivery imports again; after
    it, a redelivery finds the import finished and does nothing. A bad file is
    an outcome, not a task failure: its errors by line are stored on the row.
    """
    rating_import = RatingImport.objects.select_related("organization").get(pk=import_id)
    if rating_import.is_finished:
        return rating_import
    path = upload_path(rating_import)
    if not path.exists():
        _finish(import_id, status=RatingImport.Status.FAILED, error_count=1, errors=[{
            "line": 0, "field": "file", "message": _("The uploaded file is no longer available; upload it again."),
        }])
        return RatingImport.objects.get(pk=import_id)
    RatingImport.objects.filter(pk=import_id, status__in=[RatingImport.Status.QUEUED, RatingImport.Status.UPLOADED]
                                ).update(status=RatingImport.Status.RUNNING, started_at=timezone.now())
    try:
        with transaction.atomic():
            with path.open("rb") as file:
                result = ratings_import_csv(organization=rating_import.organization, file=file, progress=progress)
            _finish(import_id, status=RatingImport.Status.SUCCEEDED, row_count=result.rows,
                    created_count=result.created, duplicate_count=result.duplicate, errors=[], error_count=0)
    except CsvInvalid as error:
        _finish(import_id, status=RatingImport.Status.FAILED, error_count=error.total_errors or len(error.errors),
                errors=[{"line": item.position, "field": item.field, "message": str(item.message)}
                        for item in error.errors])
    _delete_file(path)
    return RatingImport.objects.get(pk=import_id)


def rating_import_fail(*, import_id: int, message: str) -> None:
    """Record an unexpected failure of the task (nothing was written: the import rolled back)."""
    RatingImport.objects.filter(
        pk=import_id, status__in=[RatingImport.Status.QUEUED, RatingImport.Status.RUNNING]
    ).update(status=RatingImport.Status.FAILED, finished_at=timezone.now(), error_count=1,
             errors=[{"line": 0, "field": "file", "message": message}])
    rating_import = RatingImport.objects.filter(pk=import_id).first()
    if rating_import is not None:
        _delete_file(upload_path(rating_import))


def rating_imports_expire(*, older_than: dt.timedelta = UPLOAD_RETENTION) -> int:
    """Delete the files of uploads nobody imported within `older_than`; returns how many."""
    cutoff = timezone.now() - older_than
    stale = list(RatingImport.objects.filter(status=RatingImport.Status.UPLOADED, created_at__lt=cutoff))
    for rating_import in stale:
        _delete_file(upload_path(rating_import))
    if stale:
        RatingImport.objects.filter(pk__in=[item.pk for item in stale], status=RatingImport.Status.UPLOADED).update(
            status=RatingImport.Status.EXPIRED, finished_at=timezone.now()
        )
    return len(stale)
