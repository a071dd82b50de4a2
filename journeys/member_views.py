"""The members page for admins: who belongs to the organization, with which role.

Admins only (the `manage` capability): other members get a 403 that says so;
another organization's page or member is a 404. Writes go through
`services.membership_set` / `membership_remove`, which keep at least one admin.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from touchpoints.views import organization_for, organization_home, other_organizations

from . import services
from .forms import MemberAddForm, MemberRoleForm
from .models import Membership, Organization
from .permissions import MANAGE


def _admins_only() -> str:
    return _("Only admins of the organization can manage its members.")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _members_page(request: HttpRequest, organization: Organization, form: MemberAddForm,
                  status: int = 200) -> HttpResponse:
    members = (Membership.objects.filter(organization=organization).select_related("user")
               .order_by("user__username", "pk"))
    return render(request, "journeys/members.html", {
        "organization": organization, "members": members, "form": form, "roles": Membership.Role.choices,
        "other_organizations": other_organizations(request, organization, MANAGE),
    }, status=status)


@login_required
@require_GET
def members_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the members of the (first) organization the user administers."""
    return organization_home(request, MANAGE, _admins_only(), "journeys:members")


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, org_pk: int) -> HttpResponse:
    """GET: the members and the add form. POST: add an existing user with a role."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    if request.method == "GET":
        return _members_page(request, organization, MemberAddForm())
    form = MemberAddForm(request.POST)
    if form.is_valid() and Membership.objects.filter(organization=organization,
                                                     user=form.cleaned_data["user"]).exists():
        form.add_error("username", _("Already a member of this organization: change their role in the list."))
    if not form.is_valid():
        return _members_page(request, organization, form, status=400)
    try:
        membership = services.membership_set(organization=organization, user=form.cleaned_data["user"],
                                             role=form.cleaned_data["role"])
    except ValidationError as error:
        form.add_error(None, _error_text(error))
        return _members_page(request, organization, form, status=400)
    messages.success(request, _("%(user)s added as %(role)s.") % {
        "user": membership.user.get_username(), "role": membership.get_role_display()})
    return redirect("journeys:members", org_pk=organization.pk)


@login_required
@require_POST
def member_role(request: HttpRequest, org_pk: int, member_pk: int) -> HttpResponse:
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=member_pk, organization=organization)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("journeys:members", org_pk=organization.pk)
    try:
        membership = services.membership_set(organization=organization, user=membership.user,
                                             role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(user)s is now %(role)s.") % {
            "user": membership.user.get_username(), "role": membership.get_role_display()})
    return redirect("journeys:members", org_pk=organization.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, org_pk: int, member_pk: int) -> HttpResponse:
    """GET: ask for confirmation. POST: remove the member (never the last admin)."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=member_pk, organization=organization)
    if request.method == "GET":
        return render(request, "journeys/member_remove.html", {"organization": organization, "membership": membership})
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(user)s no longer belongs to %(organization)s.") % {
            "user": membership.user.get_username(), "organization": organization.name})
    return redirect("journeys:members", org_pk=organization.pk)
