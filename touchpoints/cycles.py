"""Whole cycles with their touchpoints: from a template, or copied from another cycle.

Moments are journeys' (its services keep positions dense and versions bumped);
the touchpoints that make a template or a copy useful are this layer's.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from journeys.cycle_templates import TEMPLATES
from journeys.models import Moment, Organization, ServiceCycle
from journeys.services import bump_structure_version, cycle_create, moment_add

from .models import Touchpoint
from .services import touchpoint_add


@transaction.atomic
def cycle_create_from_template(
    *, organization: Organization, name: str, template: str = "airline", timezone: str = "UTC",
    language: str | None = None,
) -> ServiceCycle:
    """Create a cycle pre-filled with a template's moments, protocols and touchpoints
    (journeys.cycle_templates), their names and protocols in `language` (default: the
    active one); touchpoint keys come from the cycle's name."""
    if template not in TEMPLATES:
        raise ValidationError({"template": _("Unknown template.")})
    cycle = cycle_create(organization=organization, name=name, timezone=timezone)
    with translation.override(language or translation.get_language()):
        for moment_name, kind, protocol, touchpoints in TEMPLATES[template].moments:
            moment = moment_add(cycle=cycle, name=_(moment_name), kind=kind, protocol=_(protocol))
            for spec in touchpoints:
                touchpoint_add(
                    moment=moment, name=_(spec.name), channel=spec.channel, scale=spec.scale,
                    interaction=spec.interaction, key_from_cycle_name=True,
                )
    return cycle


@transaction.atomic
def cycle_duplicate(*, cycle: ServiceCycle, name: str | None = None) -> ServiceCycle:
    """Copy a cycle's settings, moments and touchpoints (never its ratings).

    Touchpoints get fresh keys from the copy's name ("copy-of-airline-check-in-web"):
    keys are unique per organization because REST clients address touchpoints
    by them, and the copy must not steal ratings.
    """
    copy_name = name if name is not None else _("Copy of %(name)s") % {"name": cycle.name}
    copy = cycle_create(
        organization=cycle.organization, name=copy_name[:200], description=cycle.description,
        timezone=cycle.timezone, min_sample=cycle.min_sample, critical_share=cycle.critical_share,
    )
    moments = Moment.objects.filter(cycle=cycle).order_by("position")
    copies = Moment.objects.bulk_create([
        Moment(cycle=copy, position=moment.position, name=moment.name, kind=moment.kind,
               description=moment.description, protocol=moment.protocol, owner_id=moment.owner_id)
        for moment in moments
    ])
    copy_by_original = {moment.pk: new for moment, new in zip(moments, copies, strict=False)}
    for touchpoint in Touchpoint.objects.filter(moment__cycle=cycle).order_by("moment__position", "id"):
        touchpoint_add(
            moment=copy_by_original[touchpoint.moment_id], name=touchpoint.name, channel=touchpoint.channel,
            scale=touchpoint.scale, interaction=touchpoint.interaction, key_from_cycle_name=True,
        )
    bump_structure_version(copy.pk)
    return copy
