"""The ratings fast path, part one: plain-code row validation.

A 5,000-rating batch must cost a handful of queries, not 5,000 model or
serializer instances: touchpoints and segments are fetched once per batch
(`Catalogue`), and each row is checked by `RowValidator` into a `ValidatedRow`
that `touchpoints.ingest_write.ratings_insert` writes with one statement.
Problems are codes and parameters (`touchpoints.problems`), translated when
they are shown.

The services in `touchpoints.services` and `touchpoints.csv_io` own the
transaction; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .customers import customer_hash, customer_reference_problem, customer_secret
from .models import SERVER_KEY, SERVER_KEY_PREFIX, Rating, Segment, Touchpoint
from .problems import Problem, problem_message
from .scales import SCALES

# Long enough for a customer who writes a whole letter (10,000 characters); comment
# analysis reads them whole.
MAX_COMMENT_LENGTH = 10_000
MAX_EXTERNAL_ID_LENGTH = 128
MAX_KEY_LENGTH = 80
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
EARLIEST_OCCURRED_AT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_DATABASE_ID = 2**63 - 1

# Fields a REST client may send in one rating.
API_FIELDS = frozenset(
    {"touchpoint", "touchpoint_key", "score", "occurred_at", "segment", "comment",
     "first_contact_resolved", "external_id", "customer"}
)
# Internal callers (demo, tests, CSV) may also set the source.
INTERNAL_FIELDS = API_FIELDS | {"source"}

_SOURCES = frozenset(Rating.Source.values)
_PREFIX_LENGTH = len(SERVER_KEY_PREFIX)
_fromisoformat = dt.datetime.fromisoformat

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
    code: str
    params: Mapping[str, Any] | None = None

    @property
    def message(self) -> str:
        return problem_message(self.code, self.params)


class RatingsInvalid(ValidationError):
    """Some rows were invalid, so nothing was written.

    `errors` lists RowErrors; `total_errors` may exceed len(errors) when a long
    file was cut short of reporting every problem.
    """

    def __init__(self, errors: Sequence[RowError], *, total_errors: int | None = None):
        self.errors = list(errors)
        self.total_errors = total_errors if total_errors is not None else len(self.errors)
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(str(error.position), []).append(f"{error.field}: {error.message}")
        super().__init__(grouped or {"rows": [_("No ratings were given.")]})

    @property
    def errors_by_index(self) -> dict[int, dict[str, RowError]]:
        grouped: dict[int, dict[str, RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.position, {})[error.field] = error
        return grouped


class TouchpointRef(NamedTuple):
    id: int
    scale: str
    cycle_id: int


class ValidatedRow(NamedTuple):
    """One rating ready to insert: the first twelve fields are the INSERT's columns, in order."""

    touchpoint_id: int
    scale: str
    score: int
    normalized: float
    dissatisfied: bool
    occurred_at: dt.datetime
    segment_id: int | None
    comment: str
    first_contact_resolved: bool | None
    source: str
    external_id: str | None  # None: the client sent none; ratings_insert assigns one
    customer_id: int | None  # set from customer_key by ratings_store (touchpoints.customers)
    # False when occurred_at defaulted to "now": a replay without it is still a replay.
    occurred_at_given: bool
    # The keyed hash of the client's customer reference (None: no customer).
    customer_key: str | None = None


# What can be an id or a key. Not bool or float: True == 1.0 == 1 in a set, and
# one of them gathered first would hide a real id 1.
_HASHABLE = frozenset({int, str})


def _gathered(rows: Sequence[Mapping[str, Any]], name: str) -> set[Any]:
    """The distinct ids or keys the rows give as `name`: ints and strings as they come,
    instances by their pk; other values (a list, a float) name nothing."""
    return {value if type(value) in _HASHABLE else value.pk for row in rows  # type: ignore[union-attr]
            if type(value := row.get(name)) in _HASHABLE or isinstance(value, (Touchpoint, Segment))}


def _is_id(value: Any) -> bool:
    return type(value) is int and 0 < value <= MAX_DATABASE_ID


def _is_lookup_key(value: Any) -> bool:
    # A key the database could never hold is not looked up (a NUL would even make the driver raise).
    return isinstance(value, str) and len(value) <= MAX_KEY_LENGTH and "\x00" not in value


@dataclass
class Catalogue:
    """An organization's touchpoints and segments, by id and by key, fetched once."""

    organization_id: int = 0
    touchpoints_by_id: dict[int, TouchpointRef] = field(default_factory=dict)
    touchpoints_by_key: dict[str, TouchpointRef] = field(default_factory=dict)
    segments_by_id: dict[int, int] = field(default_factory=dict)
    segments_by_key: dict[str, int] = field(default_factory=dict)
    _customer_secret: str | None = None

    def customer_secret(self) -> str:
        """The organization's key for customer references, read once, when a row has one."""
        if self._customer_secret is None:
            self._customer_secret = customer_secret(organization_id=self.organization_id)
        return self._customer_secret

    @classmethod
    def for_rows(cls, *, organization_id: int, rows: Sequence[Mapping[str, Any]]) -> Catalogue:
        """Only what the rows reference: two small queries, whatever the batch size."""
        segment_ids, segment_keys = set(), set()
        # Values are gathered first, as they come (an int, a key, an instance,
        # or anything a client sent) and checked once per distinct value: a
        # batch of 5,000 names a few dozen. Other types (a list) can name nothing.
        mappings = [row for row in rows if type(row) is dict or isinstance(row, Mapping)]
        touchpoints = _gathered(mappings, "touchpoint")
        keys = _gathered(mappings, "touchpoint_key")
        segments = _gathered(mappings, "segment")
        touchpoint_ids = {touchpoint for touchpoint in touchpoints if _is_id(touchpoint)}
        touchpoint_keys = {key for key in keys if _is_lookup_key(key)}
        for segment in segments:
            if _is_id(segment):
                segment_ids.add(segment)
            elif _is_lookup_key(segment):
                segment_keys.add(segment)
        return cls._load(organization_id, touchpoint_ids, touchpoint_keys, segment_ids, segment_keys)

    @classmethod
    def whole(cls, *, organization_id: int) -> Catalogue:
        """Every touchpoint and segment of the organization (for files read as a stream)."""
        return cls._load(organization_id, None, None, None, None)

    @classmethod
    def _load(cls, organization_id, touchpoint_ids, touchpoint_keys, segment_ids, segment_keys) -> Catalogue:
        from django.db.models import Q

        catalogue = cls(organization_id=organization_id)
        touchpoints = Touchpoint.objects.filter(organization_id=organization_id)
        if touchpoint_ids is not None:
            touchpoints = touchpoints.filter(Q(pk__in=touchpoint_ids) | Q(key__in=touchpoint_keys))
        if touchpoint_ids != set() or touchpoint_keys != set():
            for pk, key, scale, cycle_id in touchpoints.values_list("pk", "key", "scale", "moment__cycle_id"):
                ref = TouchpointRef(pk, scale, cycle_id)
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


def parse_occurred_at(value: Any, *, now: dt.datetime, latest: dt.datetime | None = None
                      ) -> tuple[dt.datetime | None, Problem | None]:
    """An aware datetime in UTC from an ISO 8601 string (or datetime), or a problem.

    `latest` (default `now` + FUTURE_TOLERANCE) is the last instant accepted;
    a validator of thousands of rows computes it once.
    """
    if value is None:
        return now, None
    if type(value) is not str and isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None, Problem("occurred_at_not_iso")
    else:
        return None, Problem("occurred_at_not_string")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None, Problem("occurred_at_without_offset")
    try:
        if parsed > (latest or now + FUTURE_TOLERANCE):
            return None, Problem("occurred_at_in_future")
        if parsed < EARLIEST_OCCURRED_AT:
            return None, Problem("occurred_at_before_1970")
        return (parsed if parsed.tzinfo is dt.UTC else parsed.astimezone(dt.UTC)), None
    except OverflowError:
        return None, Problem("occurred_at_out_of_range")


def _text_problem(value: str, max_length: int) -> Problem | None:
    if len(value) > max_length:
        return Problem("too_long", {"max": max_length})
    if "\x00" in value:
        return Problem("null_character")
    return None


def _external_id_problem(value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("external_id_not_string")
    if not value.strip():
        # "" used to mean "no key", so a client whose template lost its ids got
        # a new rating on every replay; a key that is there must say something.
        return Problem("external_id_blank")
    if problem := _text_problem(value, MAX_EXTERNAL_ID_LENGTH):
        return problem
    if value[:len(SERVER_KEY_PREFIX)].lower() == SERVER_KEY_PREFIX and not SERVER_KEY.fullmatch(value):
        # A server key comes back when an export is imported again; anything
        # else with the prefix could one day collide with a key Momento assigns.
        return Problem("external_id_reserved", {"prefix": SERVER_KEY_PREFIX})
    return None


@dataclass(frozen=True)
class CycleScope:
    """An import started from a cycle's page takes only that cycle's touchpoints."""

    id: int
    name: str


def _score_problem(score: Any, touchpoint_ref: TouchpointRef | None) -> Problem | None:
    if score is None:
        return Problem("required")
    if type(score) is not int:
        return Problem("score_not_integer")
    if touchpoint_ref is not None and score not in SCORE_TABLES[touchpoint_ref.scale]:
        scale = SCALES[touchpoint_ref.scale]
        return Problem("score_outside_scale", {"score": score, "scale": scale.code, "low": scale.low,
                                               "high": scale.high})
    return None


def _comment_problem(comment: Any) -> Problem | None:
    if not isinstance(comment, str):
        return Problem("comment_not_string")
    return _text_problem(comment, MAX_COMMENT_LENGTH)


class RowValidator:
    """Turn one row mapping into a ValidatedRow, or problems by field.

    Plain code on purpose: no serializer or model instance per row. Accepts
    JSON values (touchpoint id or `touchpoint_key`, segment id or key, ISO
    8601 `occurred_at`) and, for internal callers, Touchpoint/Segment
    instances and datetimes.
    """

    def __init__(
        self, *, catalogue: Catalogue, now: dt.datetime, source: str = Rating.Source.API,
        allowed_fields: frozenset[str] = API_FIELDS, cycle: CycleScope | None = None,
    ):
        self.catalogue = catalogue
        self.now = now
        self.latest = now + FUTURE_TOLERANCE
        self.source = source
        self.allowed_fields = allowed_fields
        self.per_row_source = "source" in allowed_fields
        self.cycle = cycle

    def __call__(self, row: Any) -> tuple[ValidatedRow | None, dict[str, Problem]]:
        if type(row) is dict and (valid := self._plain(row)) is not None:
            return valid, {}
        return self._checked(row)

    def _plain(self, row: dict[str, Any]) -> ValidatedRow | None:
        """The usual item, in one frame: a touchpoint id, an integer score on its
        scale, a UTC instant (or none), a known segment or none, plain texts, no
        customer. None for anything else, which `_checked` then accepts or refuses
        with its problems: this path only ever takes what `_checked` takes, and
        gives what it gives. Half the cost of `_checked` per rating."""
        if not row.keys() <= self.allowed_fields or self.cycle is not None or "touchpoint_key" in row \
                or row.get("customer") is not None:
            return None
        touchpoint = row.get("touchpoint")
        score = row.get("score")
        if type(touchpoint) is not int or type(score) is not int \
                or (ref := self.catalogue.touchpoints_by_id.get(touchpoint)) is None \
                or (scored := SCORE_TABLES[ref.scale].get(score)) is None:
            return None
        given = row.get("occurred_at")
        occurred_at = self.now if given is None else self._plain_instant(given)
        segment = row.get("segment")
        if occurred_at is None or (segment is not None and (segment := self._plain_segment(segment)) is None):
            return None
        comment = row.get("comment")
        if comment is None:
            comment = ""
        elif type(comment) is not str or len(comment) > MAX_COMMENT_LENGTH or "\x00" in comment:
            return None
        resolved = row.get("first_contact_resolved")
        if resolved is not None and type(resolved) is not bool:
            return None
        external_id = row.get("external_id")
        if external_id is not None and (
            type(external_id) is not str or len(external_id) > MAX_EXTERNAL_ID_LENGTH or "\x00" in external_id
            or not external_id.strip() or external_id[:_PREFIX_LENGTH].lower() == SERVER_KEY_PREFIX
        ):
            return None
        source = self.source
        if self.per_row_source and (source := row.get("source", source)) not in _SOURCES:
            return None
        # tuple.__new__: a NamedTuple's own __new__ is a Python function, a third of this path's cost.
        return tuple.__new__(ValidatedRow, (
            ref.id, ref.scale, score, scored[0], scored[1], occurred_at, segment, comment, resolved, source,
            external_id, None, given is not None, None,
        ))

    def _plain_instant(self, given: Any) -> dt.datetime | None:
        """A UTC instant in range from its ISO 8601 text, or None (any other case)."""
        if type(given) is not str:
            return None
        try:
            instant = _fromisoformat(given)
        except ValueError:
            return None
        if instant.tzinfo is not dt.UTC or not EARLIEST_OCCURRED_AT <= instant <= self.latest:
            return None
        return instant

    def _plain_segment(self, segment: Any) -> int | None:
        """A known segment's id from its id or key, or None (any other case)."""
        if type(segment) is int:
            return self.catalogue.segments_by_id.get(segment)
        if type(segment) is str:
            return self.catalogue.segments_by_key.get(segment)
        return None

    def _checked(self, row: Any) -> tuple[ValidatedRow | None, dict[str, Problem]]:
        # Exact type checks come first, the slower isinstance() only for what they do not settle.
        if type(row) is not dict and not isinstance(row, Mapping):
            return None, {"non_field_errors": Problem("not_an_object")}
        errors: dict[str, Problem] = {}
        if not row.keys() <= self.allowed_fields:
            for name in [name for name in row if name not in self.allowed_fields][:5]:
                errors[str(name)[:50]] = Problem("unknown_field")

        touchpoint_ref = self._touchpoint(row, errors)

        score = row.get("score")
        if problem := _score_problem(score, touchpoint_ref):
            errors["score"] = problem

        given_occurred_at = row.get("occurred_at")
        occurred_at, problem = parse_occurred_at(given_occurred_at, now=self.now, latest=self.latest)
        if problem:
            errors["occurred_at"] = problem

        segment = row.get("segment")
        segment_id = None if segment is None else self._segment(segment, errors)

        comment = row.get("comment")
        if comment is None or comment == "":
            comment = ""
        elif problem := _comment_problem(comment):
            errors["comment"] = problem

        resolved = row.get("first_contact_resolved")
        if resolved is not None and type(resolved) is not bool:
            errors["first_contact_resolved"] = Problem("resolved_not_boolean")

        external_id = row.get("external_id")
        if external_id is not None and (problem := _external_id_problem(external_id)):
            errors["external_id"] = problem

        source = row.get("source", self.source) if self.per_row_source else self.source
        if source not in _SOURCES:
            errors["source"] = Problem("source_unknown")

        customer_key = self._customer(row.get("customer"), errors)

        if errors:
            return None, errors
        # Without problems these are known: each check above adds one when it is not.
        assert touchpoint_ref is not None and type(score) is int and occurred_at is not None
        normalized, dissatisfied = SCORE_TABLES[touchpoint_ref.scale][score]
        return ValidatedRow(
            touchpoint_ref.id, touchpoint_ref.scale, score, normalized, dissatisfied, occurred_at,
            segment_id, comment, resolved, source, external_id, None, given_occurred_at is not None, customer_key,
        ), {}

    def _touchpoint(self, row: Mapping[str, Any], errors: dict[str, Problem]) -> TouchpointRef | None:
        touchpoint, key = row.get("touchpoint"), row.get("touchpoint_key")
        if key is None and type(touchpoint) is int and self.cycle is None:
            # The usual item: a touchpoint id and nothing else to reconcile.
            return self._touchpoint_by_id(touchpoint, errors)
        return self._touchpoint_reconciled(touchpoint, key, errors)

    def _touchpoint_by_id(self, touchpoint: int, errors: dict[str, Problem]) -> TouchpointRef | None:
        found = self.catalogue.touchpoints_by_id.get(touchpoint)
        if found is None:
            errors["touchpoint"] = Problem("touchpoint_unknown", {"id": touchpoint})
        return found

    def _touchpoint_reconciled(self, touchpoint: Any, key: Any, errors: dict[str, Problem]) -> TouchpointRef | None:
        if isinstance(touchpoint, Touchpoint):
            touchpoint = touchpoint.pk
        by_id = by_key = None
        if touchpoint is not None:
            if type(touchpoint) is not int:
                errors["touchpoint"] = Problem("touchpoint_not_id")
                return None
            by_id = self.catalogue.touchpoints_by_id.get(touchpoint)
            if by_id is None:
                errors["touchpoint"] = Problem("touchpoint_unknown", {"id": touchpoint})
                return None
        if key is not None:
            if not isinstance(key, str):
                errors["touchpoint_key"] = Problem("touchpoint_key_not_string")
                return None
            if "\x00" in key:
                errors["touchpoint_key"] = Problem("null_character")
                return None
            by_key = self.catalogue.touchpoints_by_key.get(key)
            if by_key is None:
                errors["touchpoint_key"] = Problem("touchpoint_key_unknown", {"key": key[:MAX_KEY_LENGTH]})
                return None
        if by_id is not None and by_key is not None and by_id != by_key:
            errors["touchpoint_key"] = Problem("touchpoint_mismatch")
            return None
        found = by_id or by_key
        if found is None:
            errors["touchpoint"] = Problem("touchpoint_missing")
            return None
        if self.cycle is not None and found.cycle_id != self.cycle.id:
            errors["touchpoint_key" if by_key is not None else "touchpoint"] = Problem(
                "touchpoint_other_cycle", {"cycle": self.cycle.name}
            )
            return None
        return found

    def _customer(self, customer: Any, errors: dict[str, Problem]) -> str | None:
        """The keyed hash of the customer reference (None: no customer, or a problem)."""
        if customer is None:
            return None
        if problem := customer_reference_problem(customer):
            errors["customer"] = problem
            return None
        return None if errors else customer_hash(self.catalogue.customer_secret(), customer)

    def _segment(self, segment: Any, errors: dict[str, Problem]) -> int | None:
        if segment is None or segment == "":
            return None
        if isinstance(segment, Segment):
            segment = segment.pk
        if type(segment) is int:
            found = self.catalogue.segments_by_id.get(segment)
        elif isinstance(segment, str):
            if "\x00" in segment:
                errors["segment"] = Problem("null_character")
                return None
            found = self.catalogue.segments_by_key.get(segment)
        else:
            errors["segment"] = Problem("segment_invalid")
            return None
        if found is None:
            errors["segment"] = Problem("segment_unknown")
        return found


def validate_rows(rows: Sequence[Any], *, validator: RowValidator) -> list[ValidatedRow]:
    """Validate every row; raise RatingsInvalid listing all problems by index."""
    validated: list[ValidatedRow] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        values, row_errors = validator(row)
        if values is None:  # exactly when there are problems
            errors.extend(RowError(index, name, *problem) for name, problem in row_errors.items())
        elif not errors:
            validated.append(values)
    if errors:
        raise RatingsInvalid(errors)
    return validated
