"""Writes for touchpoints, segments and ratings.

Ratings are normalised in one place: `touchpoints.scales.SCALES` decides the range,
the 0–100 value and the dissatisfied flag of every score, whether it comes from
one API call, a batch, a CSV or the demo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from journeys.models import Moment, Organization
from momento.services import model_update

from . import events
from .customers import customers_link
from .ingest import (
    API_FIELDS,
    INTERNAL_FIELDS,
    Catalogue,
    RatingsInvalid,
    RowError,
    RowValidator,
    ValidatedRow,
    validate_rows,
)
from .ingest_write import InsertOutcome, RatingsConflict, RatingsConflicted, ReferencesGone, ratings_insert
from .models import KEY_MAX_LENGTH, Rating, Segment, Touchpoint
from .watermark import ingest_guard, ingest_slot

__all__ = [
    "BatchTooLarge", "RatingsConflicted", "RatingsInvalid", "RatingsResult", "RowError", "rating_record",
    "ratings_ingest", "ratings_record", "segment_create", "segment_update", "touchpoint_add", "touchpoint_remove",
    "touchpoint_update",
]


# Room kept for "-2", "-3"…, should even the readable key be taken.
KEY_SUFFIX_ROOM = 4
# A cycle's name keeps at least this much of itself when the names after it are long.
KEY_CYCLE_MIN = 24


def _unique_key(model: type[Touchpoint | Segment], organization: Organization, base: str) -> str:
    base = slugify(base)[:KEY_MAX_LENGTH - KEY_SUFFIX_ROOM].strip("-") or "item"
    key, suffix = base, 2
    while model.objects.filter(organization=organization, key=key).exists():
        key, suffix = f"{base}-{suffix}", suffix + 1
    return key


def touchpoint_key_in_cycle(*, cycle_name: str, moment_name: str, touchpoint_name: str) -> str:
    """The readable base key of a touchpoint in a new or copied cycle: the slugs
    of the cycle's, the moment's and the touchpoint's names, fitted into the key's length.

    >>> touchpoint_key_in_cycle(cycle_name="Copy of Airline", moment_name="Check-in", touchpoint_name="Web")
    'copy-of-airline-check-in-web'
    >>> touchpoint_key_in_cycle(cycle_name="¡!", moment_name="Check-in", touchpoint_name="Web")
    'check-in-web'
    """
    budget = KEY_MAX_LENGTH - KEY_SUFFIX_ROOM
    cycle = slugify(cycle_name)
    rest = slugify(f"{moment_name}-{touchpoint_name}")
    if cycle and rest and len(cycle) + 1 + len(rest) > budget:
        cycle = cycle[:max(KEY_CYCLE_MIN, budget - 1 - len(rest))].strip("-")
    return "-".join(part for part in (cycle, rest) if part)[:budget].strip("-") or "touchpoint"


@transaction.atomic
def touchpoint_add(
    *,
    moment: Moment,
    name: str,
    channel: str,
    scale: str = "csat5",
    interaction: str = Touchpoint.Interaction.DIGITAL,
    key: str | None = None,
    key_from_cycle_name: bool = False,
    loyalty_question: bool = False,
) -> Touchpoint:
    """Add a touchpoint to a moment. Without a key one is derived: from the moment's
    and the touchpoint's names, or with `key_from_cycle_name` (new cycles from a
    template, copies) from the cycle's name too, so the keys of a second airline
    cycle read "airline-2027-check-in-web" rather than "check-in-web-2". A
    number is added only when even that key is taken."""
    organization = moment.cycle.organization
    name = (name or "").strip()
    if key and Touchpoint.objects.filter(organization=organization, key=key).exists():
        raise ValidationError({"key": _("Another touchpoint of this organization already uses this key.")})
    if not key:
        base = touchpoint_key_in_cycle(cycle_name=moment.cycle.name, moment_name=moment.name,
                                       touchpoint_name=name) if key_from_cycle_name else f"{moment.name}-{name}"
        key = _unique_key(Touchpoint, organization, base)
    touchpoint = Touchpoint(
        organization=organization, moment=moment, name=name, channel=channel, scale=scale,
        interaction=interaction, key=key,
    )
    touchpoint.full_clean(exclude=["organization", "moment"], validate_constraints=False)
    touchpoint.save()
    if loyalty_question:
        _loyalty_question_claim(touchpoint)
    return touchpoint


def _loyalty_question_claim(touchpoint: Touchpoint) -> None:
    """Make `touchpoint` the one loyalty question of its cycle: the other is unmarked.
    The cycle's moments are locked first, so two CX managers marking two at once end with one."""
    cycle_id = touchpoint.moment.cycle_id
    list(Moment.objects.select_for_update().filter(cycle_id=cycle_id).values_list("pk"))
    Touchpoint.objects.filter(moment__cycle_id=cycle_id, loyalty_question=True).exclude(
        pk=touchpoint.pk).update(loyalty_question=False)
    Touchpoint.objects.filter(pk=touchpoint.pk).update(loyalty_question=True)
    touchpoint.loyalty_question = True


TOUCHPOINT_EDITABLE_FIELDS = ("name", "channel", "scale", "interaction", "key", "loyalty_question")


@transaction.atomic
def touchpoint_update(*, touchpoint: Touchpoint, **fields: Any) -> Touchpoint:
    """Rename or re-channel a touchpoint, change its key, or mark it as the cycle's
    loyalty question (one per cycle: the others are unmarked).

    The scale and the key are fixed once ratings exist: ratings were scored on
    that scale, and REST clients send them by that key (a new key would make
    their next rating a 400, or land it on another touchpoint that took the old
    key). The row is locked and only the given fields are written.
    """
    if "name" in fields and isinstance(fields["name"], str):
        fields["name"] = fields["name"].strip()
    touchpoint = Touchpoint.objects.select_for_update().get(pk=touchpoint.pk)
    rated = None  # looked up once, only when a fixed field would change

    def has_ratings() -> bool:
        nonlocal rated
        if rated is None:
            rated = touchpoint.ratings.exists()
        return rated

    if "scale" in fields and fields["scale"] != touchpoint.scale and has_ratings():
        raise ValidationError({"scale": _("The scale cannot change once the touchpoint has ratings.")})
    if "key" in fields and fields["key"] != touchpoint.key:
        if has_ratings():
            raise ValidationError({"key": _(
                "The key cannot change once the touchpoint has ratings: REST clients send them with "
                "“%(key)s”.") % {"key": touchpoint.key}})
        if Touchpoint.objects.filter(organization_id=touchpoint.organization_id, key=fields["key"]).exclude(
                pk=touchpoint.pk).exists():
            raise ValidationError({"key": _("Another touchpoint of this organization already uses this key.")})
    if fields.get("loyalty_question") and not touchpoint.loyalty_question:
        _loyalty_question_claim(touchpoint)
    touchpoint, _changed = model_update(instance=touchpoint, fields=TOUCHPOINT_EDITABLE_FIELDS, data=fields,
                                        lock=False, clean_exclude=["organization", "moment"])
    return touchpoint


@transaction.atomic
def touchpoint_remove(*, touchpoint: Touchpoint) -> None:
    """Delete a touchpoint with its ratings (and, by cascade, its analytics rollups).

    The editor asks for confirmation first: the ratings go with it. Heatmap
    snapshots notice by their structure signature and are recomputed on the
    next read. The row is locked first so a concurrent edit of the same
    touchpoint waits instead of saving into a deleted row.
    """
    locked = Touchpoint.objects.select_for_update().filter(pk=touchpoint.pk).first()
    if locked is None:
        raise ValidationError(_("This touchpoint no longer exists."))
    cycle_id = Moment.objects.filter(pk=locked.moment_id).values_list("cycle_id", flat=True).get()
    locked.delete()
    events.touchpoint_removed.send(cycle_id=cycle_id)


# What a segment's owners may change.
SEGMENT_FIELDS = ("name", "key", "description", "goals", "quote")


@transaction.atomic
def segment_create(*, organization: Organization, name: str, key: str | None = None, description: str = "",
                   goals: str = "", quote: str = "") -> Segment:
    """A customer segment, described as a persona (who they are, their goals, a quote)."""
    name = (name or "").strip()
    if key and Segment.objects.filter(organization=organization, key=key).exists():
        raise ValidationError({"key": _("Another segment of this organization already uses this key.")})
    segment = Segment(
        organization=organization, name=name, key=key or _unique_key(Segment, organization, name),
        description=description, goals=goals, quote=(quote or "").strip(),
    )
    segment.full_clean(exclude=["organization"], validate_constraints=False)
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, **fields: Any) -> Segment:
    """Rename a segment, or change its key or persona (description, goals, quote); ratings keep pointing at it."""
    if "name" in fields and isinstance(fields["name"], str):
        fields["name"] = fields["name"].strip()
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if "key" in fields and Segment.objects.filter(
        organization_id=segment.organization_id, key=fields["key"]
    ).exclude(pk=segment.pk).exists():
        raise ValidationError({"key": _("Another segment of this organization already uses this key.")})
    if "quote" in fields and isinstance(fields["quote"], str):
        fields["quote"] = fields["quote"].strip()
    segment, _changed = model_update(instance=segment, fields=SEGMENT_FIELDS, data=fields,
                                     lock=False, clean_exclude=["organization"])
    return segment


# --- Ratings -------------------------------------------------------------------


class BatchTooLarge(ValidationError):
    """More ratings in one call than a batch may hold: nothing was read or written."""

    def __init__(self, *, limit: int, count: int):
        self.limit, self.count = limit, count
        super().__init__(_("A batch holds at most %(limit)s ratings; this one has %(count)s.")
                         % {"limit": limit, "count": count}, code="batch_too_large")


@dataclass
class RatingsResult:
    """Outcome of recording ratings, per input row: the stored id and whether
    this call created it (False: a replay of an external_id already stored or
    repeated earlier in the same batch)."""

    organization_id: int
    ids: list[int] = field(default_factory=list)
    created_flags: list[bool] = field(default_factory=list)

    @property
    def created_count(self) -> int:
        return sum(self.created_flags)

    @property
    def duplicate_count(self) -> int:
        return len(self.created_flags) - self.created_count

    @property
    def duplicate_indexes(self) -> list[int]:
        return [index for index, created in enumerate(self.created_flags) if not created]

    @property
    def created(self) -> list[Rating]:
        """The created ratings as model instances (one query; avoid on big batches)."""
        return self._fetch([pk for pk, new in zip(self.ids, self.created_flags, strict=False) if new])

    @property
    def duplicates(self) -> list[Rating]:
        return self._fetch([pk for pk, new in zip(self.ids, self.created_flags, strict=False) if not new])

    @staticmethod
    def _fetch(ids: list[int]) -> list[Rating]:
        by_id = Rating.objects.in_bulk(set(ids))
        return [by_id[pk] for pk in ids]


def ratings_store(*, organization_id: int, rows: Sequence[ValidatedRow], received_at: dt.datetime) -> InsertOutcome:
    """Write already validated rows inside the caller's transaction.

    Holds `ingest_guard` around the INSERT (the rollup watermark must not pass
    ids this transaction holds until it commits) and queues the analytics
    notification on commit when anything new was stored. Raises
    RatingsConflict or ReferencesGone (from `ratings_insert`) before queueing
    anything; the caller lets it leave its atomic block, which rolls the batch back.
    """
    with ingest_guard(), ingest_slot():
        rows = _customers_linked(organization_id, rows)
        outcome = ratings_insert(organization_id=organization_id, received_at=received_at, rows=rows)
    if outcome.created_count:
        events.ratings_stored.send(organization_id=organization_id)
    return outcome


def _customers_linked(organization_id: int, rows: Sequence[ValidatedRow]) -> Sequence[ValidatedRow]:
    """The rows with the customer id of their customer reference's hash (customers made
    and locked until commit by `customers_link`); rows without a customer unchanged."""
    keys = {row.customer_key for row in rows if row.customer_key is not None}
    if not keys:
        return rows
    ids = customers_link(organization_id=organization_id, keys=keys)
    return [row if row.customer_key is None else row._replace(customer_id=ids[row.customer_key]) for row in rows]


def ratings_ingest(
    *,
    organization: Organization,
    rows: Sequence[Any],
    source: str = Rating.Source.API,
    allowed_fields: frozenset[str] | None = None,
    limit_rows: bool = True,
) -> RatingsResult:
    """Validate and store many ratings, all or nothing, exactly once per external_id.

    A batch holds at most `settings.MOMENTO_MAX_BATCH` rows (BatchTooLarge);
    Python callers that chunk their own rows (`ratings_record`) pass
    `limit_rows=False`.

    Each row is a mapping as a REST client sends it: `touchpoint` (id) or
    `touchpoint_key`, `score`, optional `occurred_at` (ISO 8601 with offset,
    default now; more than 5 minutes ahead is refused), `segment` (id or key),
    `comment`, `first_contact_resolved`, `external_id`, `customer` (the client's
    reference of the customer; only its keyed hash is stored). Touchpoints and
    segments are fetched once and rows are checked with plain code; if any is
    invalid, RatingsInvalid lists every error by index and field and nothing
    is written. Valid rows go in with one bulk statement whose ON CONFLICT
    clause, not a prior read, decides replays, so concurrent replays store
    each external_id exactly once. A replay must repeat the stored content:
    an external_id stored (or repeated in `rows`) with a different touchpoint,
    score, occurred_at, segment, comment or first_contact_resolved raises
    RatingsConflicted, and nothing of the batch is written. Rows without an
    external_id get a server-assigned one.
    """
    if not rows:
        raise RatingsInvalid([])
    if limit_rows and len(rows) > settings.MOMENTO_MAX_BATCH:
        raise BatchTooLarge(limit=settings.MOMENTO_MAX_BATCH, count=len(rows))
    now = timezone.now()
    catalogue = Catalogue.for_rows(organization_id=organization.pk, rows=rows)
    validator = RowValidator(
        catalogue=catalogue, now=now, source=source, allowed_fields=allowed_fields or API_FIELDS
    )
    validated = validate_rows(rows, validator=validator)
    with transaction.atomic():
        try:
            outcome = ratings_store(organization_id=organization.pk, rows=validated, received_at=now)
        except RatingsConflict as conflict:
            # Raised inside the atomic block: the rows this batch inserted roll back.
            raise RatingsConflicted(conflict.conflicts) from None
        except ReferencesGone as gone:
            raise RatingsInvalid(gone.errors()) from None
    return RatingsResult(organization_id=organization.pk, ids=outcome.ids, created_flags=outcome.created)


def ratings_record(*, organization: Organization, rows: Iterable[Mapping[str, Any]]) -> RatingsResult:
    """`ratings_ingest` for Python callers (demo, tests, imports): rows may hold
    Touchpoint/Segment instances and datetimes, and a per-row `source`."""
    rows = rows if isinstance(rows, list) else list(rows)
    return ratings_ingest(organization=organization, rows=rows, allowed_fields=INTERNAL_FIELDS, limit_rows=False)


def rating_record(
    *,
    touchpoint: Touchpoint,
    score: int,
    occurred_at: dt.datetime | None = None,
    segment: Segment | None = None,
    comment: str = "",
    first_contact_resolved: bool | None = None,
    source: str = Rating.Source.API,
    external_id: str | None = None,
) -> tuple[Rating, bool]:
    """Record one rating; returns (rating, created). A replayed external_id returns
    the stored rating with created=False. Field errors, and a replayed
    external_id with different content, raise ValidationError."""
    try:
        result = ratings_record(
            organization=touchpoint.organization,
            rows=[{
                "touchpoint": touchpoint, "score": score, "occurred_at": occurred_at, "segment": segment,
                "comment": comment, "first_contact_resolved": first_contact_resolved, "source": source,
                "external_id": external_id,
            }],
        )
    except RatingsInvalid as error:
        # Single rating: surface the field errors without the row index.
        raise ValidationError({name: [problem.message] for name, problem in error.errors_by_index[0].items()}) from None
    return Rating.objects.get(pk=result.ids[0]), bool(result.created_flags[0])
