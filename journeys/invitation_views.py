"""The page an invitation link opens: sign in, or create an account, and join.

Public: the link's token is the only credential. A visitor who is signed in
joins with that account; one who is not either signs in (the login page sends
them back here) or chooses a username and password, and the new account, with
the invited address as its e-mail, joins at once. A link that is unknown,
expired, revoked or used gets one answer (404), whichever it is.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import InvitationSignupForm, add_service_errors
from .invitations import (
    InvitationAccepted,
    InvitationInvalid,
    invitation_accept,
    invitation_accept_new_account,
    invitation_accepted_by,
    invitation_for_token,
)
from .models import Invitation

AUTH_BACKEND = "momento.security.RateLimitedModelBackend"


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/invitation_invalid.html", status=404)


def _page(request: HttpRequest, invitation: Invitation, token: str, form: InvitationSignupForm | None,
          status: int = 200) -> HttpResponse:
    login_url = f"{reverse('login')}?{urlencode({'next': request.path})}"
    return render(request, "journeys/invitation.html", {
        "invitation": invitation, "organization": invitation.organization, "role": invitation.get_role_display(),
        "invited_by": invitation.invited_by.get_username() if invitation.invited_by is not None else "",
        "form": form, "login_url": login_url, "token": token,
    }, status=status)


def _joined(request: HttpRequest, accepted: InvitationAccepted) -> HttpResponse:
    values = {"organization": accepted.organization.name, "role": accepted.membership.get_role_display()}
    if accepted.joined:
        messages.success(request, _("Welcome to %(organization)s: you joined as %(role)s.") % values)
    else:
        messages.info(request, _("You already belong to %(organization)s; your role stays %(role)s.") % values)
    return redirect("journeys:cycle_list")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token=token)
    if invitation is None:
        if request.user.is_authenticated:
            organization = invitation_accepted_by(token=token, user=request.user)
            if organization is not None:  # a second tab, a reload after joining
                messages.info(request, _("You already joined %(organization)s with this invitation.") % {
                    "organization": organization.name})
                return redirect("journeys:cycle_list")
        return _invalid(request)
    if request.method == "GET":
        return _page(request, invitation, token, None if request.user.is_authenticated else InvitationSignupForm())
    if request.user.is_authenticated:
        try:
            return _joined(request, invitation_accept(token=token, user=request.user))
        except InvitationInvalid:
            organization = invitation_accepted_by(token=token, user=request.user)
            if organization is not None:
                messages.info(request, _("You already joined %(organization)s with this invitation.") % {
                    "organization": organization.name})
                return redirect("journeys:cycle_list")
            return _invalid(request)
    form = InvitationSignupForm(request.POST)
    # The password must not resemble the address either (UserAttributeSimilarityValidator).
    form.instance.email = invitation.email
    if not form.is_valid():
        return _page(request, invitation, token, form, status=400)
    try:
        user, accepted = invitation_accept_new_account(token=token, username=form.cleaned_data["username"],
                                                       password=form.cleaned_data["password1"])
    except InvitationInvalid:
        return _invalid(request)
    except ValidationError as error:
        add_service_errors(form, error)
        return _page(request, invitation, token, form, status=400)
    login(request, user, backend=AUTH_BACKEND)
    return _joined(request, accepted)
