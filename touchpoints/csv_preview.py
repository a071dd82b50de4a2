"""A first look at an uploaded ratings CSV: is it CSV at all, which column is what.

`csv_preview` reads only the head of the file (PREVIEW_BYTES), so it answers
at once however large the file is. It refuses outright what is not a CSV
(binary files, spreadsheets, text that is not UTF-8) with a message that says
what to do, and otherwise describes the header (the column mapping, with
unknown and missing columns flagged) and the first lines. The import itself
(`csv_io.ratings_import_csv`) checks every line again; this is what the person
sees before deciding to import.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import asdict, dataclass, field
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .csv_io import (
    EXPORT_ONLY_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TOUCHPOINT_COLUMNS,
)
from .problems import Problem, stored_message, stored_problem

PREVIEW_BYTES = 64 * 1024
PREVIEW_LINES = 10
PREVIEW_CELL_CHARS = 80
PREVIEW_COLUMNS = 20

# What each known column becomes; shown in the mapping and on the upload page.
COLUMN_FIELDS = {
    "touchpoint_key": gettext_lazy("Touchpoint (its key)"),
    "touchpoint": gettext_lazy("Touchpoint (its id)"),
    "score": gettext_lazy("Score, on the touchpoint's scale"),
    "occurred_at": gettext_lazy("When it happened (ISO 8601 with offset; empty = now)"),
    "segment": gettext_lazy("Customer segment (key or id)"),
    "comment": gettext_lazy("Comment (verbatim)"),
    "first_contact_resolved": gettext_lazy("Resolved at first contact (true/false)"),
    "external_id": gettext_lazy("External id (a line already imported is skipped; if the column is there, "
                                "no cell may be empty)"),
    "customer": gettext_lazy("Customer (your reference: booking code, account id; only a keyed hash of it is "
                             "kept; empty = none)"),
}
IMPORT_COLUMNS = TOUCHPOINT_COLUMNS + REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Signatures of files people pick by mistake instead of the CSV export.
_SPREADSHEET_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


class NotCsv(ValueError):
    """The file cannot be a ratings CSV; the message says why and what to do."""


@dataclass
class MappedColumn:
    name: str  # as written in the file (trimmed)
    key: str  # lower-cased: what it is matched on
    state: str  # "ok", "ignored" (export-only), "unknown", "duplicate"


@dataclass
class CsvPreview:
    """What the upload found. Stored on the RatingImport as codes (`as_dict`);
    `preview_display` turns the stored form into text in the reader's language."""

    columns: list[MappedColumn]
    missing: list[str]
    problems: list[Problem]
    lines: list[list[str]]
    more_lines: bool
    notes: list[Problem] = field(default_factory=list)

    @property
    def can_import(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        stored = asdict(self)
        stored["problems"] = [stored_problem(*problem) for problem in self.problems]
        stored["notes"] = [stored_problem(*note) for note in self.notes]
        return stored


def _column_reading(column: dict) -> str:
    state = column.get("state")
    if "key" not in column:  # stored before codes: the label as it was written
        return str(column.get("field", ""))
    if state == "duplicate":
        return _("Appears twice")
    if state == "ignored":
        return _("Ignored (written by the export)")
    if state == "unknown":
        return _("Unknown column")
    return str(COLUMN_FIELDS.get(column["key"], ""))


def _text(item: dict | str) -> str:
    return item if isinstance(item, str) else stored_message(item)


def preview_display(preview: dict) -> dict:
    """A stored preview with every label and sentence in the active language."""
    return {
        **preview,
        "columns": [{**column, "name": column.get("name") or _("(empty)"), "field": _column_reading(column)}
                    for column in preview.get("columns", [])],
        "problems": [_text(problem) for problem in preview.get("problems", [])],
        "notes": [_text(note) for note in preview.get("notes", [])],
    }


def _decode_head(head: bytes, complete: bool) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoder = codecs.getincrementaldecoder("utf-16")()
    else:
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        # final=False: a character cut in two at the end of the sample is not an error.
        return decoder.decode(head, final=complete)
    except UnicodeDecodeError as error:
        line = head[: error.start].count(b"\n") + 1
        raise NotCsv(_(
            "The file is not UTF-8 text (near line %(line)s). In your spreadsheet, save it as "
            "“CSV UTF-8 (comma delimited)” and upload it again."
        ) % {"line": line}) from None


def _refuse_binary(head: bytes) -> None:
    if head.startswith(_SPREADSHEET_SIGNATURES):
        raise NotCsv(_(
            "This is a spreadsheet workbook, not a CSV file. Save it as “CSV UTF-8 (comma delimited)” "
            "and upload that file."
        ))
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotCsv(_("This is not a CSV file (it contains binary data). Upload a comma-separated text file."))


def _map_columns(header: list[str]) -> tuple[list[MappedColumn], list[str], list[Problem]]:
    names = [cell.strip().lower() for cell in header]
    columns: list[MappedColumn] = []
    seen: set[str] = set()
    problems: list[Problem] = []
    for raw, name in zip(header, names, strict=False):
        shown = raw.strip()[:PREVIEW_CELL_CHARS]
        if name in seen:
            columns.append(MappedColumn(shown, name, "duplicate"))
        elif name in COLUMN_FIELDS:
            columns.append(MappedColumn(shown, name, "ok"))
        elif name in EXPORT_ONLY_COLUMNS:
            columns.append(MappedColumn(shown, name, "ignored"))
        else:
            columns.append(MappedColumn(shown, name, "unknown"))
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if not any(name in seen for name in TOUCHPOINT_COLUMNS):
        missing.insert(0, "touchpoint_key")
    if missing:
        problems.append(Problem("header_missing_columns", {"columns": ", ".join(missing)}))
    unknown = [column.name or "“”" for column in columns if column.state == "unknown"]
    if unknown:
        problems.append(Problem("header_unknown_columns_rename",
                                {"columns": ", ".join(unknown[:10]), "known": ", ".join(IMPORT_COLUMNS)}))
    if any(column.state == "duplicate" for column in columns):
        problems.append(Problem("header_duplicate_column"))
    return columns, missing, problems


def csv_preview(*, file: IO[bytes]) -> CsvPreview:
    """Describe the head of an uploaded CSV, or raise NotCsv.

    Reads at most PREVIEW_BYTES and rewinds the file. Only complete lines of
    that sample are shown, so a long file is never parsed in full here.
    """
    head = file.read(PREVIEW_BYTES + 1)
    file.seek(0)
    complete = len(head) <= PREVIEW_BYTES
    head = head[:PREVIEW_BYTES]
    if not head.strip():
        raise NotCsv(_("The file is empty."))
    _refuse_binary(head)
    text = _decode_head(head, complete)
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the line cut by the sample's end
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise NotCsv(_("This is not a readable CSV file: %(error)s") % {"error": error}) from None
    records = [record for record in records if any(cell.strip() for cell in record)]
    if not records:
        raise NotCsv(_("The file is empty."))
    header, lines = records[0], records[1:]
    columns, missing, problems = _map_columns(header)
    notes = []
    if len(header) == 1 and ";" in header[0]:
        problems.insert(0, Problem("header_semicolons"))
    if not lines and complete:
        problems.append(Problem("file_without_ratings"))
    if "occurred_at" not in [column.key for column in columns]:
        notes.append(Problem("no_occurred_at_column"))
    shown = [[cell[:PREVIEW_CELL_CHARS] for cell in line[:PREVIEW_COLUMNS]] for line in lines[:PREVIEW_LINES]]
    return CsvPreview(
        columns=columns[:PREVIEW_COLUMNS], missing=missing, problems=problems, lines=shown,
        more_lines=len(lines) > PREVIEW_LINES or not complete, notes=notes,
    )
