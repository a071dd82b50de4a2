"""The organization's settings page for admins: comment analysis on or off, and
the language of the comments (issue 15, item 6); who is e-mailed of alerts and
the quiet hours (issue 16).

Admins only (the `manage` capability): other members get a 403 that says so,
another organization's page is a 404. The page has one form per section, each
saved on its own (the hidden `section` field says which): comments go through
`services.organization_comment_settings_update`, which tells the analytics to
forget, or count again, the organization's words; alerts through
`profiles.organization_alert_settings_update`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import profiles, services
from .forms import OrganizationAlertsForm, OrganizationCommentsForm, add_service_errors
from .models import Organization
from .organization_pages import organization_for, organization_home, other_organizations
from .permissions import MANAGE

ALERTS_SECTION = "alerts"


def _admins_only() -> str:
    return _("Only admins of the organization can change its settings.")


def _page(request: HttpRequest, organization: Organization, *, comments: OrganizationCommentsForm | None = None,
          alerts: OrganizationAlertsForm | None = None, status: int = 200) -> HttpResponse:
    return render(request, "journeys/organization_settings.html", {
        "organization": organization,
        "form": comments or OrganizationCommentsForm.for_organization(organization),
        "alerts_form": alerts or OrganizationAlertsForm.for_organization(organization, prefix=ALERTS_SECTION),
        "other_organizations": other_organizations(request, organization, MANAGE),
    }, status=status)


@login_required
@require_GET
def organization_settings_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the settings of the (first) organization the user administers."""
    return organization_home(request, MANAGE, _admins_only(), "journeys:organization_settings")


@login_required
@require_http_methods(["GET", "POST"])
def organization_settings(request: HttpRequest, org_pk: int) -> HttpResponse:
    """GET: the settings. POST: save one section, then say so."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    if request.method == "GET":
        return _page(request, organization)
    if request.POST.get("section") == ALERTS_SECTION:
        return _save_alerts(request, organization)
    form = OrganizationCommentsForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, comments=form, status=400)
    try:
        organization = services.organization_comment_settings_update(organization=organization,
                                                                      **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _page(request, organization, comments=form, status=400)
    if organization.comment_analysis:
        messages.success(request, _("Settings saved: customers' comments are analysed (language: %(language)s).")
                         % {"language": organization.get_comment_language_display()})
    else:
        messages.success(request, _("Settings saved: comment analysis is off."))
    return redirect("journeys:organization_settings", org_pk=organization.pk)


def _save_alerts(request: HttpRequest, organization: Organization) -> HttpResponse:
    form = OrganizationAlertsForm(request.POST, prefix=ALERTS_SECTION)
    if not form.is_valid():
        return _page(request, organization, alerts=form, status=400)
    try:
        organization = profiles.organization_alert_settings_update(organization=organization, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _page(request, organization, alerts=form, status=400)
    messages.success(request, _("Settings saved: alerts are e-mailed to: %(who)s.")
                     % {"who": organization.get_alert_recipients_display()})
    return redirect("journeys:organization_settings", org_pk=organization.pk)
