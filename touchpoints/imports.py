"""The import page's writes: upload a ratings CSV, start its import, run it, expire leftovers.

Flow: `rating_import_upload` streams the upload to a file under
`settings.MOMENTO_UPLOAD_DIR` (refusing it past MOMENTO_CSV_MAX_BYTES while
streaming, and refusing what is not CSV) and stores the preview on a
`RatingImport` row → `rating_import_start` queues the Celery task once →
the task calls `rating_import_run`, which imports the file all or nothing with
`csv_io.ratings_import_csv` and records the outcome in the same transaction,
so a re-delivered task never imports a file twice → the file is deleted.
An import started from a cycle's page takes only that cycle's touchpoints.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from journeys.models import Organization, ServiceCycle

from .csv_io import CsvInvalid, ratings_import_csv
from .csv_preview import NotCsv, csv_preview
from .models import RatingImport
from .problems import stored_problem

logger = logging.getLogger(__name__)

UPLOAD_CHUNK = 1 << 20
# An upload nobody imported is deleted after this long (checked at each upload).
UPLOAD_RETENTION = dt.timedelta(hours=24)
EXPIRE_BATCH = 100
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
    created_by: User | None,
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
                errors=[stored_problem(*problem, line=1, field="header") for problem in preview.problems],
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
        status=RatingImport.Status.QUEUED, task_id=task_id, queued_at=timezone.now()
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


def _locked(import_id: int) -> RatingImport | None:
    """The import row locked for this transaction, or None while another transaction holds it.

    Whoever imports holds this lock until the outcome commits, so "locked"
    means a live worker is on it. (SQLite has no row locks; the embedded mode
    runs one import at a time in the request that starts it.)
    """
    return (RatingImport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "cycle").filter(pk=import_id).first())


def rating_import_run(*, import_id: int, progress: Progress | None = None) -> RatingImport:
    """Import the stored file all or nothing and record the outcome (the task's body).

    Claim, then act: queued → running is a conditional UPDATE, and the import
    itself runs with the row locked until the ratings and the outcome commit
    together. So a duplicate delivery while the import runs finds the lock
    taken and does nothing; a redelivery after the worker died (the row says
    running, but its lock went with the dead transaction) takes it over and
    imports, nothing having been written; a redelivery after the outcome finds
    it finished. A bad file is an outcome, not a task failure: its errors by
    line are stored on the row as codes, translated when shown.
    """
    claimed = RatingImport.objects.filter(pk=import_id, status=RatingImport.Status.QUEUED).update(
        status=RatingImport.Status.RUNNING, started_at=timezone.now()
    )
    path = None
    with transaction.atomic():
        rating_import = _locked(import_id)
        if rating_import is None:
            logger.info("ratings import %s is being imported by another worker; nothing to do", import_id)
            return RatingImport.objects.get(pk=import_id)
        if rating_import.status != RatingImport.Status.RUNNING:
            return rating_import  # finished already, or never started
        if not claimed:
            logger.warning("ratings import %s was left running by a worker that stopped; importing it again",
                           import_id)
        path = upload_path(rating_import)
        if not path.exists():
            _finish(import_id, status=RatingImport.Status.FAILED, error_count=1,
                    errors=[stored_problem("upload_gone", line=0, field="file")])
        else:
            try:
                # A savepoint: a refused file rolls back its ratings, not the outcome written next.
                with transaction.atomic(), path.open("rb") as file:
                    result = ratings_import_csv(organization=rating_import.organization, file=file,
                                                progress=progress, cycle=rating_import.cycle)
            except CsvInvalid as error:
                _finish(import_id, status=RatingImport.Status.FAILED,
                        error_count=error.total_errors or len(error.errors),
                        errors=[stored_problem(item.code, item.params, line=item.position, field=item.field)
                                for item in error.errors])
            else:
                _finish(import_id, status=RatingImport.Status.SUCCEEDED, row_count=result.rows,
                        created_count=result.created, duplicate_count=result.duplicate, errors=[], error_count=0)
    _delete_file(path)
    return RatingImport.objects.get(pk=import_id)


def rating_import_fail(*, import_id: int, code: str) -> bool:
    """Record that the task gave up (`code` from touchpoints.problems says why); True if it did.

    Nothing was written: the import rolled back. Only an import nobody is
    importing right now is marked (a duplicate delivery failing must not fail
    the one that is running), and its file is deleted after the commit.
    """
    with transaction.atomic():
        rating_import = _locked(import_id)
        if rating_import is None or rating_import.status not in (RatingImport.Status.QUEUED,
                                                                 RatingImport.Status.RUNNING):
            return False
        _finish(import_id, status=RatingImport.Status.FAILED, error_count=1,
                errors=[stored_problem(code, line=0, field="file")])
    _delete_file(upload_path(rating_import))
    return True


def rating_imports_expire(*, older_than: dt.timedelta = UPLOAD_RETENTION, limit: int = EXPIRE_BATCH) -> int:
    """Expire uploads nobody imported within `older_than`, and fail imports
    stuck that long without a worker; returns how many were expired.

    Claim first, then delete: each row moves uploaded → expired with a
    conditional UPDATE, and only a row this call moved loses its file, so an
    upload someone starts at this moment keeps it. Runs at each upload, so at
    most `limit` rows per call.
    """
    cutoff = timezone.now() - older_than
    expired = 0
    stale = RatingImport.objects.filter(status=RatingImport.Status.UPLOADED, created_at__lt=cutoff)
    for rating_import in stale.order_by("created_at", "id")[:limit]:
        moved = RatingImport.objects.filter(pk=rating_import.pk, status=RatingImport.Status.UPLOADED).update(
            status=RatingImport.Status.EXPIRED, finished_at=timezone.now()
        )
        if moved:
            _delete_file(upload_path(rating_import))
            expired += moved
    # An import queued or running for that long lost its task (a worker that
    # died past every redelivery, a broker that forgot the message): it would
    # say "Importing" forever. Still locked means a worker is on it.
    stuck = RatingImport.objects.filter(
        Q(status=RatingImport.Status.QUEUED, queued_at__lt=cutoff)
        | Q(status=RatingImport.Status.RUNNING, started_at__lt=cutoff)
        | Q(status__in=[RatingImport.Status.QUEUED, RatingImport.Status.RUNNING], queued_at__isnull=True,
            started_at__isnull=True, created_at__lt=cutoff)
    ).order_by("created_at", "id").values_list("pk", flat=True)[:limit]
    for import_id in list(stuck):
        rating_import_fail(import_id=import_id, code="import_stalled")
    return expired
