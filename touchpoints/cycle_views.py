"""The cycle list's actions that make a whole cycle with touchpoints: a new cycle
(empty or from a template) and a copy of a cycle. The list itself is journeys'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journeys import services as journeys_services
from journeys.cycle_templates import TEMPLATES
from journeys.forms import CycleCreateForm
from journeys.permissions import EDIT, organizations_where, user_can
from journeys.selectors import cycle_get_for_user

from .cycles import cycle_create_from_template
from .cycles import cycle_duplicate as cycle_duplicate_service


@login_required
@require_POST
def cycle_create(request: HttpRequest) -> HttpResponse:
    editable = list(organizations_where(user=request.user, capability=EDIT))
    if not editable:
        raise PermissionDenied
    form = CycleCreateForm(request.POST, organizations=editable)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["start"] in TEMPLATES:
                cycle = cycle_create_from_template(
                    organization=data["organization"], name=data["name"], template=data["start"]
                )
            else:
                cycle = journeys_services.cycle_create(organization=data["organization"], name=data["name"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Cycle “%(name)s” created.") % {"name": cycle.name})
            return redirect("journeys:cycle_detail", pk=cycle.pk)
    else:
        for field_errors in form.errors.values():
            # An ErrorList yields its messages as text (its stubs also allow ValidationError).
            for field_error in field_errors:
                messages.error(request, str(field_error))
    return redirect("journeys:cycle_list")


@login_required
@require_POST
def cycle_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, pk=pk)
    if not user_can(user=request.user, organization=cycle.organization, capability=EDIT):
        raise PermissionDenied
    copy = cycle_duplicate_service(cycle=cycle)
    messages.success(request, _("Cycle duplicated as “%(name)s”.") % {"name": copy.name})
    return redirect("journeys:cycle_detail", pk=copy.pk)
