"""Writes of the weekly review: moving items through the workflow (opening a week lives
in reviews.opening and is re-exported here).

Every change goes through a function here, checks who may make it, and writes
a `ReviewEvent` (who, when, from → to) in the same transaction. Opening or a
status change also queues the organization's webhooks after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.models import ServiceCycle
from journeys.permissions import REVIEW, user_can

from . import selectors
from .events import review_item_event_emit
from .models import (
    FINAL_STATUSES,
    ActionItem,
    ReviewEvent,
    ReviewItem,
    ReviewStatus,
    WebhookEvent,
)
from .opening import (  # noqa: F401 - the schedule, the page, the command and tests open weeks through here
    FIGURES_SOURCE,
    CriticalFinding,
    _critical_findings,
    review_week_open,
    rollups_bring_up_to_date,
)

logger = logging.getLogger(__name__)

# The one path through the workflow; dismissing is allowed from any non-final state,
# and a resolved item may be reopened (the fix did not hold), always with a reason.
NEXT_STATUS: dict[str, str] = {
    ReviewStatus.OPEN: ReviewStatus.ACKNOWLEDGED,
    ReviewStatus.ACKNOWLEDGED: ReviewStatus.ACTION_PLANNED,
    ReviewStatus.ACTION_PLANNED: ReviewStatus.RESOLVED,
}
NEEDS_REASON = (ReviewStatus.DISMISSED, ReviewStatus.OPEN)


def allowed_transitions(status: str) -> list[str]:
    """Statuses an item in `status` may move to: the next step or dismissed; a resolved
    item only back to open; a dismissed one nowhere.

    >>> allowed_transitions("open")
    ['acknowledged', 'dismissed']
    >>> allowed_transitions("resolved")
    ['open']
    >>> allowed_transitions("dismissed")
    []
    """
    if status == ReviewStatus.RESOLVED:
        return [ReviewStatus.OPEN.value]
    if status in FINAL_STATUSES:
        return []
    return [NEXT_STATUS[status], ReviewStatus.DISMISSED.value]


# --- Workflow ------------------------------------------------------------------------------


def _require_reviewer(actor: User | None, item: ReviewItem) -> None:
    if actor is None:
        return  # the scheduler
    if not user_can(capability=REVIEW, user=actor, organization=item.organization):
        raise PermissionDenied(_("Only team leads, CX managers and admins can change review items."))


def _locked(item: ReviewItem) -> ReviewItem:
    return ReviewItem.objects.select_for_update().select_related("organization").get(pk=item.pk)


def _notify(item: ReviewItem, event: str, **extra: Any) -> None:
    review_item_event_emit(item, event, **extra)


def _refusal(item: ReviewItem) -> str:
    if item.status == ReviewStatus.RESOLVED:
        return _("A resolved item can only be reopened, with a reason.")
    if item.is_final:
        return _("This item is %(status)s; it cannot change any more.") % {
            "status": item.get_status_display().lower()}
    return _("An item that is %(current)s can only become %(allowed)s.") % {
        "current": item.get_status_display().lower(),
        "allowed": " / ".join(str(ReviewStatus(value).label).lower() for value in allowed_transitions(item.status)),
    }


@transaction.atomic
def review_item_transition(
    *, item: ReviewItem, status: str, actor: User | None, reason: str = ""
) -> ReviewItem:
    """Move an item one step along open → acknowledged → action planned → resolved,
    dismiss it (with a reason) from any state that is not final, or reopen a
    resolved item (with a reason). The reason is kept in the history."""
    item = _locked(item)
    _require_reviewer(actor, item)
    reason = (reason or "").strip()
    if status not in ReviewStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status not in allowed_transitions(item.status):
        raise ValidationError({"status": _refusal(item)})
    if status == ReviewStatus.DISMISSED and not reason:
        raise ValidationError({"reason": _("Say why the item is dismissed.")})
    if status == ReviewStatus.OPEN and not reason:
        raise ValidationError({"reason": _("Say why the item is reopened.")})
    previous_status = item.status
    item.status = status
    if status == ReviewStatus.DISMISSED:
        item.dismiss_reason = reason
    item.closed_at = timezone.now() if status in FINAL_STATUSES else None
    item.save(update_fields=["status", "dismiss_reason", "closed_at", "updated_at"])
    ReviewEvent.objects.create(
        review_item=item, actor=actor, kind=ReviewEvent.Kind.STATUS, from_value=previous_status,
        to_value=f"{status}: {reason}" if status in NEEDS_REASON else status,
    )
    extra = {"reason": reason} if status in NEEDS_REASON else {}
    _notify(item, WebhookEvent.ITEM_STATUS_CHANGED, previous_status=previous_status, **extra)
    return item


def _owner_checked(item: ReviewItem, owner: User | int | None) -> User | None:
    """The one owner rule: an active member who may review in the item's organization, or nobody.

    `owner` may be a user or a user id (as the API and the page send it).
    """
    if owner is None:
        return None
    owner_id = owner if isinstance(owner, int) else owner.pk
    found = selectors.review_owner_candidates(organization=item.organization).filter(pk=owner_id).first()
    if found is None:
        raise ValidationError({"owner": _("The owner must be a team lead, CX manager or admin of this organization.")})
    return found


@transaction.atomic
def review_item_assign(*, item: ReviewItem, owner: User | int | None,
                       actor: User | None) -> ReviewItem:
    """Give the item to a team lead (or above) of its organization, or to nobody."""
    item = _locked(item)
    _require_reviewer(actor, item)
    owner = _owner_checked(item, owner)
    new_owner_id = owner.pk if owner is not None else None
    if new_owner_id == item.owner_id:
        return item
    old_owner = item.owner.get_username() if item.owner is not None else ""
    item.owner = owner
    item.save(update_fields=["owner", "updated_at"])
    ReviewEvent.objects.create(
        review_item=item, actor=actor, kind=ReviewEvent.Kind.OWNER, from_value=old_owner,
        to_value=owner.get_username() if owner is not None else "",
    )
    return item


NOTES_MAX_LENGTH = 10_000
UNCHANGED: Any = object()


@transaction.atomic
def review_item_update(
    *, item: ReviewItem, actor: User | None, owner: User | int | None = UNCHANGED,
    notes: str | None = None, status: str | None = None, reason: str = "",
) -> ReviewItem:
    """Change an item's owner, notes and status in one go: all of it or nothing.

    Each part is the single-field service below (same checks, same history, same
    webhooks); a refused status leaves the owner and notes as they were.
    """
    if owner is not UNCHANGED:
        item = review_item_assign(item=item, owner=owner, actor=actor)
    if notes is not None:
        item = review_item_notes_update(item=item, notes=notes, actor=actor)
    if status is not None:
        item = review_item_transition(item=item, status=status, actor=actor, reason=reason)
    return item



@transaction.atomic
def review_item_notes_update(*, item: ReviewItem, notes: str, actor: User | None) -> ReviewItem:
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
    *, item: ReviewItem, text: str, due_date: dt.date | None = None, actor: User | None
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
def action_item_set_done(*, action: ActionItem, done: bool, actor: User | None) -> ActionItem:
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


# --- What the scheduled tasks do (each task is one call of these) ---------------------------


def review_week_open_and_digest(*, cycle_id: int, week_start: dt.date, send_digest: bool = True) -> dict:
    """Open one cycle's week (idempotent), then mail its digest (once)."""
    from .emails import review_digest_send

    cycle = ServiceCycle.objects.select_related("organization").filter(pk=cycle_id).first()
    if cycle is None:
        return {"cycle": cycle_id, "skipped": "cycle deleted"}
    items = review_week_open(cycle=cycle, week_start=week_start)
    sent = review_digest_send(cycle=cycle, week_start=week_start) if send_digest else 0
    return {"cycle": cycle_id, "week_start": week_start.isoformat(), "opened": len(items), "digests": sent}


def review_weeks_due_queue() -> list[dict]:
    """Queue the opening of last week for every cycle whose local Monday 06:00 has passed
    and whose week is not open yet (selectors.cycles_due_for_review), after commit."""
    from .tasks import reviews_open_week

    queued = []
    for cycle, week_start in selectors.cycles_due_for_review():
        transaction.on_commit(partial(reviews_open_week.delay, cycle.pk, week_start.isoformat()))
        queued.append({"cycle": cycle.pk, "week_start": week_start.isoformat()})
    return queued
