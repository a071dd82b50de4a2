"""The alerts page of an organization: what turned critical between Mondays (issue 16).

Any member reads it (`read`); another organization's page is a 404. Filters:
`?cycle=<id>` and `?moment=<id>` (a review item's link); an unknown value is
named in a message and left out, never a 500.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from journeys.models import Moment, ServiceCycle
from journeys.organization_pages import organization_for, organization_home, other_organizations
from journeys.permissions import READ

from . import alert_selectors
from .alert_rules import WINDOW_DAYS
from .formatting import numbers


def _members_only() -> str:
    return _("Only members of the organization can see its alerts.")


def _id_param(request: HttpRequest, name: str, allowed: dict[int, str], errors: list[str]) -> int | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if value.isdigit() and int(value) in allowed:
        return int(value)
    errors.append(_("Unknown %(what)s “%(value)s”: showing all instead.") % {
        "what": _("cycle") if name == "cycle" else _("moment"), "value": value[:40]})
    return None


@login_required
@require_GET
def alerts_home(request: HttpRequest) -> HttpResponse:
    """The navigation's entry point: the alerts of the (first) organization of the user."""
    return organization_home(request, READ, _members_only(), "analytics:alerts")


@login_required
@require_GET
def alerts(request: HttpRequest, org_pk: int) -> HttpResponse:
    organization = organization_for(request, org_pk, READ, _members_only())
    cycles = dict(ServiceCycle.objects.filter(organization=organization).order_by("name")
                  .values_list("pk", "name"))
    errors: list[str] = []
    cycle_id = _id_param(request, "cycle", cycles, errors)
    moment_id = None
    moment_name = ""
    if request.GET.get("moment"):
        moments = dict(Moment.objects.filter(cycle__organization=organization).values_list("pk", "name"))
        moment_id = _id_param(request, "moment", moments, errors)
        moment_name = moments.get(moment_id or 0, "")
    open_alerts, recent = alert_selectors.alerts_open_and_recent(organization=organization, cycle_id=cycle_id,
                                                                 moment_id=moment_id)
    terms = alert_selectors.alert_terms(alerts=open_alerts)
    fmt = numbers()
    for alert in [*open_alerts, *recent]:
        low, high = alert.latest_interval
        alert.shown = {  # type: ignore[attr-defined]  # read by the template
            "share": fmt.percent(alert.latest_share) if alert.latest_n else None,
            "interval": fmt.percent_range(low, high), "n": fmt.count(alert.latest_n),
            "d": fmt.count(alert.latest_dissatisfied),
            "opened_share": fmt.percent(alert.share), "opened_interval": fmt.percent_range(*alert.interval),
            "opened_n": fmt.count(alert.n), "threshold": fmt.percent(alert.critical_share),
            "terms": terms.get(alert.pk, []),
            "latest_start": alert.latest_window_end - dt.timedelta(days=WINDOW_DAYS - 1),
        }
    return render(request, "analytics/alerts.html", {
        "organization": organization, "open_alerts": open_alerts, "recent": recent, "errors": errors,
        "cycles": cycles, "cycle_id": cycle_id, "moment_id": moment_id, "moment_name": moment_name,
        "recent_days": alert_selectors.RECENT_DAYS,
        "other_organizations": other_organizations(request, organization, READ),
    })
