"""Writes for organizations, service cycles and moments of truth.

Moment positions are dense (0..n-1) and unique per cycle. Every service that
changes them locks the cycle row first (`select_for_update`), so concurrent
edits of one cycle queue up instead of interleaving, and bumps
`ServiceCycle.structure_version` so an editor holding a stale order can be told.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils.translation import gettext as _

from momento.services import model_update

from . import events
from .models import Membership, Moment, Organization, ServiceCycle

# Positions are moved out of the way by this offset during a reorder so that no
# intermediate state violates the unique (cycle, position) constraint.
_POSITION_PARKING_OFFSET = 1_000_000

MOMENT_EDITABLE_FIELDS = ("name", "kind", "description", "protocol", "owner")
CYCLE_EDITABLE_FIELDS = ("name", "description", "timezone", "min_sample", "critical_share", "archived")


class StaleOrderError(ValidationError):
    """The caller's view of the cycle is out of date; it should reload the true order."""


def _clean(instance: Any, exclude: Sequence[str] = ()) -> None:
    # full_clean runs field validators (choices, lengths, ranges) so bad input
    # is a ValidationError here, before any row is written.
    instance.full_clean(exclude=list(exclude), validate_constraints=False)


def organization_create(*, name: str, slug: str, admin: User | None = None) -> Organization:
    with transaction.atomic():
        organization = Organization(name=name, slug=slug)
        _clean(organization)
        organization.save()
        if admin is not None:
            membership_add(organization=organization, user=admin, role=Membership.Role.ADMIN)
    return organization


ORGANIZATION_COMMENT_FIELDS = ["comment_analysis", "comment_language"]


def organization_comment_settings_update(*, organization: Organization, **fields: Any) -> Organization:
    """Switch comment analysis on or off, or fix the language of the comments.

    Either change is announced (`events.comment_analysis_changed`) once it
    commits: the analytics forget the organization's counted words, and count
    them again (in the new language) while analysis is on.
    """
    organization, changed = model_update(instance=organization, fields=ORGANIZATION_COMMENT_FIELDS, data=fields)
    if changed:
        events.comment_analysis_changed.send(organization_id=organization.pk,
                                             enabled=organization.comment_analysis)
    return organization


def _an_admin_remains(*, organization: Organization, without: Membership) -> None:
    if not Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN).exclude(
            pk=without.pk).exists():
        raise ValidationError({"role": _("The organization needs at least one admin: make someone else admin "
                                         "first.")})


def _role_checked(role: str) -> str:
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    return role


@transaction.atomic
def membership_add(*, organization: Organization, user: User, role: str) -> Membership:
    """Make `user` a member with `role`; someone who is a member already is refused
    (their role changes only through `membership_role_set`)."""
    _role_checked(role)
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({"user": _("This person is a member of the organization already.")},
                              code="already_member")
    return Membership.objects.create(organization=organization, user=user, role=role)


@transaction.atomic
def membership_role_set(*, membership: Membership, role: str) -> Membership:
    """Give a member another role.

    The organization row is locked, so two admins changing roles at once cannot
    leave it without an admin.
    """
    _role_checked(role)
    Organization.objects.select_for_update().filter(pk=membership.organization_id).first()
    membership = Membership.objects.select_related("user", "organization").get(pk=membership.pk)
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
        _an_admin_remains(organization=membership.organization, without=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Take a member out of the organization (never its last admin)."""
    Organization.objects.select_for_update().filter(pk=membership.organization_id).first()
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None:
        return
    if current.role == Membership.Role.ADMIN:
        _an_admin_remains(organization=current.organization, without=current)
    current.delete()


@transaction.atomic
def cycle_create(
    *,
    organization: Organization,
    name: str,
    description: str = "",
    timezone: str = "UTC",
    min_sample: int = 20,
    critical_share: float = 0.25,
) -> ServiceCycle:
    """Create an empty service cycle after validating every field."""
    cycle = ServiceCycle(
        organization=organization,
        name=(name or "").strip(),
        description=description,
        timezone=timezone,
        min_sample=min_sample,
        critical_share=critical_share,
    )
    _clean(cycle, exclude=["organization"])
    cycle.save()
    return cycle


@transaction.atomic
def cycle_update(*, cycle: ServiceCycle, **fields: Any) -> ServiceCycle:
    """Change the cycle's settings (name, description, time zone, thresholds, archived).

    The row is locked and only the given fields are written, so a stale `cycle`
    object never writes back an old `structure_version` (which would let an
    editor's stale reorder through). A new time zone is announced to the apps
    that count days in it (`events.cycle_timezone_changed`), once this commits.
    """
    if "name" in fields and isinstance(fields["name"], str):
        fields["name"] = fields["name"].strip()
    cycle, changed = model_update(instance=cycle, fields=CYCLE_EDITABLE_FIELDS, data=fields,
                                  clean_exclude=["organization"])
    if "timezone" in changed:
        events.cycle_timezone_changed.send(cycle_id=cycle.pk, timezone=cycle.timezone)
    return cycle


def _lock_cycle(cycle: ServiceCycle) -> ServiceCycle:
    return ServiceCycle.objects.select_for_update().get(pk=cycle.pk)


def bump_structure_version(cycle_id: int) -> None:
    """Tell editors holding the old order that the cycle's moments changed."""
    ServiceCycle.objects.filter(pk=cycle_id).update(structure_version=F("structure_version") + 1)


def _validate_owner(cycle: ServiceCycle, owner: User | None) -> None:
    if owner is not None and not Membership.objects.filter(
        organization_id=cycle.organization_id, user=owner
    ).exists():
        raise ValidationError({"owner": _("The owner must be a member of the cycle's organization.")})


@transaction.atomic
def moment_add(
    *,
    cycle: ServiceCycle,
    name: str,
    kind: str,
    position: int | None = None,
    description: str = "",
    protocol: str = "",
    owner: User | None = None,
) -> Moment:
    """Insert a moment at `position` (default: the end), shifting later ones right."""
    locked = _lock_cycle(cycle)
    count = Moment.objects.filter(cycle=locked).count()
    if position is None:
        position = count
    if not 0 <= position <= count:
        raise ValidationError({"position": _("Position must be between 0 and %(count)s.") % {"count": count}})
    moment = Moment(
        cycle=locked, position=position, name=(name or "").strip(), kind=kind,
        description=description, protocol=protocol, owner=owner,
    )
    _clean(moment, exclude=["cycle", "position"])
    _validate_owner(locked, owner)
    if position < count:
        _shift(locked.pk, from_position=position, by=1)
    moment.save()
    bump_structure_version(locked.pk)
    return moment


def _shift(cycle_id: int, *, from_position: int, by: int) -> None:
    # Park the tail out of range first, then bring it back shifted: a single
    # `position = position + 1` can collide row by row on the unique constraint.
    tail = Moment.objects.filter(cycle_id=cycle_id, position__gte=from_position)
    tail.update(position=F("position") + _POSITION_PARKING_OFFSET)
    Moment.objects.filter(cycle_id=cycle_id, position__gte=_POSITION_PARKING_OFFSET).update(
        position=F("position") - _POSITION_PARKING_OFFSET + by
    )


@transaction.atomic
def moment_update(*, moment: Moment, **fields: Any) -> Moment:
    """Change a moment's name, kind, description, protocol or owner (not its position).

    The row is locked and only these fields are written, so a reorder running
    meanwhile keeps the position it gave the moment.
    """
    unknown = set(fields) - set(MOMENT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    if "name" in fields and isinstance(fields["name"], str):
        fields["name"] = fields["name"].strip()
    moment, _changed = model_update(instance=moment, fields=MOMENT_EDITABLE_FIELDS, data=fields,
                                    clean_exclude=["cycle"])
    if "owner" in fields:
        _validate_owner(moment.cycle, fields["owner"])
    return moment


def moment_rename(*, moment: Moment, name: str) -> Moment:
    return moment_update(moment=moment, name=name)


@transaction.atomic
def moment_remove(*, moment: Moment) -> None:
    """Delete a moment (and its touchpoints and ratings) and close the gap it leaves."""
    locked = _lock_cycle(moment.cycle)
    current = Moment.objects.filter(pk=moment.pk, cycle=locked).values_list("position", flat=True).first()
    if current is None:
        raise ValidationError(_("This moment no longer exists."))
    Moment.objects.filter(pk=moment.pk).delete()
    _shift(locked.pk, from_position=current + 1, by=-1)
    bump_structure_version(locked.pk)
    events.moment_removed.send(cycle_id=locked.pk)


@transaction.atomic
def moment_reorder(
    *, cycle: ServiceCycle, order: Sequence[int], expected_version: int | None = None
) -> list[Moment]:
    """Put the cycle's moments in `order` (a list of every moment id, once each).

    The whole order is given, not a single move, so the result never depends on
    what another editor did in between: the cycle row is locked, the ids must be
    exactly the cycle's moments, and `expected_version` (when given) must match
    the cycle's current structure version or `StaleOrderError` is raised.
    """
    locked = _lock_cycle(cycle)
    if expected_version is not None and expected_version != locked.structure_version:
        raise StaleOrderError(
            {"order": _("The cycle was changed by someone else meanwhile. Reload to see the current order.")}
        )
    try:
        order = [int(moment_id) for moment_id in order]
    except (TypeError, ValueError):
        raise ValidationError({"order": _("The order must be a list of moment ids.")}) from None
    if len(order) != len(set(order)):
        raise ValidationError({"order": _("A moment appears more than once in the order.")})
    existing = set(Moment.objects.filter(cycle=locked).values_list("pk", flat=True))
    if set(order) != existing:
        missing = sorted(existing - set(order))
        foreign = sorted(set(order) - existing)
        parts = []
        if missing:
            parts.append(_("missing moments %(ids)s") % {"ids": missing})
        if foreign:
            parts.append(_("moments not in this cycle %(ids)s") % {"ids": foreign})
        raise ValidationError({"order": _("The order must list every moment of the cycle exactly once: ")
                               + "; ".join(parts)})
    if order:
        Moment.objects.filter(cycle=locked).update(position=F("position") + _POSITION_PARKING_OFFSET)
        Moment.objects.filter(cycle=locked).update(
            position=Case(
                *[When(pk=moment_id, then=Value(index)) for index, moment_id in enumerate(order)],
                output_field=IntegerField(),
            )
        )
    bump_structure_version(locked.pk)
    return list(Moment.objects.filter(cycle=locked).order_by("position"))
