"""Writes of the weekly review: opening a week's items and moving them through the workflow.

Every change goes through a function here, checks who may make it, and writes
a `ReviewEvent` (who, when, from → to) in the same transaction. Opening or a
status change also queues the organization's webhooks after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import stats
from journeys.models import Membership, Moment, ServiceCycle

from . import selectors
from .models import (
    FINAL_STATUSES,
    ActionItem,
    ReviewEvent,
    ReviewItem,
    ReviewRun,
    ReviewStatus,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

# The one path through the workflow; dismissing is allowed from any non-final state.
NEXT_STATUS: dict[str, str] = {
    ReviewStatus.OPEN: ReviewStatus.ACKNOWLEDGED,
    ReviewStatus.ACKNOWLEDGED: ReviewStatus.ACTION_PLANNED,
    ReviewStatus.ACTION_PLANNED: ReviewStatus.RESOLVED,
}
FIGURES_SOURCE = "rollups"


def allowed_transitions(status: str) -> list[str]:
    """Statuses an item in `status` may move to (empty for resolved and dismissed).

    >>> allowed_transitions("open")
    ['acknowledged', 'dismissed']
    >>> allowed_transitions("resolved")
    []
    """
    if status in FINAL_STATUSES:
        return []
    return [NEXT_STATUS[status], ReviewStatus.DISMISSED.value]


# --- Opening a week ------------------------------------------------------------------------


@dataclass(frozen=True)
class CriticalFinding:
    moment_id: int
    touchpoint_id: int | None
    counts: selectors.WeekCounts
    previous: selectors.WeekCounts


def _critical_findings(*, cycle: ServiceCycle, week_start: dt.date) -> list[CriticalFinding]:
    """Critical moments and critical touchpoints of the week, from one GROUP BY over the rollups."""
    previous_week = week_start - dt.timedelta(weeks=1)
    counts = selectors.touchpoint_week_counts(cycle=cycle, first_week=previous_week, last_week=week_start)
    per_touchpoint: dict[tuple[int, int | None], list[list[int]]] = {}
    for (moment_id, touchpoint_id, week), value in counts.items():
        index = 1 if week == week_start else 0
        for key in ((moment_id, touchpoint_id), (moment_id, None)):
            totals = per_touchpoint.setdefault(key, [[0, 0], [0, 0]])
            totals[index][0] += value.n
            totals[index][1] += value.dissatisfied
    findings = []
    for (moment_id, touchpoint_id), (previous, current) in per_touchpoint.items():
        if stats.is_critical(current[1], current[0], min_sample=cycle.min_sample, critical_share=cycle.critical_share):
            findings.append(CriticalFinding(
                moment_id, touchpoint_id, selectors.WeekCounts(*current), selectors.WeekCounts(*previous)
            ))
    return findings


def _figures(finding: CriticalFinding, *, cycle: ServiceCycle) -> dict[str, Any]:
    n, d = finding.counts.n, finding.counts.dissatisfied
    low, high = stats.wilson_interval(d, n)
    organization = cycle.organization
    return {
        "n": n,
        "dissatisfied": d,
        "share": d / n,
        "wilson_low": low,
        "wilson_high": high,
        "previous_n": finding.previous.n,
        "previous_dissatisfied": finding.previous.dissatisfied,
        "worsening": stats.is_worsening(finding.previous.dissatisfied, finding.previous.n, d, n),
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
                cycle_id=current.cycle_id, moment_id=current.moment_id, touchpoint_id=current.touchpoint_id,
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


def review_week_open(*, cycle: ServiceCycle, week_start: dt.date, now: dt.datetime | None = None) -> list[ReviewItem]:
    """Open one review item per critical moment and per critical touchpoint of a week.

    `week_start` is the Monday of an ISO week in the cycle's time zone, and the
    week must have ended there. Figures come from the daily rollups (refreshed
    first). Returns only the items this call created: a second run of the same
    week returns []. Concurrent runs are safe: the partial unique constraints
    on (cycle, moment, touchpoint, week) make the loser's insert fail and
    `get_or_create` then reads the winner's row.
    """
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": _("A review week starts on a Monday.")})
    if not selectors.week_has_ended(cycle=cycle, week_start=week_start, now=now):
        raise ValidationError({"week_start": _("This week has not ended yet in the cycle's time zone.")})
    source = rollups_bring_up_to_date()
    return _open_items(cycle=cycle, week_start=week_start, source=source)


@transaction.atomic
def _open_items(*, cycle: ServiceCycle, week_start: dt.date, source: str) -> list[ReviewItem]:
    cycle = ServiceCycle.objects.select_related("organization").get(pk=cycle.pk)
    run, _run_created = ReviewRun.objects.get_or_create(cycle=cycle, week_start=week_start, defaults={"source": source})
    findings = _critical_findings(cycle=cycle, week_start=week_start)
    if not findings:
        return []
    moments = {moment.pk: moment for moment in Moment.objects.filter(cycle=cycle)}
    eligible = set(selectors.review_owner_candidates(organization=cycle.organization).values_list("pk", flat=True))
    previous_items = {
        (item.moment_id, item.touchpoint_id): item
        for item in ReviewItem.objects.filter(cycle=cycle, week_start=week_start - dt.timedelta(weeks=1))
    }
    created_items = []
    for finding in sorted(findings, key=lambda f: (moments[f.moment_id].position, f.touchpoint_id or 0)):
        previous = previous_items.get((finding.moment_id, finding.touchpoint_id))
        item, created = ReviewItem.objects.get_or_create(
            cycle=cycle, moment_id=finding.moment_id, touchpoint_id=finding.touchpoint_id, week_start=week_start,
            defaults={
                "organization_id": cycle.organization_id,
                "previous": previous,
                "streak": previous.streak + 1 if previous else 1,
                "owner_id": _default_owner_id(
                    moment=moments[finding.moment_id], previous=previous, eligible=eligible
                ),
                **_figures(finding, cycle=cycle),
            },
        )
        if not created:
            continue
        ReviewEvent.objects.create(review_item=item, actor=None, kind=ReviewEvent.Kind.OPENED,
                                   to_value=ReviewStatus.OPEN)
        _relink_following(item)
        created_items.append(item)
        _notify(item, WebhookEvent.ITEM_OPENED)
    ReviewRun.objects.filter(pk=run.pk).update(items_opened=len(findings))
    logger.info("review week %s of cycle %s: %s critical, %s opened now",
                week_start, cycle.pk, len(findings), len(created_items))
    return created_items


# --- Workflow ------------------------------------------------------------------------------


def _require_reviewer(actor: AbstractBaseUser | None, item: ReviewItem) -> None:
    if actor is None:
        return  # the scheduler
    if not selectors.can_review(user=actor, organization=item.organization):
        raise PermissionDenied(_("Only team leads, CX managers and admins can change review items."))


def _locked(item: ReviewItem) -> ReviewItem:
    return ReviewItem.objects.select_for_update().select_related("organization").get(pk=item.pk)


def _notify(item: ReviewItem, event: str, **extra: Any) -> None:
    from .webhooks import webhook_event_emit

    webhook_event_emit(organization_id=item.organization_id, event=event, item_id=item.pk, extra=extra)


@transaction.atomic
def review_item_transition(
    *, item: ReviewItem, status: str, actor: AbstractBaseUser | None, reason: str = ""
) -> ReviewItem:
    """Move an item one step along open → acknowledged → action planned → resolved,
    or dismiss it (with a reason) from any state that is not final."""
    item = _locked(item)
    _require_reviewer(actor, item)
    reason = (reason or "").strip()
    if status not in ReviewStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status not in allowed_transitions(item.status):
        if item.is_final:
            message = _("This item is %(status)s; it cannot change any more.") % {
                "status": item.get_status_display().lower()}
        else:
            message = _("An item that is %(current)s can only become %(allowed)s.") % {
                "current": item.get_status_display().lower(),
                "allowed": " / ".join(str(ReviewStatus(value).label).lower() for value in allowed_transitions(item.status)),
            }
        raise ValidationError({"status": message})
    if status == ReviewStatus.DISMISSED and not reason:
        raise ValidationError({"reason": _("Say why the item is dismissed.")})
    previous_status = item.status
    item.status = status
    if status == ReviewStatus.DISMISSED:
        item.dismiss_reason = reason
    if status in FINAL_STATUSES:
        item.closed_at = timezone.now()
    item.save(update_fields=["status", "dismiss_reason", "closed_at", "updated_at"])
    ReviewEvent.objects.create(
        review_item=item, actor=actor, kind=ReviewEvent.Kind.STATUS, from_value=previous_status,
        to_value=status if status != ReviewStatus.DISMISSED else f"{status}: {reason}",
    )
    _notify(item, WebhookEvent.ITEM_STATUS_CHANGED, previous_status=previous_status)
    return item


@transaction.atomic
def review_item_assign(*, item: ReviewItem, owner: AbstractBaseUser | None, actor: AbstractBaseUser | None) -> ReviewItem:
    """Give the item to a team lead (or above) of its organization, or to nobody."""
    item = _locked(item)
    _require_reviewer(actor, item)
    if owner is not None and not Membership.objects.filter(
        user=owner, organization_id=item.organization_id, role__in=selectors.REVIEWER_ROLES
    ).exists():
        raise ValidationError({"owner": _("The owner must be a team lead, CX manager or admin of this organization.")})
    new_owner_id = owner.pk if owner is not None else None
    if new_owner_id == item.owner_id:
        return item
    old_owner = item.owner.get_username() if item.owner_id else ""
    item.owner = owner
    item.save(update_fields=["owner", "updated_at"])
    ReviewEvent.objects.create(
        review_item=item, actor=actor, kind=ReviewEvent.Kind.OWNER, from_value=old_owner,
        to_value=owner.get_username() if owner is not None else "",
    )
    return item


NOTES_MAX_LENGTH = 10_000


@transaction.atomic
def review_item_notes_update(*, item: ReviewItem, notes: str, actor: AbstractBaseUser | None) -> ReviewItem:
    item = _locked(item)
    _require_reviewer(actor, item)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError({"notes": _("Notes are limited to %(max)s characters.") % {"max": NOTES_MAX_LENGTH}})
    if notes == item.notes:
        return item
    ReviewEvent.objects.create(review_item=item, actor=actor, kind=ReviewEvent.Kind.NOTES,
                               from_value=item.notes, to_value=notes)
    item.notes = notes
    item.save(update_fields=["notes", "updated_at"])
    return item


@transaction.atomic
def action_item_add(
    *, item: ReviewItem, text: str, due_date: dt.date | None = None, actor: AbstractBaseUser | None
) -> ActionItem:
    item = _locked(item)
    _require_reviewer(actor, item)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Describe the action.")})
    if len(text) > 500:
        raise ValidationError({"text": _("An action is at most 500 characters.")})
    if item.is_final:
        raise ValidationError({"text": _("This item is closed; no new actions can be added.")})
    action = ActionItem.objects.create(review_item=item, text=text, due_date=due_date, created_by=actor)
    due = f" ({due_date.isoformat()})" if due_date else ""
    ReviewEvent.objects.create(review_item=item, actor=actor, kind=ReviewEvent.Kind.ACTION_ADDED, to_value=text + due)
    return action


@transaction.atomic
def action_item_set_done(*, action: ActionItem, done: bool, actor: AbstractBaseUser | None) -> ActionItem:
    action = ActionItem.objects.select_for_update().select_related("review_item__organization").get(pk=action.pk)
    _require_reviewer(actor, action.review_item)
    if action.done == done:
        return action
    action.done = done
    action.done_at = timezone.now() if done else None
    action.save(update_fields=["done", "done_at"])
    ReviewEvent.objects.create(
        review_item=action.review_item, actor=actor,
        kind=ReviewEvent.Kind.ACTION_DONE if done else ReviewEvent.Kind.ACTION_REOPENED, to_value=action.text,
    )
    return action
