"""The ratings fast path: plain-code row validation and one bulk INSERT.

A 5,000-rating batch must cost a handful of queries, not 5,000 model or
serializer instances: touchpoints and segments are fetched once per batch
(`Catalogue`), each row is checked by `RowValidator` into a plain tuple, and
`ratings_insert` writes all tuples with one statement. On PostgreSQL that is
`INSERT … SELECT FROM unnest(arrays) ON CONFLICT (organization_id, external_id)
DO NOTHING RETURNING id, external_id`: the unique constraint, not a prior
SELECT, decides which replay wins, so counts of created and duplicate ratings
stay exact when several clients replay the same ids at once. SQLite (the
embedded mode) gets the same statement shape with multi-row VALUES.

The services in `touchpoints.services` and `touchpoints.csv_io` own the
transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from analytics.stats import SCALES

from .models import Rating, Segment, Touchpoint

MAX_COMMENT_LENGTH = 5000
MAX_EXTERNAL_ID_LENGTH = 128
MAX_KEY_LENGTH = 80
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
EARLIEST_OCCURRED_AT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_DATABASE_ID = 2**63 - 1

# Fields a REST client may send in one rating.
API_FIELDS = frozenset(
    {"touchpoint", "touchpoint_key", "score", "occurred_at", "segment", "comment",
     "first_contact_resolved", "external_id"}
)
# Internal callers (demo, tests, CSV) may also set the source.
INTERNAL_FIELDS = API_FIELDS | {"source"}

_SOURCES = frozenset(Rating.Source.values)

# Score → (normalised 0–100, dissatisfied) per scale, computed once by the one
# definition in analytics.stats so the fast path cannot drift from it.
SCORE_TABLES: dict[str, dict[int, tuple[float, bool]]] = {
    code: {score: (scale.normalise(score), scale.is_dissatisfied(score))
           for score in range(scale.low, scale.high + 1)}
    for code, scale in SCALES.items()
}


class RowError(NamedTuple):
    """One problem: `position` is the item index (JSON) or line number (CSV)."""

    position: int
    field: str
    message: str


class RatingsInvalid(ValidationError):
    """Some rows were invalid, so nothing was written.

    `errors` lists (position, field, message); `total_errors` may exceed
    len(errors) when a long file was cut short of reporting every problem.
    """

    def __init__(self, errors: Sequence[RowError], *, total_errors: int | None = None):
        self.errors = list(errors)
        self.total_errors = total_errors if total_errors is not None else len(self.errors)
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(str(error.position), []).append(f"{error.field}: {error.message}")
        super().__init__(grouped or {"rows": [_("No ratings were given.")]})

    @property
    def errors_by_index(self) -> dict[int, dict[str, str]]:
        grouped: dict[int, dict[str, str]] = {}
        for error in self.errors:
            grouped.setdefault(error.position, {})[error.field] = error.message
        return grouped


class TouchpointRef(NamedTuple):
    id: int
    scale: str


def _is_id(value: Any) -> bool:
    return type(value) is int and 0 < value <= MAX_DATABASE_ID


@dataclass
class Catalogue:
    """An organization's touchpoints and segments, by id and by key, fetched once."""

    touchpoints_by_id: dict[int, TouchpointRef] = field(default_factory=dict)
    touchpoints_by_key: dict[str, TouchpointRef] = field(default_factory=dict)
    segments_by_id: dict[int, int] = field(default_factory=dict)
    segments_by_key: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_rows(cls, *, organization_id: int, rows: Sequence[Mapping[str, Any]]) -> Catalogue:
        """Only what the rows reference: two small queries, whatever the batch size."""
        touchpoint_ids, touchpoint_keys, segment_ids, segment_keys = set(), set(), set(), set()
        for row in rows:
            if not isinstance(row, Mapping):
                continue
            touchpoint, key, segment = row.get("touchpoint"), row.get("touchpoint_key"), row.get("segment")
            if isinstance(touchpoint, Touchpoint):
                touchpoint = touchpoint.pk
            if _is_id(touchpoint):
                touchpoint_ids.add(touchpoint)
            if isinstance(key, str) and len(key) <= MAX_KEY_LENGTH:
                touchpoint_keys.add(key)
            if isinstance(segment, Segment):
                segment = segment.pk
            if _is_id(segment):
                segment_ids.add(segment)
            elif isinstance(segment, str) and len(segment) <= MAX_KEY_LENGTH:
                segment_keys.add(segment)
        return cls._load(organization_id, touchpoint_ids, touchpoint_keys, segment_ids, segment_keys)

    @classmethod
    def whole(cls, *, organization_id: int) -> Catalogue:
        """Every touchpoint and segment of the organization (for files read as a stream)."""
        return cls._load(organization_id, None, None, None, None)

    @classmethod
    def _load(cls, organization_id, touchpoint_ids, touchpoint_keys, segment_ids, segment_keys) -> Catalogue:
        from django.db.models import Q

        catalogue = cls()
        touchpoints = Touchpoint.objects.filter(organization_id=organization_id)
        if touchpoint_ids is not None:
            touchpoints = touchpoints.filter(Q(pk__in=touchpoint_ids) | Q(key__in=touchpoint_keys))
        if touchpoint_ids != set() or touchpoint_keys != set():
            for pk, key, scale in touchpoints.values_list("pk", "key", "scale"):
                ref = TouchpointRef(pk, scale)
                catalogue.touchpoints_by_id[pk] = ref
                catalogue.touchpoints_by_key[key] = ref
        segments = Segment.objects.filter(organization_id=organization_id)
        if segment_ids is not None:
            segments = segments.filter(Q(pk__in=segment_ids) | Q(key__in=segment_keys))
        if segment_ids != set() or segment_keys != set():
            for pk, key in segments.values_list("pk", "key"):
                catalogue.segments_by_id[pk] = pk
                catalogue.segments_by_key[key] = pk
        return catalogue


def parse_occurred_at(value: Any, *, now: dt.datetime) -> tuple[dt.datetime | None, str | None]:
    """An aware datetime from an ISO 8601 string (or datetime), or an error message."""
    if value is None:
        return now, None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None, _("Not an ISO 8601 date and time (e.g. 2026-11-23T10:00:00+01:00).")
    else:
        return None, _("Give the date and time as an ISO 8601 string with offset.")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None, _("The date and time needs a time zone offset (e.g. 2026-11-23T10:00:00+01:00).")
    try:
        if parsed > now + FUTURE_TOLERANCE:
            return None, _("occurred_at is more than 5 minutes in the future.")
        if parsed < EARLIEST_OCCURRED_AT:
            return None, _("occurred_at is before 1970.")
        return parsed.astimezone(dt.UTC), None
    except OverflowError:
        return None, _("occurred_at is out of range.")


def _text_error(value: str, max_length: int) -> str | None:
    if len(value) > max_length:
        return _("At most %(max)s characters.") % {"max": max_length}
    if "\x00" in value:
        return _("Null characters are not allowed.")
    return None


class RowValidator:
    """Turn one row mapping into the tuple `ratings_insert` writes, or field errors.

    Plain code on purpose: no serializer or model instance per row. Accepts
    JSON values (touchpoint id or `touchpoint_key`, segment id or key, ISO
    8601 `occurred_at`) and, for internal callers, Touchpoint/Segment
    instances and datetimes.
    """

    def __init__(
        self, *, catalogue: Catalogue, now: dt.datetime, source: str = Rating.Source.API,
        allowed_fields: frozenset[str] = API_FIELDS,
    ):
        self.catalogue = catalogue
        self.now = now
        self.source = source
        self.allowed_fields = allowed_fields
        self.per_row_source = "source" in allowed_fields

    def __call__(self, row: Any) -> tuple[tuple | None, dict[str, str]]:
        if not isinstance(row, Mapping):
            return None, {"non_field_errors": _("Each rating must be a JSON object.")}
        errors: dict[str, str] = {}
        if not row.keys() <= self.allowed_fields:
            for name in [name for name in row if name not in self.allowed_fields][:5]:
                errors[str(name)[:50]] = _("Unknown field.")

        touchpoint_ref = self._touchpoint(row, errors)

        score = row.get("score")
        if score is None:
            errors["score"] = _("This field is required.")
        elif type(score) is not int:
            errors["score"] = _("The score must be an integer.")
        elif touchpoint_ref is not None and score not in SCORE_TABLES[touchpoint_ref.scale]:
            scale = SCALES[touchpoint_ref.scale]
            errors["score"] = _("Score %(score)s is outside the %(scale)s scale (%(low)s–%(high)s).") % {
                "score": score, "scale": scale.code, "low": scale.low, "high": scale.high,
            }

        occurred_at, message = parse_occurred_at(row.get("occurred_at"), now=self.now)
        if message:
            errors["occurred_at"] = message

        segment_id = self._segment(row.get("segment"), errors)

        comment = row.get("comment")
        if comment is None:
            comment = ""
        elif not isinstance(comment, str):
            errors["comment"] = _("The comment must be a string.")
        elif message := _text_error(comment, MAX_COMMENT_LENGTH):
            errors["comment"] = message

        resolved = row.get("first_contact_resolved")
        if resolved is not None and type(resolved) is not bool:
            errors["first_contact_resolved"] = _("first_contact_resolved must be true, false or null.")

        external_id = row.get("external_id")
        if external_id == "":
            external_id = None
        if external_id is not None:
            if not isinstance(external_id, str):
                errors["external_id"] = _("external_id must be a string.")
            elif message := _text_error(external_id, MAX_EXTERNAL_ID_LENGTH):
                errors["external_id"] = message

        source = row.get("source", self.source) if self.per_row_source else self.source
        if source not in _SOURCES:
            errors["source"] = _("Unknown source.")

        if errors:
            return None, errors
        normalized, dissatisfied = SCORE_TABLES[touchpoint_ref.scale][score]
        return (
            touchpoint_ref.id, touchpoint_ref.scale, score, normalized, dissatisfied, occurred_at,
            segment_id, comment, resolved, source, external_id,
        ), {}

    def _touchpoint(self, row: Mapping[str, Any], errors: dict[str, str]) -> TouchpointRef | None:
        touchpoint, key = row.get("touchpoint"), row.get("touchpoint_key")
        if isinstance(touchpoint, Touchpoint):
            touchpoint = touchpoint.pk
        by_id = by_key = None
        if touchpoint is not None:
            if type(touchpoint) is not int:
                errors["touchpoint"] = _("touchpoint must be a touchpoint id (an integer); "
                                         "send a key as touchpoint_key.")
                return None
            by_id = self.catalogue.touchpoints_by_id.get(touchpoint)
            if by_id is None:
                errors["touchpoint"] = _("Unknown touchpoint %(id)s.") % {"id": touchpoint}
                return None
        if key is not None:
            if not isinstance(key, str):
                errors["touchpoint_key"] = _("touchpoint_key must be a string.")
                return None
            by_key = self.catalogue.touchpoints_by_key.get(key)
            if by_key is None:
                errors["touchpoint_key"] = _("Unknown touchpoint key “%(key)s”.") % {"key": key[:MAX_KEY_LENGTH]}
                return None
        if by_id is None and by_key is None:
            errors["touchpoint"] = _("Give touchpoint (id) or touchpoint_key.")
            return None
        if by_id is not None and by_key is not None and by_id != by_key:
            errors["touchpoint_key"] = _("touchpoint and touchpoint_key name different touchpoints.")
            return None
        return by_id or by_key

    def _segment(self, segment: Any, errors: dict[str, str]) -> int | None:
        if segment is None or segment == "":
            return None
        if isinstance(segment, Segment):
            segment = segment.pk
        if type(segment) is int:
            found = self.catalogue.segments_by_id.get(segment)
        elif isinstance(segment, str):
            found = self.catalogue.segments_by_key.get(segment)
        else:
            errors["segment"] = _("segment must be a segment id or key.")
            return None
        if found is None:
            errors["segment"] = _("Unknown segment.")
        return found


def validate_rows(
    rows: Sequence[Any], *, validator: RowValidator
) -> list[tuple]:
    """Validate every row; raise RatingsInvalid listing all errors by index."""
    validated: list[tuple] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        values, row_errors = validator(row)
        if row_errors:
            errors.extend(RowError(index, name, message) for name, message in row_errors.items())
        elif not errors:
            validated.append(values)
    if errors:
        raise RatingsInvalid(errors)
    return validated


@dataclass
class InsertOutcome:
    """Per input row: the stored rating's id and whether this call created it."""

    ids: list[int]
    created: list[bool]

    @property
    def created_count(self) -> int:
        return sum(self.created)

    @property
    def duplicate_count(self) -> int:
        return len(self.created) - self.created_count


_ROW_COLUMNS = (
    "touchpoint_id", "scale", "score", "normalized", "dissatisfied", "occurred_at",
    "segment_id", "comment", "first_contact_resolved", "source", "external_id",
)
_PG_ARRAY_TYPES = (
    "bigint[]", "varchar[]", "smallint[]", "float8[]", "boolean[]", "timestamptz[]",
    "bigint[]", "text[]", "boolean[]", "varchar[]", "varchar[]",
)


def ratings_insert(*, organization_id: int, received_at: dt.datetime, rows: Sequence[tuple]) -> InsertOutcome:
    """Write validated rows; replays of an external_id (stored or earlier in
    `rows`) are not inserted again but answered with the stored id.

    Must run inside the caller's transaction (and its `ingest_guard`).
    """
    ids: list[int | None] = [None] * len(rows)
    created = [False] * len(rows)
    unkeyed: list[int] = []
    first_by_key: dict[str, int] = {}
    for index, row in enumerate(rows):
        external_id = row[-1]
        if external_id is None:
            unkeyed.append(index)
        elif external_id not in first_by_key:
            first_by_key[external_id] = index

    if unkeyed:
        returned = _insert([rows[i] for i in unkeyed], organization_id, received_at, on_conflict=False)
        for index, (rating_id, _external_id) in zip(unkeyed, returned, strict=True):
            ids[index], created[index] = rating_id, True
    stored_by_key: dict[str, int] = {}
    if first_by_key:
        # Sorted by key so concurrent batches that share keys take the unique
        # index's row locks in the same order and cannot deadlock.
        keyed_indexes = [first_by_key[key] for key in sorted(first_by_key)]
        for rating_id, external_id in _insert(
            [rows[i] for i in keyed_indexes], organization_id, received_at, on_conflict=True
        ):
            stored_by_key[external_id] = rating_id
            created[first_by_key[external_id]] = True
        missing = [key for key in first_by_key if key not in stored_by_key]
        if missing:
            stored_by_key.update(
                Rating.objects.filter(organization_id=organization_id, external_id__in=missing)
                .values_list("external_id", "pk")
            )
        for index, row in enumerate(rows):
            if row[-1] is not None:
                ids[index] = stored_by_key[row[-1]]
    return InsertOutcome(ids=ids, created=created)  # type: ignore[arg-type]


def _insert(
    rows: Sequence[tuple], organization_id: int, received_at: dt.datetime, *, on_conflict: bool
) -> list[tuple[int, str | None]]:
    table = connection.ops.quote_name(Rating._meta.db_table)
    columns = ", ".join(("organization_id", "received_at", *_ROW_COLUMNS))
    conflict = " ON CONFLICT (organization_id, external_id) DO NOTHING" if on_conflict else ""
    returned: list[tuple[int, str | None]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the whole batch; psycopg2 sends each column as
            # one array literal, so there is no per-row parameter overhead.
            arrays = [list(column) for column in zip(*rows, strict=True)]
            unnest = ", ".join(f"%s::{array_type}" for array_type in _PG_ARRAY_TYPES)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, %s, t.* FROM unnest({unnest}) AS t"
                f"{conflict} RETURNING id, external_id",
                [organization_id, received_at, *arrays],
            )
            return list(cursor.fetchall())
        adapt = connection.ops.adapt_datetimefield_value
        received = adapt(received_at)
        per_statement = max(1, min(2000, _sqlite_variable_limit() // (len(_ROW_COLUMNS) + 2)))
        placeholders = "(" + ", ".join(["%s"] * (len(_ROW_COLUMNS) + 2)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            params: list[Any] = []
            for row in chunk:
                params.extend((organization_id, received, *row[:5], adapt(row[5]), *row[6:]))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))}"
                f"{conflict} RETURNING id, external_id",
                params,
            )
            returned.extend(cursor.fetchall())
    return returned


def _sqlite_variable_limit() -> int:
    """How many bound parameters one SQLite statement takes (999 on old builds)."""
    import sqlite3

    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:
        return connection.features.max_query_params
