"""The "Collect" page of a touchpoint (from its row on the cycle map): its survey links
with everything needed to put them in front of customers (address, QR codes, poster,
kiosk, web widget, e-mail buttons), and the forms to make, change and end them.

Every member may read it (the links are public addresses anyway); CX managers and
admins (the `edit` capability) make and change links. Another organization's
touchpoint or link is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from journeys.forms import add_service_errors
from journeys.permissions import EDIT, READ, request_can, request_organization_ids
from momento.http import AuthenticatedHttpRequest

from .forms import SurveyLinkForm
from .models import SurveyLink, Touchpoint
from .survey_links import (
    email_buttons_html,
    embed_html,
    survey_link_create,
    survey_link_update,
    survey_link_urls,
)
from .survey_texts import texts_by_language


def _cannot_edit() -> str:
    return _("Only CX managers and admins can make or change survey links.")


def _touchpoint_for(request: HttpRequest, pk: int) -> Touchpoint:
    return get_object_or_404(Touchpoint.objects.select_related("moment__cycle__organization"), pk=pk,
                             organization_id__in=request_organization_ids(request, READ))


def _link_for(request: HttpRequest, pk: int) -> SurveyLink:
    link = get_object_or_404(SurveyLink.objects.select_related("touchpoint__moment__cycle", "segment"), pk=pk,
                             organization_id__in=request_organization_ids(request, READ))
    if not request_can(request, link.organization_id, EDIT):
        raise PermissionDenied(_cannot_edit())
    return link


def _link_card(link: SurveyLink, language: str) -> dict:
    return {
        "link": link, "urls": survey_link_urls(link), "open": link.is_open(), "texts": texts_by_language(link),
        "embed_html": embed_html(link, language=language),
        "email_html": email_buttons_html(link, language=language),
    }


def _collect_page(request: HttpRequest, touchpoint: Touchpoint, form: SurveyLinkForm, status: int = 200):
    language = (translation.get_language() or "en")[:2]
    links = SurveyLink.objects.filter(touchpoint=touchpoint).select_related("segment", "touchpoint")
    return render(request, "touchpoints/collect.html", {
        "touchpoint": touchpoint, "cycle": touchpoint.moment.cycle, "form": form,
        "cards": [_link_card(link, language) for link in links],
        "can_edit": request_can(request, touchpoint.organization_id, EDIT),
    }, status=status)


def _service_fields(form: SurveyLinkForm) -> dict:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def collect(request: AuthenticatedHttpRequest, touchpoint_pk: int) -> HttpResponse:
    """GET: the touchpoint's survey links. POST: a new one."""
    touchpoint = _touchpoint_for(request, touchpoint_pk)
    cycle = touchpoint.moment.cycle
    with timezone.override(cycle.timezone):
        if request.method == "GET":
            return _collect_page(request, touchpoint, SurveyLinkForm(organization_id=touchpoint.organization_id))
        if not request_can(request, touchpoint.organization_id, EDIT):
            raise PermissionDenied(_cannot_edit())
        form = SurveyLinkForm(request.POST, organization_id=touchpoint.organization_id)
        if not form.is_valid():
            return _collect_page(request, touchpoint, form, status=400)
        try:
            link = survey_link_create(touchpoint=touchpoint, created_by=request.user, **_service_fields(form))
        except ValidationError as error:
            add_service_errors(form, error)
            return _collect_page(request, touchpoint, form, status=400)
    messages.success(request, _("Survey link made. Share its address, QR code, widget or e-mail buttons below."))
    return redirect(f"{request.path}#link-{link.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def survey_link_edit(request: HttpRequest, link_pk: int) -> HttpResponse:
    """GET: the link's settings. POST: save them (its address stays the same)."""
    link = _link_for(request, link_pk)
    cycle = link.touchpoint.moment.cycle
    with timezone.override(cycle.timezone):
        if request.method == "GET":
            initial = {name: getattr(link, name) for name in SurveyLinkForm.base_fields}
            form = SurveyLinkForm(initial=initial, organization_id=link.organization_id)
        else:
            form = SurveyLinkForm(request.POST, organization_id=link.organization_id)
            if form.is_valid():
                try:
                    survey_link_update(link=link, **_service_fields(form))
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Survey link saved."))
                    return redirect(f"{_collect_url(link)}#link-{link.pk}")
        return render(request, "touchpoints/survey_link_edit.html", {
            "link": link, "touchpoint": link.touchpoint, "cycle": cycle, "form": form,
        }, status=400 if form.is_bound else 200)


def _collect_url(link: SurveyLink) -> str:
    return reverse("touchpoints:collect", args=[link.touchpoint_id])


@login_required
@require_POST
def survey_link_active(request: HttpRequest, link_pk: int) -> HttpResponse:
    """End a link (its page, QR codes and buttons answer 404 from then on) or open it again."""
    link = _link_for(request, link_pk)
    active = request.POST.get("active") == "1"
    survey_link_update(link=link, active=active)
    messages.success(request, _("Survey link reopened.") if active else
                     _("Survey link ended: its page now says the survey is not available. Its ratings stay."))
    return redirect(f"{_collect_url(link)}#link-{link.pk}")
