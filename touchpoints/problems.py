"""What can be wrong with ratings input, as a code and parameters.

The ingest path (JSON, CSV, the import page) names every problem with a code
from `MESSAGES` and its parameters. What is stored (an import's errors by line,
its preview) is the code and the parameters, never a translated sentence; the
page and the API translate when they render, so an import run in Spanish and
read in English reads English. Parameters are plain JSON values (numbers,
field names, keys from the file), never translated text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    # One rating (JSON item or CSV line).
    "not_an_object": _("Each rating must be a JSON object."),
    "unknown_field": _("Unknown field."),
    "required": _("This field is required."),
    "score_not_integer": _("The score must be an integer."),
    "score_outside_scale": _("Score %(score)s is outside the %(scale)s scale (%(low)s–%(high)s)."),
    "occurred_at_not_iso": _("Not an ISO 8601 date and time (e.g. 2026-11-23T10:00:00+01:00)."),
    "occurred_at_not_string": _("Give the date and time as an ISO 8601 string with offset."),
    "occurred_at_without_offset": _("The date and time needs a time zone offset (e.g. 2026-11-23T10:00:00+01:00)."),
    "occurred_at_in_future": _("occurred_at is more than 5 minutes in the future."),
    "occurred_at_before_1970": _("occurred_at is before 1970."),
    "occurred_at_out_of_range": _("occurred_at is out of range."),
    "too_long": _("At most %(max)s characters."),
    "null_character": _("Null characters are not allowed."),
    "comment_not_string": _("The comment must be a string."),
    "resolved_not_boolean": _("first_contact_resolved must be true, false or null."),
    "external_id_not_string": _("external_id must be a string."),
    "external_id_blank": _("external_id is empty. Send your key, or leave external_id out (or null) and Momento "
                           "assigns one."),
    "external_id_blank_cell": _("external_id is empty. Give every line its key, or leave the external_id column "
                                "out and Momento assigns them."),
    "external_id_reserved": _("Keys that start with “%(prefix)s” are assigned by Momento; this one is not one of "
                              "them. Use another key."),
    "external_id_conflict": _("external_id “%(key)s” is already stored (rating %(rating)s) with different "
                              "content (%(fields)s). A replay must repeat the rating exactly."),
    "external_id_repeated_item": _("external_id “%(key)s” is also item %(index)s of this batch, with different "
                                   "content (%(fields)s)."),
    "external_id_repeated_line": _("external_id “%(key)s” is also on line %(line)s, with different content "
                                   "(%(fields)s)."),
    "source_unknown": _("Unknown source."),
    "touchpoint_not_id": _("touchpoint must be a touchpoint id (an integer); send a key as touchpoint_key."),
    "touchpoint_unknown": _("Unknown touchpoint %(id)s."),
    "touchpoint_key_not_string": _("touchpoint_key must be a string."),
    "touchpoint_key_unknown": _("Unknown touchpoint key “%(key)s”."),
    "touchpoint_missing": _("Give touchpoint (id) or touchpoint_key."),
    "touchpoint_mismatch": _("touchpoint and touchpoint_key name different touchpoints."),
    "touchpoint_other_cycle": _("This touchpoint belongs to another service cycle; this import only takes the "
                                "touchpoints of “%(cycle)s”."),
    "segment_invalid": _("segment must be a segment id or key."),
    "segment_unknown": _("Unknown segment."),
    "no_ratings": _("No ratings were given."),
    "customer_not_string": _("customer must be a string: your reference of the customer (booking code, account "
                             "id, e-mail hash)."),
    "customer_blank": _("customer is empty. Send your reference of the customer, or leave customer out (or null)."),
    "customer_control_character": _("customer must not contain control characters (tabs, line breaks…)."),
    # A CSV file as a whole.
    "file_not_utf8": _("The file is not UTF-8 text (near line %(line)s). Save it as “CSV UTF-8”."),
    "file_empty": _("The file is empty."),
    "file_without_ratings": _("The file has a header but no ratings."),
    "csv_cell_too_long": _("A cell is longer than %(limit)s characters (a quote may be missing)."),
    "csv_unreadable": _("This line is not valid CSV (check its quotes)."),
    "column_count": _("Expected %(expected)s columns, found %(found)s."),
    "header_missing_columns": _("Missing column(s): %(columns)s. The header must name at least touchpoint_key "
                                "(or touchpoint) and score."),
    "header_unknown_columns": _("Unknown column(s): %(columns)s. Known: %(known)s."),
    "header_unknown_columns_rename": _("Unknown column(s): %(columns)s. Rename or remove them; known columns are "
                                       "%(known)s."),
    "header_duplicate_column": _("A column appears twice in the header."),
    "header_semicolons": _("The columns are separated by semicolons. Momento reads comma-separated files: save "
                           "the file as “CSV UTF-8 (comma delimited)”."),
    "no_occurred_at_column": _("There is no occurred_at column: every rating will be dated at the moment of the "
                               "import."),
    # An import run by the worker.
    "upload_gone": _("The uploaded file is no longer available; upload it again."),
    "import_crashed": _("The import stopped on an unexpected error; nothing was written."),
    "database_unavailable": _("The import could not reach the database, even after several retries; nothing was "
                              "written. Upload the file again to retry."),
    "import_stalled": _("The import stopped without an outcome (its worker went away); nothing was written. "
                        "Upload the file again to retry."),
}


def problem_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The sentence for `code` in the active language, with its parameters."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    return str(template) % dict(params or {}) if params else str(template)


class Problem(NamedTuple):
    """A problem of one field: a code from MESSAGES and its parameters."""

    code: str
    params: Mapping[str, Any] | None = None

    @property
    def message(self) -> str:
        return problem_message(self.code, self.params)


def stored_problem(code: str, params: Mapping[str, Any] | None = None, **where: Any) -> dict:
    """A problem as a JSON record ({..where, "code", "params"}), safe for a JSONB column.

    PostgreSQL's jsonb cannot hold U+0000, and a file may put one in a key that
    ends up as a parameter, so parameters are made storable here.
    """
    return {**where, "code": code, "params": {name: _storable(value) for name, value in (params or {}).items()}}


def stored_message(record: Mapping[str, Any]) -> str:
    """The sentence of a stored record, translated now.

    Records written before codes were stored carry only "message": it is shown as written.
    """
    code = record.get("code")
    if code in MESSAGES:
        try:
            return problem_message(code, record.get("params"))
        except (KeyError, TypeError, ValueError):
            pass
    return str(record.get("message") or code or "")


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\N{REPLACEMENT CHARACTER}")
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value
