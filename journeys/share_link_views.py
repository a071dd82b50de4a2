"""The page where CX managers and admins share a cycle read-only: make a link (its URL
is shown once), see the links made, revoke one at once (journeys.share_links).

Other members get a 403 that says who may; another organization's cycle is a 404.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from momento.http import AuthenticatedHttpRequest

from . import selectors
from .forms import ShareLinkForm, add_service_errors
from .models import ServiceCycle, ShareLink
from .permissions import EDIT, user_can
from .share_links import share_link_create, share_link_is_live, share_link_revoke, share_links_for_cycle


def _cycle(request: HttpRequest, pk: int) -> ServiceCycle:
    cycle = selectors.cycle_get_for_user(user=request.user, pk=pk)
    if not user_can(user=request.user, organization=cycle.organization, capability=EDIT):
        raise PermissionDenied(_("Only CX managers and admins can share a cycle."))
    return cycle


def _expiry(day: dt.date | None, cycle: ServiceCycle) -> dt.datetime | None:
    """The link works through `day` (the cycle's time zone): it expires as the next day begins."""
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zoneinfo.ZoneInfo(cycle.timezone))


def _page(request: HttpRequest, cycle: ServiceCycle, form: ShareLinkForm, *, created_url: str | None = None,
          status: int = 200) -> HttpResponse:
    now = timezone.now()
    links = [(link, share_link_is_live(link, now=now)) for link in share_links_for_cycle(cycle=cycle)]
    response = render(request, "journeys/share_links.html", {
        "cycle": cycle, "form": form, "links": links, "created_url": created_url,
    }, status=status)
    if created_url:
        add_never_cache_headers(response)  # the URL is shown this once
    return response


@login_required
@require_http_methods(["GET", "POST"])
def share_links(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the links and the form. POST: make a link; the answer shows its URL once."""
    cycle = _cycle(request, pk)
    if request.method == "GET":
        return _page(request, cycle, ShareLinkForm())
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        return _page(request, cycle, form, status=400)
    data = form.cleaned_data
    try:
        _link, token = share_link_create(
            cycle=cycle, created_by=request.user, name=data["name"], expires_at=_expiry(data["expires_on"], cycle),
            period_start=data["period_start"], period_end=data["period_end"],
            include_comments=data["include_comments"])
    except ValidationError as error:
        add_service_errors(form, error, renames={"expires_at": "expires_on", "period": "period_start"})
        return _page(request, cycle, form, status=400)
    url = request.build_absolute_uri(reverse("analytics:shared_map", args=[token]))
    return _page(request, cycle, ShareLinkForm(), created_url=url)


@login_required
@require_POST
def share_link_revoke_view(request: HttpRequest, pk: int, share_link_pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    link = get_object_or_404(ShareLink, pk=share_link_pk, cycle=cycle)
    if link.revoked_at is None:
        share_link_revoke(link=link)
        messages.success(request, _("Link revoked: it opens nothing from now on."))
    else:
        messages.info(request, _("This link was already revoked."))
    return redirect("journeys:share_links", pk=cycle.pk)
