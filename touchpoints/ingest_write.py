"""The ratings fast path, part two: one bulk INSERT, exactly once per external_id.

`ratings_insert` writes validated rows (`touchpoints.ingest.ValidatedRow`)
with one statement. On PostgreSQL that is `INSERT … SELECT FROM
unnest(arrays) ON CONFLICT (organization_id, external_id) DO NOTHING RETURNING
id, external_id`: the unique constraint, not a prior SELECT, decides which
replay wins, so counts of created and duplicate ratings stay exact when
several clients replay the same ids at once. SQLite (the embedded mode) gets
the same statement shape with multi-row VALUES.

A key is a promise about content: a replay must repeat the rating. Rows whose
key was already stored are compared with the stored ratings, read for those
keys only (the same one query that finds their ids); a difference raises
`RatingsConflict`, and since that happens inside the caller's transaction,
whatever this batch inserted is rolled back with it. Two batches that race
with one key and different content cannot both win: the second one's INSERT
waits on the first one's row in the unique index, then reads it and conflicts.

Must run inside the caller's transaction (and its `ingest_guard`). The
table has no foreign keys: the touchpoints and segments the rows name are
locked and checked here first (`_references_locked`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection

from .ingest import RatingsInvalid, RowError, ValidatedRow
from .models import Rating, Segment, Touchpoint, rating_key_new

# The content a replay must repeat (occurred_at only when the replay gives it).
CONTENT_FIELDS = ("touchpoint", "score", "occurred_at", "segment", "comment", "first_contact_resolved", "customer")
# Compared only when the replay gives them: a replay may leave them out.
_ONLY_WHEN_GIVEN = frozenset({"occurred_at", "customer"})
_ROW_COLUMNS = (
    "touchpoint_id", "scale", "score", "normalized", "dissatisfied", "occurred_at",
    "segment_id", "comment", "first_contact_resolved", "source", "external_id", "customer_id",
)
_PG_ARRAY_TYPES = (
    "bigint[]", "varchar[]", "smallint[]", "float8[]", "boolean[]", "bigint[]",
    "bigint[]", "text[]", "boolean[]", "varchar[]", "varchar[]", "bigint[]",
)


def _number_array(values: Sequence[Any]) -> str:
    # str(None) is "None", which no number's text contains.
    return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"


def _boolean_array(values: Sequence[bool | None]) -> str:
    # "True" / "False" are booleans to PostgreSQL as they are; None is NULL.
    return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _instant_array(values: Sequence[dt.datetime]) -> str:
    # Aware instants as whole microseconds since 1970 (the SQL adds them to the
    # epoch): a subtraction and a division cost a seventh of isoformat(), which
    # was the batch's dearest column. Exact: PostgreSQL multiplies the interval by
    # a double, and every instant up to the year 2255 is below 2**53 microseconds
    # (ingestion refuses instants more than minutes ahead).
    return "{" + ",".join([str((value - _EPOCH) // _MICROSECOND) for value in values]) + "}"


def _text_array(values: Sequence[str | None]) -> str:
    # Every element double-quoted, with backslash and quote escaped, so no text
    # (commas, braces, blanks, the word NULL) can change the array's shape.
    if None not in values:
        plain = "".join(values)  # type: ignore[arg-type]  # no None, checked above
        if "\\" not in plain and '"' not in plain:
            return '{"' + '","'.join(values) + '"}'  # type: ignore[arg-type]
    return "{" + ",".join(
        "NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for value in values
    ) + "}"


# unnest(%s::bigint[], …) AS t(c0, c1, …), then the columns in order, the instant
# from its microseconds since 1970 (see _instant_array).
_INSTANT_COLUMN = _ROW_COLUMNS.index("occurred_at")
_UNNEST = ", ".join(f"%s::{array_type}" for array_type in _PG_ARRAY_TYPES)
_UNNEST_NAMES = ", ".join(f"c{i}" for i in range(len(_PG_ARRAY_TYPES)))
_UNNESTED = ", ".join(
    f"timestamptz 'epoch' + t.c{i} * interval '1 microsecond'" if i == _INSTANT_COLUMN else f"t.c{i}"
    for i in range(len(_PG_ARRAY_TYPES))
)
# One text literal per column, parsed by PostgreSQL's array_in. psycopg2 would
# adapt a Python list as ARRAY[v1, v2, …], an expression of 5,000 typed
# constants per column that the server parses and plans one by one: measured at
# 5,000 rows, 300 ms against 27 ms for the same rows as literals.
_PG_ARRAY_LITERALS: tuple[Callable[[Sequence[Any]], str], ...] = (
    _number_array, _text_array, _number_array, _number_array, _boolean_array, _instant_array,
    _number_array, _text_array, _boolean_array, _text_array, _text_array, _number_array,
)


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


@dataclass(frozen=True, order=True)
class Conflict:
    """Row `index` reuses `key` with different content: that of the stored
    rating `rating_id`, or of row `earlier_index` of the same call.

    A dataclass, not a NamedTuple: a tuple's field named `index` would hide `tuple.index`.
    """

    index: int
    key: str
    fields: tuple[str, ...]
    rating_id: int | None = None
    earlier_index: int | None = None


class RatingsConflict(Exception):
    """Some rows reused an external_id with different content; raise it inside the transaction."""

    def __init__(self, conflicts: Sequence[Conflict]):
        self.conflicts = list(conflicts)
        super().__init__(f"{len(self.conflicts)} external_id conflict(s)")


class RatingsConflicted(RatingsInvalid):
    """RatingsInvalid for conflicts: one `external_id` error per conflicting row.

    `positions` maps a row index to what the caller calls it (a CSV line);
    by default the index itself (a JSON item).
    """

    def __init__(self, conflicts: Sequence[Conflict], *, positions: Sequence[int] | None = None):
        self.conflicts = list(conflicts)

        def position(index: int) -> int:
            return positions[index] if positions is not None else index

        errors = []
        for conflict in self.conflicts:
            fields = ", ".join(conflict.fields)
            if conflict.rating_id is not None:
                errors.append(RowError(position(conflict.index), "external_id", "external_id_conflict",
                                       {"key": conflict.key, "rating": conflict.rating_id, "fields": fields}))
            elif positions is None:
                errors.append(RowError(conflict.index, "external_id", "external_id_repeated_item",
                                       {"key": conflict.key, "index": conflict.earlier_index, "fields": fields}))
            else:
                assert conflict.earlier_index is not None  # not a stored rating: an earlier row
                errors.append(RowError(position(conflict.index), "external_id", "external_id_repeated_line",
                                       {"key": conflict.key, "line": position(conflict.earlier_index),
                                        "fields": fields}))
        super().__init__(errors)


class ReferencesGone(Exception):
    """Rows name touchpoints or segments deleted since the batch was validated
    (a race with their deletion); raise it inside the transaction.

    `gone` lists (row index, field, id) for every such row.
    """

    def __init__(self, gone: Sequence[tuple[int, str, int]]):
        self.gone = list(gone)
        super().__init__(f"{len(self.gone)} row(s) name a deleted touchpoint or segment")

    def errors(self, *, positions: Sequence[int] | None = None) -> list[RowError]:
        """RowErrors by row index, or by what the caller calls a row (a CSV line)."""
        return [
            RowError(positions[index] if positions is not None else index, field, f"{field}_unknown",
                     {"id": reference} if field == "touchpoint" else None)
            for index, field, reference in self.gone
        ]


def _references_locked(organization_id: int, rows: Sequence[ValidatedRow]) -> None:
    """Lock the touchpoints and segments the rows name, and check they still exist.

    The ratings table keeps no foreign keys (see Rating); this is their check,
    once per batch instead of once per row. FOR KEY SHARE, as a foreign key's
    check takes: a touchpoint or segment cannot be deleted until this
    transaction ends (the deletion waits, then its trigger removes what this
    one stored), and one deleted before we got here is not found. Rows were
    validated against the organization's catalogue before the transaction;
    only a deletion in between makes this raise ReferencesGone.
    """
    touchpoint_ids = sorted({row.touchpoint_id for row in rows})
    segment_ids = sorted({row.segment_id for row in rows if row.segment_id is not None})
    lock = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
    found: dict[str, set[int]] = {}
    with connection.cursor() as cursor:
        for field, model, ids in (("touchpoint", Touchpoint, touchpoint_ids), ("segment", Segment, segment_ids)):
            if not ids:
                found[field] = set()
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(f"SELECT id FROM {table} WHERE organization_id = %s AND id IN ({placeholders}) "
                           f"ORDER BY id{lock}", [organization_id, *ids])
            found[field] = {row[0] for row in cursor.fetchall()}
    if len(found["touchpoint"]) == len(touchpoint_ids) and len(found["segment"]) == len(segment_ids):
        return
    gone = []
    for index, row in enumerate(rows):
        if row.touchpoint_id not in found["touchpoint"]:
            gone.append((index, "touchpoint", row.touchpoint_id))
        elif row.segment_id is not None and row.segment_id not in found["segment"]:
            gone.append((index, "segment", row.segment_id))
    raise ReferencesGone(gone)


class _Content(NamedTuple):
    touchpoint_id: int
    score: int
    occurred_at: dt.datetime | None  # None: not to be compared
    segment_id: int | None
    comment: str
    first_contact_resolved: bool | None
    customer_id: int | None  # None in a replay: not to be compared


def _content(row: ValidatedRow) -> _Content:
    return _Content(row.touchpoint_id, row.score, row.occurred_at if row.occurred_at_given else None,
                    row.segment_id, row.comment, row.first_contact_resolved, row.customer_id)


def _differences(incoming: _Content, reference: _Content) -> tuple[str, ...]:
    # occurred_at: a replay that leaves it out is a replay (and the first of two
    # repeated items may have left it out); customer: likewise when the replay
    # names none, but one named against a rating stored without is a difference.
    return tuple(
        name for name, mine, theirs in zip(CONTENT_FIELDS, incoming, reference, strict=True)
        if mine != theirs and not (name in _ONLY_WHEN_GIVEN and mine is None)
        and not (name == "occurred_at" and theirs is None)
    )


def _keys_of(rows: Sequence[ValidatedRow]) -> tuple[list[int], dict[str, int]]:
    """Indexes of the rows without a key, and each key's first index; a key repeated
    with different content in the same rows raises RatingsConflict."""
    unkeyed: list[int] = []
    first_by_key: dict[str, int] = {}
    repeated: list[Conflict] = []
    for index, row in enumerate(rows):
        key = row.external_id
        if key is None:
            unkeyed.append(index)
        elif key not in first_by_key:
            first_by_key[key] = index
        elif differences := _differences(_content(row), _content(rows[first_by_key[key]])):
            repeated.append(Conflict(index, key, differences, earlier_index=first_by_key[key]))
    if repeated:
        raise RatingsConflict(repeated)
    return unkeyed, first_by_key


def _replays_checked(organization_id: int, rows: Sequence[ValidatedRow], first_by_key: dict[str, int],
                     missing: list[str]) -> dict[str, int]:
    """The stored ids of keys another call stored first (one query for those keys only);
    a stored rating whose content differs from the row raises RatingsConflict."""
    stored_by_key: dict[str, int] = {}
    conflicts = []
    for key, rating_id, touchpoint_id, score, occurred_at, segment_id, comment, resolved, customer_id in (
        Rating.objects.filter(organization_id=organization_id, external_id__in=missing).values_list(
            "external_id", "pk", "touchpoint_id", "score", "occurred_at", "segment_id", "comment",
            "first_contact_resolved", "customer_id")
    ):
        stored_by_key[key] = rating_id
        index = first_by_key[key]
        stored = _Content(touchpoint_id, score, occurred_at, segment_id, comment, resolved, customer_id)
        if differences := _differences(_content(rows[index]), stored):
            conflicts.append(Conflict(index, key, differences, rating_id=rating_id))
    if conflicts:
        raise RatingsConflict(sorted(conflicts))
    return stored_by_key


def ratings_insert(*, organization_id: int, received_at: dt.datetime, rows: Sequence[ValidatedRow]) -> InsertOutcome:
    """Write validated rows; a replay of an external_id (stored, or earlier in
    `rows`) with the same content is not inserted again but answered with the
    stored id. With different content it raises RatingsConflict.

    Rows without a key get a server-assigned one (`rating_key_new`).
    """
    ids: dict[int, int] = {}  # row index → rating id, until every row has one
    created = [False] * len(rows)
    unkeyed, first_by_key = _keys_of(rows)
    _references_locked(organization_id, rows)

    if unkeyed:
        keyed_now = [rows[i]._replace(external_id=rating_key_new()) for i in unkeyed]
        returned = _insert(keyed_now, organization_id, received_at, on_conflict=False)
        for index, (rating_id, _external_id) in zip(unkeyed, returned, strict=True):
            ids[index], created[index] = rating_id, True
    if not first_by_key:
        return InsertOutcome(ids=[ids[index] for index in range(len(rows))], created=created)

    stored_by_key: dict[str, int] = {}
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
        stored_by_key.update(_replays_checked(organization_id, rows, first_by_key, missing))
    for index, row in enumerate(rows):
        if row.external_id is not None:
            ids[index] = stored_by_key[row.external_id]
    return InsertOutcome(ids=[ids[index] for index in range(len(rows))], created=created)


def _insert(
    rows: Sequence[ValidatedRow], organization_id: int, received_at: dt.datetime, *, on_conflict: bool
) -> list[tuple[int, str]]:
    table = connection.ops.quote_name(Rating._meta.db_table)
    columns = ", ".join(("organization_id", "received_at", *_ROW_COLUMNS))
    conflict = " ON CONFLICT (organization_id, external_id) DO NOTHING" if on_conflict else ""
    width = len(_ROW_COLUMNS)
    returned: list[tuple[int, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the whole batch, each column one array literal.
            arrays = [encode(column) for encode, column in
                      zip(_PG_ARRAY_LITERALS, list(zip(*rows, strict=True))[:width], strict=True)]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, %s, {_UNNESTED} "
                f"FROM unnest({_UNNEST}) AS t({_UNNEST_NAMES}){conflict} RETURNING id, external_id",
                [organization_id, received_at, *arrays],
            )
            return list(cursor.fetchall())
        adapt = connection.ops.adapt_datetimefield_value
        received = adapt(received_at)
        per_statement = max(1, min(2000, _sqlite_variable_limit() // (width + 2)))
        placeholders = "(" + ", ".join(["%s"] * (width + 2)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            params: list[Any] = []
            for row in chunk:
                params.extend((organization_id, received, *row[:5], adapt(row[5]), *row[6:width]))
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
        # Django's SQLite features say 999 (old builds); the attribute is None only for backends without a limit.
        return connection.features.max_query_params or 999
