"""The erasure page: a CX manager (or admin) erases a customer's data on request.

GET shows the form and the organization's latest erasures (when, by whom, how
many ratings; never a reference). POST erases (`analytics.erasure.customer_erase`)
and comes back to the page saying how many ratings went, the same words for a
reference Momento never saw. Other members get a 403 that says so; another
organization's page is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from journeys.organization_pages import organization_for, organization_home, other_organizations
from journeys.permissions import ERASE
from touchpoints.models import CUSTOMER_REFERENCE_MAX_LENGTH

from .erasure import customer_erase, erasures_recent


class ErasureForm(forms.Form):
    customer = forms.CharField(
        label=gettext_lazy("The customer's reference"), max_length=CUSTOMER_REFERENCE_MAX_LENGTH, strip=False,
        help_text=gettext_lazy("As your systems sent it with their ratings (booking code, account id, e-mail "
                               "hash). Momento only keeps a keyed hash of it, so it cannot list customers: you "
                               "give the reference, it finds the ratings."),
        error_messages={"required": gettext_lazy("Give the customer's reference.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that every rating of this customer is deleted for good."),
        error_messages={"required": gettext_lazy("Confirm that the ratings are to be deleted.")},
    )


def _refused() -> str:
    return _("Only CX managers and admins of the organization can erase customers' data.")


def _page(request: HttpRequest, organization, form: ErasureForm, status: int = 200) -> HttpResponse:
    return render(request, "analytics/erasure.html", {
        "organization": organization, "form": form, "erasures": erasures_recent(organization=organization),
        "other_organizations": other_organizations(request, organization, ERASE),
    }, status=status)


@login_required
@require_GET
def erasure_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the erasure page of the (first) organization the user may erase in."""
    return organization_home(request, ERASE, _refused(), "analytics:erasure")


@login_required
@require_http_methods(["GET", "POST"])
def erasure(request: HttpRequest, org_pk: int) -> HttpResponse:
    organization = organization_for(request, org_pk, ERASE, _refused())
    if request.method == "GET":
        return _page(request, organization, ErasureForm())
    form = ErasureForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, form, status=400)
    try:
        person = request.user if isinstance(request.user, User) else None
        record = customer_erase(organization=organization, reference=form.cleaned_data["customer"], by=person)
    except ValidationError as error:
        for message in error.message_dict.get("customer", error.messages):
            form.add_error("customer", message)
        return _page(request, organization, form, status=400)
    messages.success(request, _("Erasure done: %(count)s ratings removed. Rollups, heatmaps and key drivers no "
                                "longer count them.") % {"count": record.ratings})
    return redirect("analytics:erasure", org_pk=organization.pk)
