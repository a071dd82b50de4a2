"""Reads scoped to the organizations a user belongs to.

Every page and API view fetches objects through these, so another
organization's data is simply not in the queryset: it answers 404.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from .models import ApiToken, Moment, Organization, ServiceCycle


def organizations_for_user(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).distinct()


def cycles_for_user(*, user: User | AnonymousUser, include_archived: bool = False) -> QuerySet[ServiceCycle]:
    cycles = ServiceCycle.objects.filter(organization__in=organizations_for_user(user=user))
    if not include_archived:
        cycles = cycles.filter(archived=False)
    return cycles.select_related("organization").annotate(moment_count=Count("moments", distinct=True))


def cycle_get_for_user(*, user: User | AnonymousUser, pk: int) -> ServiceCycle:
    return get_object_or_404(
        ServiceCycle.objects.filter(organization__in=organizations_for_user(user=user)).select_related(
            "organization"
        ),
        pk=pk,
    )


def moments_with_touchpoints(*, cycle: ServiceCycle) -> QuerySet[Moment]:
    # Touchpoints belong to the layer above: reached through the reverse relation only.
    touchpoint_model = Moment._meta.get_field("touchpoints").related_model
    return (
        Moment.objects.filter(cycle=cycle)
        .select_related("owner")
        .prefetch_related(Prefetch("touchpoints", queryset=touchpoint_model._default_manager.order_by("id")))
        .order_by("position")
    )


def organization_members(*, organization: Organization) -> QuerySet:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(memberships__organization=organization).order_by("username")


def cycles_overview_for_user(
    *, user: User | AnonymousUser, archived: bool = False
) -> QuerySet[ServiceCycle]:
    """The cycle list: each cycle with its moment count, in one query however many
    cycles there are (a correlated subquery grouped in SQL)."""
    moments = (
        Moment.objects.filter(cycle=OuterRef("pk")).order_by().values("cycle").annotate(n=Count("pk")).values("n")
    )
    cycles = ServiceCycle.objects.filter(organization__in=organizations_for_user(user=user), archived=archived)
    return (
        cycles.select_related("organization")
        .annotate(moment_count=Coalesce(Subquery(moments, output_field=IntegerField()), Value(0)))
        .order_by("organization__name", "name")
    )


def api_tokens_for_organization(*, organization: Organization) -> QuerySet[ApiToken]:
    """Active tokens first, newest first; revoked ones stay listed for the record."""
    return (
        ApiToken.objects.filter(organization=organization)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id")
    )
