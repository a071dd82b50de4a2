"""What every per-organization page (imports, API tokens, webhooks, members) does first:
find the organization the user may act on, send the navigation's entry point to the
right one, and list the others for the switcher (templates/_other_organizations.html)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from .models import Organization
from .permissions import READ, request_can, request_organization_ids


def organization_for(request: HttpRequest, pk: int, capability: str, denied: str) -> Organization:
    """The organization if the user belongs to it (else 404) and may do `capability` there (else 403)."""
    organization = get_object_or_404(Organization, pk=pk, pk__in=request_organization_ids(request, READ))
    if not request_can(request, organization.pk, capability):
        raise PermissionDenied(denied)
    return organization


def organization_home(request: HttpRequest, capability: str, denied: str, url_name: str) -> HttpResponse:
    """A navigation entry point: `url_name` (which takes `org_pk`) of the first organization,
    by name, where the user may do `capability`; 403 with `denied` where there is none."""
    organization = (Organization.objects.filter(pk__in=request_organization_ids(request, capability))
                    .order_by("name").first())
    if organization is None:
        raise PermissionDenied(denied)
    return redirect(url_name, org_pk=organization.pk)


def other_organizations(request: HttpRequest, organization: Organization, capability: str) -> list[Organization]:
    """The organization switcher of a per-organization page (templates/_other_organizations.html)."""
    return list(Organization.objects.filter(pk__in=request_organization_ids(request, capability))
                .exclude(pk=organization.pk).order_by("name"))
