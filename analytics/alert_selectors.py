"""Reads of alerts for the pages and the API: an organization's open and recent
alerts, the moments alerting on a dashboard, the alerts of a review item's week,
and the words dissatisfied customers used in an alert's window (analytics.insights)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from journeys.models import Organization, ServiceCycle
from touchpoints.models import Touchpoint

from . import insights
from .models import Alert
from .periods import Period

RECENT_DAYS = 30
RECENT_LIMIT = 50
# Open alerts whose words are looked up on the page (a few queries each).
TERMS_FOR_AT_MOST = 20
TERMS_SHOWN = 5


def alerts_of(*, organization: Organization | int, cycle_id: int | None = None,
              moment_id: int | None = None) -> QuerySet[Alert]:
    organization_id = organization if isinstance(organization, int) else organization.pk
    alerts = Alert.objects.filter(organization_id=organization_id)
    if cycle_id is not None:
        alerts = alerts.filter(cycle_id=cycle_id)
    if moment_id is not None:
        alerts = alerts.filter(moment_id=moment_id)
    return alerts.select_related("cycle__organization", "moment", "touchpoint")


def alerts_open_and_recent(*, organization: Organization, cycle_id: int | None = None,
                           moment_id: int | None = None, now: dt.datetime | None = None
                           ) -> tuple[list[Alert], list[Alert]]:
    """(every open alert, newest first; those closed in the last 30 days, up to 50): two queries."""
    now = now or timezone.now()
    alerts = alerts_of(organization=organization, cycle_id=cycle_id, moment_id=moment_id)
    open_alerts = list(alerts.filter(closed_at__isnull=True).order_by("-opened_at", "-id"))
    recent = list(alerts.filter(closed_at__gte=now - dt.timedelta(days=RECENT_DAYS))
                  .order_by("-closed_at", "-id")[:RECENT_LIMIT])
    return open_alerts, recent


def alerting_moment_ids(*, cycle: ServiceCycle) -> set[int]:
    """Moments of the cycle with an open alert, of their own or of one of their touchpoints (one query)."""
    return set(Alert.objects.filter(cycle=cycle, closed_at__isnull=True, moment__isnull=False)
               .values_list("moment_id", flat=True))


def alerts_by_moment_in(*, cycle_ids: Iterable[int], moment_ids: Iterable[int], start: dt.date, end: dt.date
                        ) -> dict[int, list[Alert]]:
    """Moment id → its alerts (its own and its touchpoints') whose days overlap [start, end]
    (local days of the cycle: from the window that opened it to the last one seen while open). One query."""
    rows = (Alert.objects.filter(cycle_id__in=list(cycle_ids), moment_id__in=list(moment_ids),
                                 window_start__lte=end)
            .filter(Q(closed_at__isnull=True) | Q(latest_window_end__gte=start))
            .order_by("opened_at", "id"))
    found: dict[int, list[Alert]] = defaultdict(list)
    for alert in rows:
        assert alert.moment_id is not None  # filtered on moment ids
        found[alert.moment_id].append(alert)
    return found


def alert_terms(*, alerts: list[Alert]) -> dict[int, list[insights.Term]]:
    """Alert id → the words its dissatisfied customers used most distinctively over its latest
    window (none when the organization switched comment analysis off). One term table per cycle
    and window, then one query per alert for the terms' written forms; open alerts only, at most 20."""
    groups: dict[tuple[int, dt.date], list[Alert]] = defaultdict(list)
    for alert in [alert for alert in alerts if alert.is_open and alert.moment_id is not None][:TERMS_FOR_AT_MOST]:
        groups[(alert.cycle_id, alert.latest_window_end)].append(alert)
    found: dict[int, list[insights.Term]] = {}
    for (_cycle_id, end), group in groups.items():
        cycle = group[0].cycle
        if not cycle.organization.comment_analysis:
            continue
        period = Period(start=end - dt.timedelta(days=6), end=end)
        moments: dict[int, list[int]] = defaultdict(list)
        for touchpoint_id, moment_id in Touchpoint.objects.filter(moment__cycle=cycle).values_list("pk", "moment_id"):
            moments[moment_id].append(touchpoint_id)
        everything = [touchpoint_id for ids in moments.values() for touchpoint_id in ids]
        table = insights.term_table(touchpoint_ids=everything, period=period)
        for alert in group:
            focus = [alert.touchpoint_id] if alert.touchpoint_id else moments.get(alert.moment_id or 0, [])
            if not focus:
                continue
            said = insights.scope_insights(cycle=cycle, table=table, focus_ids=focus, cycle_touchpoint_ids=everything,
                                           period=period, with_examples=False)
            found[alert.pk] = said["terms"][:TERMS_SHOWN]
    return found
