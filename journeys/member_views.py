"""The members page for admins: who belongs to the organization, with which role,
and the invitations still pending.

Admins only (the `manage` capability): other members get a 403 that says so;
another organization's page, member or invitation is a 404. People join by
invitation (journeys.invitations): the page never looks anyone up by username
or e-mail, so it cannot tell an admin who has an account outside the
organization. Role changes and removals go through `services.membership_role_set` /
`membership_remove`, which keep at least one admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from momento.http import AuthenticatedHttpRequest

from . import services
from .forms import InvitationForm, MemberRoleForm, add_service_errors
from .invitations import invitation_create, invitation_is_expired, invitation_resend, invitation_revoke
from .models import Invitation, Membership, Organization
from .organization_pages import organization_for, organization_home, other_organizations
from .permissions import MANAGE

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _PendingShown(TypedDict):
    """What the members page's template reads on each pending invitation besides its fields."""

    expired: bool


def _admins_only() -> str:
    return _("Only admins of the organization can manage its members.")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _members_page(request: HttpRequest, organization: Organization, form: InvitationForm,
                  status: int = 200) -> HttpResponse:
    members = (Membership.objects.filter(organization=organization).select_related("user")
               .order_by("user__username", "pk"))
    # Typed with the flag the loop below sets on each invitation for the template.
    pending = cast("list[WithAnnotations[Invitation, _PendingShown]]", list(
        Invitation.objects.filter(organization=organization, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by").order_by("email")))
    for invitation in pending:
        invitation.expired = invitation_is_expired(invitation)
    return render(request, "journeys/members.html", {
        "organization": organization, "members": members, "form": form, "roles": Membership.Role.choices,
        "invitations": pending, "other_organizations": other_organizations(request, organization, MANAGE),
    }, status=status)


def _sent_message(request: HttpRequest, result) -> None:
    invitation = result.invitation
    if result.emailed:
        messages.success(request, _("Invitation sent to %(email)s (%(role)s).") % {
            "email": invitation.email, "role": invitation.get_role_display()})
    else:
        messages.warning(request, _("The invitation to %(email)s is saved, but the e-mail could not be sent: "
                                    "try “Resend” later.") % {"email": invitation.email})


@login_required
@require_GET
def members_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the members of the (first) organization the user administers."""
    return organization_home(request, MANAGE, _admins_only(), "journeys:members")


@login_required
@require_http_methods(["GET", "POST"])
def members(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """GET: the members, pending invitations and the invite form. POST: invite an e-mail address."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    if request.method == "GET":
        return _members_page(request, organization, InvitationForm())
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _members_page(request, organization, form, status=400)
    try:
        result = invitation_create(organization=organization, email=form.cleaned_data["email"],
                                   role=form.cleaned_data["role"], invited_by=request.user,
                                   language=request.LANGUAGE_CODE)
    except ValidationError as error:
        add_service_errors(form, error)
        return _members_page(request, organization, form, status=400)
    _sent_message(request, result)
    return redirect("journeys:members", org_pk=organization.pk)


def _pending_invitation(request: HttpRequest, org_pk: int, invitation_pk: int) -> tuple[Organization, Invitation]:
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organization=organization,
                                   accepted_at__isnull=True, revoked_at__isnull=True)
    return organization, invitation


@login_required
@require_POST
def invitation_resend_view(request: AuthenticatedHttpRequest, org_pk: int, invitation_pk: int) -> HttpResponse:
    """A new link for a pending invitation; the old link stops working."""
    organization, invitation = _pending_invitation(request, org_pk, invitation_pk)
    try:
        result = invitation_resend(invitation=invitation, invited_by=request.user, language=request.LANGUAGE_CODE)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        _sent_message(request, result)
    return redirect("journeys:members", org_pk=organization.pk)


@login_required
@require_POST
def invitation_revoke_view(request: HttpRequest, org_pk: int, invitation_pk: int) -> HttpResponse:
    organization, invitation = _pending_invitation(request, org_pk, invitation_pk)
    invitation_revoke(invitation=invitation)
    messages.success(request, _("The invitation to %(email)s is revoked: its link no longer works.") % {
        "email": invitation.email})
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
        membership = services.membership_role_set(membership=membership, role=form.cleaned_data["role"])
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
