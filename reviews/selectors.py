"""Reads for the weekly review: week arithmetic, weekly counts, the items of a page.

Weekly counts come from the analytics daily rollups (analytics.selectors) (touchpoint × local day ×
segment, already in the cycle's time zone), summed with one GROUP BY per call;
raw ratings are never read here. `analytics.services.rollups_refresh` brings the
rollups up to date before a week is opened (see `reviews.services`).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.selectors import touchpoint_week_counts
from journeys.models import Membership, Organization, ServiceCycle
from journeys.permissions import REVIEW, roles_with
from journeys.selectors import organizations_for_user

from .models import (
    FINAL_STATUSES,
    ActionItem,
    ReviewEvent,
    ReviewItem,
    ReviewItemTouchpoint,
    ReviewRun,
    Webhook,
)

# Who may work on review items: team leads and everyone above them.
SPARKLINE_WEEKS = 8
# Local time (Monday) from which the week that just ended is opened.
OPEN_HOUR = 6
# The hourly beat task that opens due weeks (reviews.tasks; scheduled by migration 0002).
OPEN_DUE_WEEKS_TASK = "reviews.open_due_weeks"

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- Weeks -------------------------------------------------------------------------


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def iso_week_label(week_start: dt.date) -> str:
    """'2026-W47' for the Monday of that ISO week.

    >>> iso_week_label(dt.date(2026, 11, 16))
    '2026-W47'
    """
    year, week, _weekday = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def iso_week_parse(value: str) -> dt.date:
    """The Monday of an ISO week written YYYY-Www; ValidationError otherwise.

    >>> iso_week_parse("2026-W01")
    datetime.date(2025, 12, 29)
    """
    match = _ISO_WEEK.match((value or "").strip())
    if not match:
        raise ValidationError({"week": _("Give the week as YYYY-Www, for example 2026-W07.")}, code="invalid")
    try:
        return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ValidationError({"week": _("That ISO week does not exist.")}, code="invalid") from None


def cycle_local_now(*, cycle: ServiceCycle, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(cycle.timezone))


def last_complete_week(*, cycle: ServiceCycle, now: dt.datetime | None = None) -> dt.date:
    """Monday of the most recent ISO week that has fully ended in the cycle's time zone."""
    return week_monday(cycle_local_now(cycle=cycle, now=now).date()) - dt.timedelta(weeks=1)


def week_has_ended(*, cycle: ServiceCycle, week_start: dt.date, now: dt.datetime | None = None) -> bool:
    return week_start <= last_complete_week(cycle=cycle, now=now)


def cycles_due_for_review(*, now: dt.datetime | None = None) -> list[tuple[ServiceCycle, dt.date]]:
    """Cycles whose local clock has passed Monday 06:00 and whose last week is not opened yet.

    The hourly beat tick normally finds a cycle in its Monday 06:00–06:59 local
    hour; if that tick was missed (worker down, deploy), a later tick of the same
    week still opens it, because the `ReviewRun` row, not the clock, says
    whether it was done. Two queries whatever the number of cycles.
    """
    now = now or timezone.now()
    candidates: list[tuple[ServiceCycle, dt.date]] = []
    for cycle in ServiceCycle.objects.filter(archived=False).select_related("organization").order_by("pk"):
        local = cycle_local_now(cycle=cycle, now=now)
        if local.weekday() == 0 and local.hour < OPEN_HOUR:
            continue
        candidates.append((cycle, week_monday(local.date()) - dt.timedelta(weeks=1)))
    if not candidates:
        return []
    done = set(
        ReviewRun.objects.filter(
            opened_at__isnull=False,
            cycle_id__in=[cycle.pk for cycle, _week in candidates],
            week_start__in={week for _cycle, week in candidates},
        ).values_list("cycle_id", "week_start")
    )
    return [(cycle, week) for cycle, week in candidates if (cycle.pk, week) not in done]


def sparkline_shares(
    *, cycle: ServiceCycle, items: list[ReviewItem], weeks: int = SPARKLINE_WEEKS
) -> dict[int, list[float | None]]:
    """Per item id, its dissatisfied share in each of the `weeks` weeks up to its own.

    One aggregate query for all items on the page (moment items sum their
    touchpoints' weekly counts); None marks a week without ratings.
    """
    if not items:
        return {}
    newest = max(item.week_start for item in items)
    oldest = min(item.week_start for item in items) - dt.timedelta(weeks=weeks - 1)
    counts = touchpoint_week_counts(cycle=cycle, first_week=oldest, last_week=newest)
    by_moment: dict[tuple[int, dt.date], list[int]] = {}
    by_touchpoint: dict[tuple[int, dt.date], list[int]] = {}
    for (moment_id, touchpoint_id, week), value in counts.items():
        for table, key in ((by_moment, (moment_id, week)), (by_touchpoint, (touchpoint_id, week))):
            total = table.setdefault(key, [0, 0])
            total[0] += value.n
            total[1] += value.dissatisfied
    shares: dict[int, list[float | None]] = {}
    for item in items:
        series = []
        for offset in range(weeks - 1, -1, -1):
            week = item.week_start - dt.timedelta(weeks=offset)
            n, d = (by_touchpoint.get((item.touchpoint_id, week)) if item.touchpoint_id
                    else by_moment.get((item.moment_id, week))) or (0, 0)
            series.append(d / n if n else None)
        shares[item.pk] = series
    return shares


# --- Roles ---------------------------------------------------------------------------------


def review_owner_candidates(*, organization: Organization) -> QuerySet:
    """Members who may own a review item: team leads and above."""
    return (
        get_user_model().objects.filter(
            memberships__organization=organization, memberships__role__in=roles_with(REVIEW), is_active=True
        ).order_by("username").distinct()
    )


def team_leads(*, organization: Organization) -> QuerySet:
    """The digest's audience: the organization's team leads (with an e-mail address)."""
    return (
        get_user_model().objects.filter(
            memberships__organization=organization, memberships__role=Membership.Role.TEAM_LEAD, is_active=True
        ).exclude(email="").order_by("username").distinct()
    )


# --- Items ---------------------------------------------------------------------------------


def review_items_for_user(*, user: User | AnonymousUser) -> QuerySet[ReviewItem]:
    return ReviewItem.objects.filter(organization__in=organizations_for_user(user=user))


def review_item_get_for_user(*, user: User | AnonymousUser, pk: int) -> ReviewItem:
    return get_object_or_404(
        review_items_for_user(user=user).select_related("cycle", "organization", "moment", "touchpoint", "owner"),
        pk=pk,
    )


def review_items_filter(items: QuerySet[ReviewItem], *, status: str | None = None, owner_id: int | None = None,
                        unassigned: bool = False) -> QuerySet[ReviewItem]:
    """The review page's filters: a status, an owner, or nobody's items."""
    if status:
        items = items.filter(status=status)
    if unassigned:
        return items.filter(owner__isnull=True)
    if owner_id is not None:
        return items.filter(owner_id=owner_id)
    return items


def review_items_for_week(
    *,
    cycle: ServiceCycle,
    week_start: dt.date,
    status: str | None = None,
    owner_id: int | None = None,
    unassigned: bool = False,
    include_earlier_open: bool = True,
) -> QuerySet[ReviewItem]:
    """The review page's items: the week's items, plus (by default) items of earlier
    weeks that are still not resolved or dismissed; most severe first.

    Everything the page shows per item is joined or prefetched here, so the page
    costs the same few queries whatever the number of items.
    """
    scope = Q(week_start=week_start)
    if include_earlier_open:
        scope |= Q(week_start__lt=week_start) & ~Q(status__in=FINAL_STATUSES)
    items = review_items_filter(ReviewItem.objects.filter(scope, cycle=cycle), status=status, owner_id=owner_id,
                                unassigned=unassigned)
    return (
        items.select_related("cycle", "moment", "touchpoint", "owner", "previous", "run__opened_by")
        .prefetch_related(
            Prefetch("critical_touchpoints",
                     queryset=ReviewItemTouchpoint.objects.select_related("touchpoint").order_by("-severity", "id")),
            Prefetch("actions", queryset=ActionItem.objects.order_by("done", "due_date", "id")),
            Prefetch("events", queryset=ReviewEvent.objects.select_related("actor").order_by("created_at", "id")),
        )
        .order_by("-severity", "moment__position", F("touchpoint_id").asc(nulls_first=True), "id")
    )


def webhooks_for_user(*, user: User | AnonymousUser) -> QuerySet[Webhook]:
    return Webhook.objects.filter(organization__in=organizations_for_user(user=user))


# --- Who opened a week, and the schedule ----------------------------------------------------


def review_run_opened(*, cycle: ServiceCycle, week_start: dt.date) -> ReviewRun | None:
    """The run that opened this week of the cycle, or None while nobody has."""
    return (
        ReviewRun.objects.filter(cycle=cycle, week_start=week_start, opened_at__isnull=False)
        .select_related("opened_by").first()
    )


@dataclass(frozen=True)
class ScheduleStatus:
    """What the review page says about automatic opening."""

    last_run_at: dt.datetime | None  # the hourly beat task's last tick (django-celery-beat)
    enabled: bool
    embedded: bool  # no broker: nothing runs Celery beat, so nothing opens weeks by itself


SCHEDULE_STATUS_CACHE_SECONDS = 60
SCHEDULE_STATUS_CACHE_KEY = "reviews:schedule-status"


def review_schedule_status() -> ScheduleStatus:
    """When the hourly opening task last ran (beat records it on its PeriodicTask row).

    The same for every page and cycle, and it moves once an hour, so it is
    cached for a minute instead of costing each review page a query.
    """
    from django.conf import settings
    from django.core.cache import cache
    from django_celery_beat.models import PeriodicTask

    key = SCHEDULE_STATUS_CACHE_KEY
    cached = cache.get(key)
    if cached is None:
        task = PeriodicTask.objects.filter(task=OPEN_DUE_WEEKS_TASK).only("last_run_at", "enabled").first()
        cached = {"last_run_at": task.last_run_at if task else None, "enabled": bool(task and task.enabled)}
        cache.set(key, cached, SCHEDULE_STATUS_CACHE_SECONDS)
    return ScheduleStatus(**cached, embedded=bool(settings.CELERY_TASK_ALWAYS_EAGER))


# --- A team lead's home -------------------------------------------------------------------


HOME_ITEMS = 8


def open_items_for_home(*, user: User, limit: int = HOME_ITEMS) -> tuple[list[ReviewItem], int]:
    """Items still in progress in the cycles where `user` reviews (team lead and above),
    theirs first, then by severity; and how many there are in all. Two queries."""
    if not user.is_authenticated:
        return [], 0
    items = ReviewItem.objects.filter(
        organization__memberships__user=user, organization__memberships__role__in=roles_with(REVIEW),
        cycle__archived=False,
    ).exclude(status__in=FINAL_STATUSES)
    ordered = (
        items.annotate(theirs=Case(When(owner_id=user.pk, then=Value(0)), default=Value(1)))
        .select_related("cycle", "moment", "touchpoint", "owner")
        .order_by("theirs", "-week_start", "-severity", "id")
    )
    return list(ordered[:limit]), items.count()


def reviews_anywhere(*, user: User) -> bool:
    """Whether `user` may change review items in at least one organization."""
    return Membership.objects.filter(user=user, role__in=roles_with(REVIEW)).exists()
