"""The webhooks page for admins: register endpoints, see every delivery attempt,
edit, pause, rotate the signing secret, delete.

Admins only (the `manage` capability): other members get a 403 that says so;
another organization's page or webhook is a 404. The signing secret is shown
when a webhook is created and when it is rotated, never on the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from journeys.forms import add_service_errors
from journeys.models import Organization
from journeys.organization_pages import organization_for, organization_home, other_organizations
from journeys.permissions import MANAGE

from . import webhooks
from .forms import WebhookForm
from .models import Webhook, WebhookDelivery, WebhookEvent

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _WebhookShown(TypedDict):
    """What the webhooks page's template reads on each webhook besides its fields and counts."""

    event_labels: list[str]


class _DeliveryShown(TypedDict):
    """What the webhook page's template reads on each delivery besides its fields."""

    event_label: str


RECENT_DELIVERIES = 25


def _event_label(event: str) -> str:
    return str(dict(WebhookEvent.choices).get(event, event))


def _admins_only() -> str:
    return _("Only admins of the organization can manage webhooks.")


def _webhooks_page(request: HttpRequest, organization: Organization, form: WebhookForm,
                   status: int = 200) -> HttpResponse:
    hooks = list(Webhook.objects.filter(organization=organization).order_by("id").annotate(
        attempts=Count("deliveries"), failures=Count("deliveries", filter=Q(deliveries__succeeded=False)),
        last_attempt=Max("deliveries__started_at"),
    ))
    # Typed with what the loop sets on each webhook for the template.
    for webhook in cast("list[WithAnnotations[Webhook, _WebhookShown]]", hooks):
        webhook.event_labels = [_event_label(event) for event in webhook.events]
    return render(request, "reviews/webhooks.html", {
        "organization": organization, "webhooks": hooks, "form": form,
        "other_organizations": other_organizations(request, organization, MANAGE),
    }, status=status)


def _secret_page(request: HttpRequest, organization: Organization, webhook: Webhook, *, rotated: bool) -> HttpResponse:
    # Rendered, not redirected, and never cached: the secret is not shown again.
    response = render(request, "reviews/webhook_secret.html", {
        "organization": organization, "webhook": webhook, "rotated": rotated,
    })
    add_never_cache_headers(response)
    return response


def _webhook_for(request: HttpRequest, org_pk: int, webhook_pk: int) -> tuple[Organization, Webhook]:
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    return organization, get_object_or_404(Webhook, pk=webhook_pk, organization=organization)


@login_required
@require_GET
def webhooks_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the webhooks of the (first) organization the user administers."""
    return organization_home(request, MANAGE, _admins_only(), "reviews:webhooks")


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    """GET: the endpoints and the form to add one. POST: add one; the answer shows its secret."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    if request.method == "GET":
        return _webhooks_page(request, organization, WebhookForm(initial={"events": WebhookEvent.values}))
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _webhooks_page(request, organization, form, status=400)
    try:
        webhook = webhooks.webhook_create(organization=organization, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _webhooks_page(request, organization, form, status=400)
    return _secret_page(request, organization, webhook, rotated=False)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, org_pk: int, webhook_pk: int) -> HttpResponse:
    """GET: the settings and the latest delivery attempts. POST: save the settings."""
    organization, webhook = _webhook_for(request, org_pk, webhook_pk)
    status = 200
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                webhooks.webhook_update(webhook=webhook, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect("reviews:webhook", org_pk=organization.pk, webhook_pk=webhook.pk)
        status = 400
    else:
        form = WebhookForm(initial={"url": webhook.url, "description": webhook.description,
                                    "events": webhook.events, "active": webhook.active, "kind": webhook.kind,
                                    "language": webhook.language})
    deliveries = list(WebhookDelivery.objects.filter(webhook=webhook).defer("payload")
                      .order_by("-started_at", "-id")[:RECENT_DELIVERIES])
    # Typed with what the loop sets on each delivery for the template.
    for delivery in cast("list[WithAnnotations[WebhookDelivery, _DeliveryShown]]", deliveries):
        delivery.event_label = _event_label(delivery.event)
    return render(request, "reviews/webhook_detail.html", {
        "organization": organization, "webhook": webhook, "form": form, "deliveries": deliveries,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_rotate(request: HttpRequest, org_pk: int, webhook_pk: int) -> HttpResponse:
    """GET: ask for confirmation. POST: replace the secret and show the new one once."""
    organization, webhook = _webhook_for(request, org_pk, webhook_pk)
    if request.method == "GET":
        return render(request, "reviews/webhook_confirm.html", {
            "organization": organization, "webhook": webhook, "action": "rotate"})
    webhook = webhooks.webhook_secret_rotate(webhook=webhook)
    return _secret_page(request, organization, webhook, rotated=True)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, org_pk: int, webhook_pk: int) -> HttpResponse:
    """GET: ask for confirmation. POST: delete the webhook and its delivery record."""
    organization, webhook = _webhook_for(request, org_pk, webhook_pk)
    if request.method == "GET":
        return render(request, "reviews/webhook_confirm.html", {
            "organization": organization, "webhook": webhook, "action": "delete"})
    webhooks.webhook_delete(webhook=webhook)
    messages.success(request, _("Webhook %(url)s deleted; no more events go there.") % {"url": webhook.url})
    return redirect("reviews:webhooks", org_pk=organization.pk)
