"""The API tokens page for admins: create (the secret shown once), list, revoke.

Admins only (the `manage` capability of journeys.permissions): other members
get a 403 that says so; another organization's page or token is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from journeys import selectors as journeys_selectors
from journeys.forms import add_service_errors
from journeys.models import ApiToken, Organization
from journeys.organization_pages import organization_for, organization_home, other_organizations
from journeys.permissions import MANAGE
from journeys.tokens import TOKEN_PREFIX, api_token_create, api_token_revoke
from momento.http import AuthenticatedHttpRequest

from . import selectors
from .forms import ApiTokenCreateForm
from .scales import get_scale


def _admins_only() -> str:
    return _("Only admins of the organization can manage API tokens.")


def _tokens_page(request: HttpRequest, organization: Organization, form: ApiTokenCreateForm,
                 status: int = 200) -> HttpResponse:
    return render(request, "touchpoints/tokens.html", {
        "organization": organization,
        "tokens": journeys_selectors.api_tokens_for_organization(organization=organization),
        "form": form,
        "token_prefix": TOKEN_PREFIX,
        "other_organizations": other_organizations(request, organization, MANAGE),
    }, status=status)


def _examples(*, organization: Organization, token: ApiToken) -> dict:
    """What the new token's page shows it can do: an ingest token POSTs one rating of a real
    touchpoint (a GET would be refused), a read token GETs the cycles; both, both.

    The rating has the top score of its scale (running the example leaves no false alarm)
    and an external_id of its own, so running it again is a replay, not a second rating.
    """
    touchpoint = selectors.example_touchpoint(organization=organization)
    example: dict[str, object] = {"can_ingest": ApiToken.Scope.INGEST in token.scopes,
                                  "can_read": ApiToken.Scope.READ in token.scopes}
    if touchpoint is not None:
        example.update(example_touchpoint=touchpoint, example_score=get_scale(touchpoint.scale).high)
    example["example_external_id"] = f"example-{token.prefix}"
    return example


@login_required
@require_GET
def tokens_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the tokens of the (first) organization the user administers."""
    return organization_home(request, MANAGE, _admins_only(), "touchpoints:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """GET: the list and the create form. POST: create; the answer shows the secret once."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    if request.method == "GET":
        return _tokens_page(request, organization, ApiTokenCreateForm())
    form = ApiTokenCreateForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, organization, form, status=400)
    try:
        token, plaintext = api_token_create(
            organization=organization, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
            created_by=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _tokens_page(request, organization, form, status=400)
    # Rendered, not redirected: the secret must never be stored to be shown again.
    response = render(request, "touchpoints/token_created.html", {
        "organization": organization, "token": token, "plaintext": plaintext,
        **_examples(organization=organization, token=token),
    })
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, org_pk: int, token_pk: int) -> HttpResponse:
    """GET: ask for confirmation. POST: revoke at once (clients get 401 from then on)."""
    organization = organization_for(request, org_pk, MANAGE, _admins_only())
    token = get_object_or_404(ApiToken.objects.select_related("created_by"), pk=token_pk, organization=organization)
    if request.method == "GET":
        return render(request, "touchpoints/token_revoke.html", {"organization": organization, "token": token})
    if token.revoked_at is None:
        api_token_revoke(token=token)
        messages.success(request, _("Token “%(name)s” revoked. Clients using it are refused from now on.")
                         % {"name": token.name})
    else:
        messages.info(request, _("Token “%(name)s” was already revoked.") % {"name": token.name})
    return redirect("touchpoints:tokens", org_pk=organization.pk)
