"""Pages for service cycles: the list (create, duplicate, archive) and the map editor.

Reads come from selectors scoped to the user's organizations, so another
organization's cycle is a 404; writes go through journeys.services. The map
editor's small JSON endpoints live in journeys.editor_views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import events, selectors, services
from .editor_state import lane_context
from .forms import (
    CycleCreateForm,
    CycleSettingsForm,
    MomentAddForm,
    MomentForm,
    add_service_errors,
)
from .permissions import EDIT, organizations_where, user_can

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from .models import ServiceCycle


MAP_VIEWS = ("cards", "compact")


class _CycleListFigures(TypedDict):
    """What the cycle list's template reads on each cycle besides its fields."""

    recent_ratings: int
    critical_count: int | None
    can_edit: bool


@login_required
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    # Typed with the figures the loop below sets on each cycle for the template.
    cycles = cast("list[WithAnnotations[ServiceCycle, _CycleListFigures]]",
                  list(selectors.cycles_overview_for_user(user=request.user, archived=show_archived)))
    # Ratings and critical moments come from the apps above (journeys/events.py): one query each.
    figures = events.cycle_list_figures.collect(cycle_ids=[cycle.pk for cycle in cycles])
    editable = list(organizations_where(user=request.user, capability=EDIT))
    editable_ids = {organization.pk for organization in editable}
    for cycle in cycles:
        cycle.recent_ratings = figures.get(cycle.pk, {}).get("recent_ratings", 0)
        cycle.critical_count = figures.get(cycle.pk, {}).get("critical_count")
        cycle.can_edit = cycle.organization_id in editable_ids
    return render(request, "journeys/cycle_list.html", {
        "cycles": cycles,
        "show_archived": show_archived,
        "create_form": CycleCreateForm(organizations=editable) if editable else None,
        "show_organization": len({cycle.organization_id for cycle in cycles}) > 1,
    })



def _editable_cycle(request: HttpRequest, pk: int):
    cycle = selectors.cycle_get_for_user(user=request.user, pk=pk)
    if not user_can(user=request.user, organization=cycle.organization, capability=EDIT):
        raise PermissionDenied
    return cycle


@login_required
@require_POST
def cycle_archive(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _editable_cycle(request, pk)
    archive = request.POST.get("archived", "1") == "1"
    services.cycle_update(cycle=cycle, archived=archive)
    if archive:
        messages.success(request, _("Cycle “%(name)s” archived.") % {"name": cycle.name})
        return redirect("journeys:cycle_list")
    messages.success(request, _("Cycle “%(name)s” restored.") % {"name": cycle.name})
    return redirect(reverse("journeys:cycle_list") + "?archived=1")


@login_required
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get_for_user(user=request.user, pk=pk)
    return _cycle_page(request, cycle)


@login_required
@require_POST
def cycle_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the cycle's name, description, time zone and thresholds (CX managers, admins)."""
    cycle = _editable_cycle(request, pk)
    form = CycleSettingsForm(request.POST, auto_id="settings_%s")
    if form.is_valid():
        try:
            cycle = services.cycle_update(cycle=cycle, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error, renames={"critical_share": "critical_share_percent"})
        else:
            messages.success(request, _("Settings of “%(name)s” saved.") % {"name": cycle.name})
            return redirect("journeys:cycle_detail", pk=cycle.pk)
    # Show the page again with the errors beside the fields; nothing was saved.
    cycle = selectors.cycle_get_for_user(user=request.user, pk=pk)
    return _cycle_page(request, cycle, settings_form=form, status=400)


def _cycle_page(request: HttpRequest, cycle, settings_form: CycleSettingsForm | None = None,
                status: int = 200) -> HttpResponse:
    can_edit = user_can(user=request.user, organization=cycle.organization, capability=EDIT)
    context = lane_context(request=request, cycle=cycle, can_edit=can_edit)
    members = selectors.organization_members(organization=cycle.organization)
    view = request.GET.get("view")
    context.update({
        "cycle": cycle,
        "can_edit": can_edit,
        # Cards (to edit) or the whole cycle at a glance; remembered by map_view.js when not in the URL.
        "map_view": view if view in MAP_VIEWS else MAP_VIEWS[0],
        "map_view_chosen": view in MAP_VIEWS,
        "cycle_job": events.cycle_job_current(cycle=cycle),
        "dashboard_url": reverse("analytics:dashboard", args=[cycle.pk]),
        "editor_config": {
            "base": reverse("journeys:editor_lane", args=[cycle.pk]).rsplit("lane/", 1)[0],
            "version": cycle.structure_version,
            "canEdit": can_edit,
        },
    })
    if can_edit:
        context.update({
            "add_form": MomentAddForm(auto_id="add_%s"),
            "moment_form": MomentForm(members=members, auto_id="moment_%s"),
            "settings_form": settings_form or CycleSettingsForm.for_cycle(cycle, auto_id="settings_%s"),
            "settings_open": settings_form is not None,
            "import_url": reverse("touchpoints:cycle_import_upload", args=[cycle.pk]),
        })
    return render(request, "journeys/cycle_detail.html", context, status=status)
