"""Opening a cycle's week: one review item per problem, from one GROUP BY over the rollups.

A critical moment opens one item that carries its critical touchpoints inside
it (each with its own figures); a critical touchpoint opens an item of its own
only where its moment is not critical as a whole. The schedule (Celery beat),
the review page's button and `manage.py reviews_open_week` all call
`review_week_open`, which records who or what opened the week.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import stats
from analytics.selectors import WeekCounts, touchpoint_week_counts
from journeys.models import Moment, ServiceCycle
from journeys.permissions import REVIEW, user_can
from touchpoints.models import Touchpoint

from . import selectors
from .events import review_item_event_emit
from .models import (
    ReviewEvent,
    ReviewItem,
    ReviewItemTouchpoint,
    ReviewRun,
    ReviewStatus,
    Trigger,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

FIGURES_SOURCE = "rollups"


@dataclass(frozen=True)
class CriticalFinding:
    """One item to open: a moment (touchpoint_id None) with its critical touchpoints, or a lone touchpoint."""

    moment_id: int
    touchpoint_id: int | None
    counts: WeekCounts
    previous: WeekCounts
    touchpoints: tuple[CriticalFinding, ...] = field(default=())


def _critical_findings(*, cycle: ServiceCycle, week_start: dt.date) -> list[CriticalFinding]:
    """The week's items to open, from one GROUP BY over the rollups (this week and the one before)."""
    previous_week = week_start - dt.timedelta(weeks=1)
    counts = touchpoint_week_counts(cycle=cycle, first_week=previous_week, last_week=week_start)
    # (moment, touchpoint or None for the whole moment) → [[n, d] week before, [n, d] this week]
    totals: dict[tuple[int, int | None], list[list[int]]] = {}
    for (moment_id, touchpoint_id, week), value in counts.items():
        index = 1 if week == week_start else 0
        for key in ((moment_id, touchpoint_id), (moment_id, None)):
            pair = totals.setdefault(key, [[0, 0], [0, 0]])
            pair[index][0] += value.n
            pair[index][1] += value.dissatisfied

    def finding(key: tuple[int, int | None], touchpoints: tuple[CriticalFinding, ...] = ()) -> CriticalFinding:
        previous, current = totals[key]
        return CriticalFinding(key[0], key[1], WeekCounts(*current), WeekCounts(*previous),
                               touchpoints)

    def is_critical(key: tuple[int, int | None]) -> bool:
        n, d = totals[key][1]
        return stats.is_critical(d, n, min_sample=cycle.min_sample, critical_share=cycle.critical_share)

    findings: list[CriticalFinding] = []
    for moment_id in sorted({moment_id for moment_id, _touchpoint in totals}):
        critical_touchpoints = sorted(
            (finding(key) for key in totals if key[0] == moment_id and key[1] is not None and is_critical(key)),
            key=lambda found: (-stats.severity(found.counts.dissatisfied, found.counts.n), found.touchpoint_id),
        )
        if is_critical((moment_id, None)):
            findings.append(finding((moment_id, None), tuple(critical_touchpoints)))
        else:
            findings.extend(critical_touchpoints)
    return findings


def _figures(found: CriticalFinding, *, cycle: ServiceCycle) -> dict[str, Any]:
    n, d = found.counts.n, found.counts.dissatisfied
    previous_n, previous_d = found.previous.n, found.previous.dissatisfied
    low, high = stats.wilson_interval(d, n)
    trend = stats.trend(previous_d, previous_n, d, n, min_sample=cycle.min_sample)
    organization = cycle.organization
    return {
        "n": n,
        "dissatisfied": d,
        "share": d / n,
        "wilson_low": low,
        "wilson_high": high,
        "previous_n": previous_n,
        "previous_dissatisfied": previous_d,
        "trend": trend,
        "worsening": stats.worsening_flag(trend),
        "severity": stats.severity(d, n),
        "reach": stats.word_of_mouth_reach(
            d, share_telling=organization.wom_share_telling, people_told=organization.wom_people_told
        ),
    }


def _default_owner_id(*, moment: Moment, previous: ReviewItem | None, eligible: set[int]) -> int | None:
    # Whoever owned last week's item keeps it; otherwise the moment's owner, if
    # they may own review items at all.
    for candidate in ((previous.owner_id if previous else None), moment.owner_id):
        if candidate is not None and candidate in eligible:
            return candidate
    return None


def _relink_following(item: ReviewItem) -> None:
    """A week opened late (backfill) joins the chain of the weeks after it."""
    current = item
    while True:
        following = (
            ReviewItem.objects.filter(
                cycle_id=current.cycle_id, moment_id=current.moment_id, touchpoint=current.touchpoint_id,
                week_start=current.week_start + dt.timedelta(weeks=1),
            ).first()
        )
        if following is None:
            return
        if following.previous_id not in (None, current.pk):
            return
        following.previous = current
        following.streak = current.streak + 1
        following.save(update_fields=["previous", "streak", "updated_at"])
        current = following


def rollups_bring_up_to_date() -> str:
    """Fold every committed rating into the analytics rollups before a week is judged.

    The refresh is idempotent and takes its own locks, so it must run outside
    the transaction that opens items (and may run next to the scheduled one).
    """
    from analytics.services import rollups_refresh

    rollups_refresh()
    return FIGURES_SOURCE


def review_week_open(
    *,
    cycle: ServiceCycle,
    week_start: dt.date,
    now: dt.datetime | None = None,
    actor: User | None = None,
    trigger: str | None = None,
) -> list[ReviewItem]:
    """Open the week's review items: one per critical moment (its critical touchpoints
    inside it) and one per critical touchpoint of a moment that is not critical.

    `week_start` is the Monday of an ISO week in the cycle's time zone, and the
    week must have ended there. `actor` is the person who asked (team leads and
    above; None for the schedule or the command, told apart by `trigger`).
    Figures come from the daily rollups (refreshed first). A week opens once:
    the first run claims its `ReviewRun` (UPDATE … WHERE opened_at IS NULL, row
    count checked), so a second or concurrent run returns [] and writes nothing;
    the partial unique constraints on items stay as the last line of defence.
    """
    if actor is not None and not user_can(capability=REVIEW, user=actor, organization=cycle.organization):
        raise PermissionDenied(_("Only team leads, CX managers and admins can open a week's review."))
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": _("A review week starts on a Monday.")})
    if not selectors.week_has_ended(cycle=cycle, week_start=week_start, now=now):
        raise ValidationError({"week_start": _("This week has not ended yet in the cycle's time zone.")})
    if selectors.review_run_opened(cycle=cycle, week_start=week_start) is not None:
        return []  # opened before: skip the rollup refresh too
    source = rollups_bring_up_to_date()
    trigger = trigger or (Trigger.PAGE if actor is not None else Trigger.SCHEDULE)
    return _open_items(cycle=cycle, week_start=week_start, source=source, actor=actor, trigger=trigger)


@transaction.atomic
def _open_items(
    *, cycle: ServiceCycle, week_start: dt.date, source: str, actor: User | None, trigger: str
) -> list[ReviewItem]:
    cycle = ServiceCycle.objects.select_related("organization").get(pk=cycle.pk)
    run, _run_created = ReviewRun.objects.get_or_create(cycle=cycle, week_start=week_start, defaults={"source": source})
    claimed = ReviewRun.objects.filter(pk=run.pk, opened_at__isnull=True).update(
        opened_at=timezone.now(), opened_by=actor, trigger=trigger, source=source,
    )
    if not claimed:
        return []
    findings = _critical_findings(cycle=cycle, week_start=week_start)
    if findings:
        created_items = _create_items(cycle=cycle, week_start=week_start, run=run, findings=findings, actor=actor)
    else:
        created_items = []
    ReviewRun.objects.filter(pk=run.pk).update(items_opened=len(findings))
    logger.info("review week %s of cycle %s (%s): %s items, %s opened now",
                week_start, cycle.pk, trigger, len(findings), len(created_items))
    return created_items


def _create_items(
    *, cycle: ServiceCycle, week_start: dt.date, run: ReviewRun, findings: list[CriticalFinding],
    actor: User | None,
) -> list[ReviewItem]:
    moments = {moment.pk: moment for moment in Moment.objects.filter(cycle=cycle)}
    touchpoints = Touchpoint.objects.filter(moment__cycle=cycle).in_bulk()
    eligible = set(selectors.review_owner_candidates(organization=cycle.organization).values_list("pk", flat=True))
    previous_items = {
        (item.moment_id, item.touchpoint_id): item
        for item in ReviewItem.objects.filter(cycle=cycle, week_start=week_start - dt.timedelta(weeks=1))
    }
    created_items = []
    for found in sorted(findings, key=lambda f: (moments[f.moment_id].position, f.touchpoint_id or 0)):
        previous = previous_items.get((found.moment_id, found.touchpoint_id))
        # django-stubs refuse None for a nullable foreign key's `_id` lookup; Django reads it as IS NULL.
        item, created = ReviewItem.objects.get_or_create(  # type: ignore[misc]
            cycle=cycle, moment_id=found.moment_id, touchpoint_id=found.touchpoint_id, week_start=week_start,
            defaults={
                "organization_id": cycle.organization_id,
                "run": run,
                "previous": previous,
                "streak": previous.streak + 1 if previous else 1,
                "owner_id": _default_owner_id(moment=moments[found.moment_id], previous=previous, eligible=eligible),
                **_figures(found, cycle=cycle),
            },
        )
        if not created:
            continue
        inside = ReviewItemTouchpoint.objects.bulk_create([
            ReviewItemTouchpoint(review_item=item, touchpoint=touchpoints[child.touchpoint_id],
                                 **_figures(child, cycle=cycle))
            for child in found.touchpoints
        ])
        ReviewEvent.objects.create(review_item=item, actor=actor, kind=ReviewEvent.Kind.OPENED,
                                   to_value=ReviewStatus.OPEN)
        _relink_following(item)
        created_items.append(item)
        review_item_event_emit(item, WebhookEvent.ITEM_OPENED, touchpoints=inside)
    return created_items
