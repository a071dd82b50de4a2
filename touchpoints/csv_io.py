"""Ratings in and out as CSV.

Import: `ratings_import_csv` reads an uploaded file as a stream, checks every
line with the same rules as the JSON API (`touchpoints.ingest.RowValidator`),
writes in bulk chunks inside one transaction and rolls all of it back if any
line is bad, so a file is stored whole or not at all. Errors name the line
(1-based, the header is line 1). A caller (the API, the web import page) may
pass `progress(done_rows, total_rows)` to follow a long file.

Export: `ratings_export_lines` yields a cycle's ratings as CSV text from a
database iterator, for a StreamingHttpResponse: a million rows never sit in
memory. Its columns are importable again (extra columns are ignored).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from journeys.models import Organization, ServiceCycle

from .ingest import API_FIELDS, Catalogue, CycleScope, RatingsInvalid, RowError, RowValidator, ValidatedRow
from .ingest_write import RatingsConflict, RatingsConflicted, ReferencesGone
from .models import Rating
from .problems import Problem
from .services import ratings_store

REQUIRED_COLUMNS = ("score",)
TOUCHPOINT_COLUMNS = ("touchpoint_key", "touchpoint")
OPTIONAL_COLUMNS = ("occurred_at", "segment", "comment", "first_contact_resolved", "external_id", "customer")
# Written by the export for people reading the file; ignored on import. The export
# carries the customer's hash (`customer_hash`), never a reference: Momento has none.
EXPORT_ONLY_COLUMNS = ("id", "moment", "scale", "normalized", "dissatisfied", "received_at", "source",
                       "customer_hash")
EXPORT_COLUMNS = (
    "id", "touchpoint_key", "touchpoint", "moment", "score", "scale", "normalized", "dissatisfied",
    "occurred_at", "received_at", "segment", "comment", "first_contact_resolved", "external_id", "source",
    "customer_hash",
)
WRITE_CHUNK = 5000
PROGRESS_EVERY = 1000
MAX_REPORTED_ERRORS = 200
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_TRUE = {"true", "1", "yes", "y", "t", "si", "sí"}
_FALSE = {"false", "0", "no", "n", "f"}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The export puts "'" before them, and before a leading "'" so the escaping can be undone.
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")

Progress = Callable[[int, int], None]


class CsvInvalid(RatingsInvalid):
    """The file was refused; `errors` name lines (1-based, header = 1). Nothing was written."""


@dataclass
class CsvImportResult:
    rows: int
    created: int
    duplicate: int


def _binary_stream(file: IO) -> IO[bytes]:
    return getattr(file, "file", file)


def _count_lines(stream: IO[bytes]) -> int:
    """Physical lines, for the progress total (quoted newlines make it an upper bound)."""
    lines, last = 0, b"\n"
    while chunk := stream.read(1 << 20):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    stream.seek(0)
    return lines + (0 if last == b"\n" else 1)


def _text_stream(stream: IO[bytes]) -> io.TextIOWrapper:
    head = stream.read(4)
    stream.seek(0)
    encoding = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


def _encoding_error(line: int) -> RowError:
    return RowError(line, "file", "file_not_utf8", {"line": line})


def _csv_error(line: int, error: csv.Error) -> RowError:
    # The csv module's messages are English prose; name the one people meet.
    if "field larger than field limit" in str(error):
        return RowError(line, "file", "csv_cell_too_long", {"limit": csv.field_size_limit()})
    return RowError(line, "file", "csv_unreadable")


def _header(reader) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise CsvInvalid([RowError(1, "file", "file_empty")]) from None
    except UnicodeDecodeError:
        raise CsvInvalid([_encoding_error(1)]) from None
    except csv.Error as error:
        raise CsvInvalid([_csv_error(1, error)]) from None
    columns = [name.strip().lower() for name in header]
    known = set(REQUIRED_COLUMNS + TOUCHPOINT_COLUMNS + OPTIONAL_COLUMNS + EXPORT_ONLY_COLUMNS)
    problems: list[RowError] = []
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if not any(name in columns for name in TOUCHPOINT_COLUMNS):
        missing.insert(0, "touchpoint_key")
    if missing:
        problems.append(RowError(1, "header", "header_missing_columns", {"columns": ", ".join(missing)}))
    unknown = [name for name in columns if name not in known]
    if unknown:
        problems.append(RowError(1, "header", "header_unknown_columns", {
            "columns": ", ".join(name[:40] for name in unknown[:10]),
            "known": ", ".join(TOUCHPOINT_COLUMNS + REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
        }))
    if len(set(columns)) != len(columns):
        problems.append(RowError(1, "header", "header_duplicate_column"))
    if problems:
        raise CsvInvalid(problems)
    return columns


def _line(error: RowError) -> int:
    return error.position


def unescape_cell(cell: str) -> str:
    """Undo the export's formula escaping (`escape_cell`): "'=x" → "=x", "''x" → "'x"."""
    if cell[:1] == "'" and cell[1:2] in _ESCAPED_STARTS:
        return cell[1:]
    return cell


def _coerce(record: list[str], columns: list[str]) -> dict[str, Any]:
    """CSV text → the JSON-like values RowValidator checks (bad text is passed on as is)."""
    row: dict[str, Any] = {}
    for name, raw in zip(columns, record, strict=True):
        if name not in API_FIELDS:
            continue
        cell = raw.strip()
        if name == "comment":
            row[name] = unescape_cell(raw)
        elif name == "external_id":
            # Present but empty is refused, as "" is in JSON: leave the column out for server keys.
            row[name] = unescape_cell(cell)
        elif cell == "":
            continue
        elif name in ("score", "touchpoint", "segment"):
            row[name] = int(cell) if _INTEGER.fullmatch(cell) else unescape_cell(cell)
        elif name == "first_contact_resolved":
            lowered = cell.lower()
            row[name] = True if lowered in _TRUE else False if lowered in _FALSE else cell
        else:
            row[name] = unescape_cell(cell)
    return row


def ratings_import_csv(
    *, organization: Organization, file: IO, progress: Progress | None = None, cycle: ServiceCycle | None = None,
) -> CsvImportResult:
    """Import a ratings CSV whole or not at all; errors by line number.

    Columns: touchpoint_key (or touchpoint id), score, and optionally
    occurred_at (ISO 8601 with offset; default now), segment (key or id),
    comment, first_contact_resolved (true/false/empty), external_id (not
    empty when the column is there), customer (the customer's reference;
    empty: none). A replayed external_id with the same
    content is counted as a duplicate, never stored twice; with different
    content it is an error on its line. With `cycle`, a line naming a
    touchpoint of another cycle is an error. The file is read line by line;
    valid lines are written in chunks of WRITE_CHUNK inside one transaction
    that any bad line rolls back, so memory stays flat however long the file is.
    """
    stream = _binary_stream(file)
    total = max(0, _count_lines(stream) - 1)
    reader = csv.reader(_text_stream(stream))
    columns = _header(reader)
    run = _CsvImport(organization=organization, cycle=cycle, columns=columns)
    with transaction.atomic():
        for line, record in _records(reader, run):
            run.take(line, record)
            if progress is not None and run.rows % PROGRESS_EVERY == 0:
                progress(run.rows, max(total, run.rows))
        run.finish()  # raises CsvInvalid inside the atomic block: every chunk written is rolled back
    if progress is not None:
        progress(run.rows, run.rows)
    return CsvImportResult(rows=run.rows, created=run.created, duplicate=run.duplicate)


def _records(reader, run: _CsvImport) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every line with content; a line the csv module or the
    decoder cannot read ends the file with its error."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            run.error(_encoding_error(reader.line_num + 1))
            return
        except csv.Error as error:
            run.error(_csv_error(reader.line_num, error))
            return
        if any(cell.strip() for cell in record):
            yield reader.line_num, record


class _CsvImport:
    """One file's import: validated lines wait in `pending` and are written in chunks;
    once any line is wrong nothing more is written and errors are collected."""

    def __init__(self, *, organization: Organization, cycle: ServiceCycle | None, columns: list[str]):
        self.organization, self.columns, self.now = organization, columns, timezone.now()
        self.validator = RowValidator(
            catalogue=Catalogue.whole(organization_id=organization.pk), now=self.now, source=Rating.Source.CSV,
            cycle=CycleScope(cycle.pk, cycle.name) if cycle is not None else None,
        )
        self.errors: list[RowError] = []
        self.error_count = self.rows = self.created = self.duplicate = 0
        self.pending: list[ValidatedRow] = []
        self.pending_lines: list[int] = []

    def error(self, error: RowError) -> None:
        self.errors.append(error)
        self.error_count += 1

    def take(self, line: int, record: list[str]) -> None:
        self.rows += 1
        if len(record) != len(self.columns):
            values = None
            row_errors = {"line": Problem("column_count", {"expected": len(self.columns), "found": len(record)})}
        else:
            values, row_errors = self.validator(_coerce(record, self.columns))
            if row_errors.get("external_id", Problem("")).code == "external_id_blank":
                row_errors["external_id"] = Problem("external_id_blank_cell")
        if values is None:  # exactly when there are problems
            self.error_count += len(row_errors)
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.extend(RowError(line, name, *problem) for name, problem in row_errors.items())
            self._drop_pending()
        elif not self.errors:
            self.pending.append(values)
            self.pending_lines.append(line)
            if len(self.pending) >= WRITE_CHUNK:
                self._store()

    def finish(self) -> None:
        if not self.errors and self.pending:
            self._store()
        if not self.errors and self.rows == 0:
            self.error(RowError(2, "file", "file_without_ratings"))
        if self.errors:
            raise CsvInvalid(sorted(self.errors, key=_line)[:MAX_REPORTED_ERRORS], total_errors=self.error_count)

    def _store(self) -> None:
        try:
            outcome = ratings_store(organization_id=self.organization.pk, rows=self.pending, received_at=self.now)
        except (RatingsConflict, ReferencesGone) as refused:
            found = (RatingsConflicted(refused.conflicts, positions=self.pending_lines).errors
                     if isinstance(refused, RatingsConflict) else refused.errors(positions=self.pending_lines))
            self.error_count += len(found)
            self.errors.extend(found[:max(0, MAX_REPORTED_ERRORS - len(self.errors))])
        else:
            self.created += outcome.created_count
            self.duplicate += outcome.duplicate_count
        self._drop_pending()

    def _drop_pending(self) -> None:
        self.pending.clear()
        self.pending_lines.clear()


# --- Export ------------------------------------------------------------------------


class _Line:
    """A write-only buffer for csv.writer: returns what it is given."""

    def write(self, value: str) -> str:
        return value


def escape_cell(value: str | None) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets a "'" before it.

    A leading "'" gets one too, so `unescape_cell` can undo it exactly and an
    export imports again as the same ratings.
    """
    if not value:
        return ""
    if value[:1] in _ESCAPED_STARTS:
        return "'" + value
    return value


def ratings_export_lines(
    *,
    cycle: ServiceCycle,
    occurred_after: dt.datetime | None = None,
    occurred_before: dt.datetime | None = None,
    chunk_size: int = 2000,
    using: str = "default",
) -> Iterator[str]:
    """The cycle's ratings as CSV text, header first, oldest id first, streamed
    (from the database `using`: the read replica when there is one)."""
    ratings = Rating.objects.using(using).filter(touchpoint__moment__cycle=cycle)
    if occurred_after is not None:
        ratings = ratings.filter(occurred_at__gte=occurred_after)
    if occurred_before is not None:
        ratings = ratings.filter(occurred_at__lt=occurred_before)
    values = ratings.order_by("id").values_list(
        "id", F("touchpoint__key"), "touchpoint_id", F("touchpoint__moment__name"), "score", "scale",
        "normalized", "dissatisfied", "occurred_at", "received_at", F("segment__key"), "comment",
        "first_contact_resolved", "external_id", "source", F("customer__key"),
    )
    writer = csv.writer(_Line())
    yield writer.writerow(EXPORT_COLUMNS)
    buffer: list[str] = []
    for (pk, key, touchpoint_id, moment, score, scale, normalized, dissatisfied, occurred_at, received_at,
         segment, comment, resolved, external_id, source, customer) in values.iterator(chunk_size=chunk_size):
        # Every text a tenant or a client chose is escaped; the rest are numbers,
        # dates and codes from fixed choices.
        buffer.append(writer.writerow((
            pk, escape_cell(key), touchpoint_id, escape_cell(moment), score, scale, round(normalized, 2),
            "true" if dissatisfied else "false", occurred_at.isoformat(), received_at.isoformat(),
            escape_cell(segment), escape_cell(comment),
            "" if resolved is None else ("true" if resolved else "false"), escape_cell(external_id), source,
            customer or "",
        )))
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)
