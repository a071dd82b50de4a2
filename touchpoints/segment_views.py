"""The personas page: an organization's customer segments, described as personas
(who they are, their goals, a quote in their words).

Every member reads it; CX managers and admins (the `edit` capability) create, rename
and describe. Another organization's page or segment is a 404; a member who may not
edit gets a 403 that says so. Bad input shows the page again with the errors beside
the fields (400) and writes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journeys.forms import add_service_errors
from journeys.models import Organization
from journeys.organization_pages import organization_for, organization_home, other_organizations
from journeys.permissions import EDIT, READ, request_can

from . import services
from .forms import SegmentForm
from .models import Segment


def _editors_only() -> str:
    return _("Only CX managers and admins can change the personas.")


def _page(request: HttpRequest, organization: Organization, *, form: SegmentForm | None = None,
          editing: Segment | None = None, edit_form: SegmentForm | None = None, status: int = 200) -> HttpResponse:
    can_edit = request_can(request, organization.pk, EDIT)
    segments = list(Segment.objects.filter(organization=organization).order_by("name", "id"))
    forms = {}
    if can_edit:
        forms = {segment.pk: (edit_form if editing is not None and segment.pk == editing.pk
                              else SegmentForm.for_segment(segment, auto_id=f"segment{segment.pk}_%s"))
                 for segment in segments}
    return render(request, "touchpoints/personas.html", {
        "organization": organization,
        "personas": [(segment, forms.get(segment.pk)) for segment in segments],
        "can_edit": can_edit,
        "form": (form or SegmentForm(auto_id="new_%s")) if can_edit else None,
        "editing": editing,
        "other_organizations": other_organizations(request, organization, READ),
    }, status=status)


@login_required
@require_GET
def segments_home(request: HttpRequest) -> HttpResponse:
    return organization_home(request, READ, _("You are not a member of any organization."), "touchpoints:segments")


@login_required
@require_http_methods(["GET", "POST"])
def segments(request: HttpRequest, org_pk: int) -> HttpResponse:
    organization = organization_for(request, org_pk, READ, "")
    if request.method == "GET":
        return _page(request, organization)
    if not request_can(request, organization.pk, EDIT):
        raise PermissionDenied(_editors_only())
    form = SegmentForm(request.POST, auto_id="new_%s")
    if form.is_valid():
        try:
            segment = services.segment_create(organization=organization, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Persona “%(name)s” created.") % {"name": segment.name})
            return redirect("touchpoints:segments", org_pk=organization.pk)
    return _page(request, organization, form=form, status=400)


@login_required
@require_POST
def segment_edit(request: HttpRequest, org_pk: int, segment_pk: int) -> HttpResponse:
    organization = organization_for(request, org_pk, READ, "")
    segment = get_object_or_404(Segment, pk=segment_pk, organization=organization)
    if not request_can(request, organization.pk, EDIT):
        raise PermissionDenied(_editors_only())
    form = SegmentForm(request.POST, auto_id=f"segment{segment.pk}_%s")
    if form.is_valid():
        try:
            segment = services.segment_update(segment=segment, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Persona “%(name)s” saved.") % {"name": segment.name})
            return redirect("touchpoints:segments", org_pk=organization.pk)
    return _page(request, organization, editing=segment, edit_form=form, status=400)
