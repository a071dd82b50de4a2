"""The organization's settings page for admins: comment analysis on or off, and
the language of the comments (issue 15, item 6).

Admins only (the `manage` capability): other members get a 403 that says so,
another organization's page is a 404. Saving goes through
`services.organization_comment_settings_update`, which tells the analytics to
forget, or count again, the organization's words.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import services
from .forms import OrganizationCommentsForm, add_service_errors
from .models import Organization
from .organization_pages import organization_for, organization_home, other_organizations
from .permissions import MANAGE


def _admins_only() -> str:
    return _("Only admins of the organization can change its settings.")


def _page(request: HttpRequest, organization: Organization, form: OrganizationCommentsForm,
          status: int = 200) -> HttpResponse:
    return render(request, "journeys/organization_settings.html", {
        "organization": organization, "form": form,
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
    """GET: the settings. POST: save them, then say so."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    if request.method == "GET":
        return _page(request, organization, OrganizationCommentsForm.for_organization(organization))
    form = OrganizationCommentsForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, form, status=400)
    try:
        organization = services.organization_comment_settings_update(organization=organization,
                                                                      **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _page(request, organization, form, status=400)
    if organization.comment_analysis:
        messages.success(request, _("Settings saved: customers' comments are analysed (language: %(language)s).")
                         % {"language": organization.get_comment_language_display()})
    else:
        messages.success(request, _("Settings saved: comment analysis is off."))
    return redirect("journeys:organization_settings", org_pk=organization.pk)
