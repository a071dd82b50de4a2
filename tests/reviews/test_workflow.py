"""The review workflow: ordered status changes, dismissal, owners, notes, actions, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from journeys.models import Membership
from reviews.models import ActionItem, ReviewEvent, ReviewItem, ReviewStatus
from reviews.services import (
    action_item_add,
    action_item_set_done,
    allowed_transitions,
    review_item_assign,
    review_item_notes_update,
    review_item_transition,
    review_week_open,
)
from tests.factories import MembershipFactory
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    return ReviewItem.objects.get(moment=carousel.moment)


def test_an_item_walks_open_acknowledged_action_planned_resolved_with_history(item, team_lead):
    for status in ("acknowledged", "action_planned", "resolved"):
        item = review_item_transition(item=item, status=status, actor=team_lead)

    item.refresh_from_db()
    assert item.status == ReviewStatus.RESOLVED and item.closed_at is not None
    history = list(item.events.filter(kind="status").values_list("actor_id", "from_value", "to_value"))
    assert history == [
        (team_lead.pk, "open", "acknowledged"),
        (team_lead.pk, "acknowledged", "action_planned"),
        (team_lead.pk, "action_planned", "resolved"),
    ]


@pytest.mark.parametrize("current, target", [
    ("open", "action_planned"),
    ("open", "resolved"),
    ("acknowledged", "resolved"),
    ("acknowledged", "open"),
    ("action_planned", "acknowledged"),
    ("resolved", "dismissed"),
    ("dismissed", "open"),
    ("open", "open"),
])
def test_out_of_order_status_changes_are_refused_and_write_nothing(item, team_lead, current, target):
    ReviewItem.objects.filter(pk=item.pk).update(status=current, dismiss_reason="x" if current == "dismissed" else "")
    events_before = ReviewEvent.objects.count()

    with pytest.raises(ValidationError) as error:
        review_item_transition(item=item, status=target, actor=team_lead, reason="because")

    assert "status" in error.value.message_dict
    item.refresh_from_db()
    assert item.status == current
    assert ReviewEvent.objects.count() == events_before


def test_an_unknown_status_is_refused(item, team_lead):
    with pytest.raises(ValidationError):
        review_item_transition(item=item, status="closed", actor=team_lead)


@pytest.mark.parametrize("start", ["open", "acknowledged", "action_planned"])
def test_dismissing_from_any_open_state_records_the_reason(item, team_lead, start):
    ReviewItem.objects.filter(pk=item.pk).update(status=start)

    item = review_item_transition(item=item, status="dismissed", actor=team_lead, reason="  Kiosk replaced  ")

    item.refresh_from_db()
    assert item.status == "dismissed" and item.dismiss_reason == "Kiosk replaced"
    assert item.events.get(kind="status").to_value == "dismissed: Kiosk replaced"


def test_dismissing_without_a_reason_is_refused(item, team_lead):
    with pytest.raises(ValidationError) as error:
        review_item_transition(item=item, status="dismissed", actor=team_lead, reason="   ")
    assert "reason" in error.value.message_dict
    item.refresh_from_db()
    assert item.status == "open"


def test_viewers_cannot_change_items(item, viewer):
    with pytest.raises(PermissionDenied):
        review_item_transition(item=item, status="acknowledged", actor=viewer)
    with pytest.raises(PermissionDenied):
        review_item_notes_update(item=item, notes="hello", actor=viewer)
    item.refresh_from_db()
    assert item.status == "open" and item.notes == ""


def test_members_of_another_organization_cannot_change_items(item, outsider):
    with pytest.raises(PermissionDenied):
        review_item_transition(item=item, status="acknowledged", actor=outsider)


def test_allowed_transitions_follow_the_workflow():
    assert allowed_transitions("acknowledged") == ["action_planned", "dismissed"]
    assert allowed_transitions("action_planned") == ["resolved", "dismissed"]
    assert allowed_transitions("dismissed") == []


def test_owner_must_lead_a_team_in_the_items_organization(item, team_lead, viewer, outsider, organization):
    other_lead = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user

    with pytest.raises(ValidationError):
        review_item_assign(item=item, owner=outsider, actor=team_lead)
    with pytest.raises(ValidationError):
        review_item_assign(item=item, owner=viewer, actor=team_lead)
    item.refresh_from_db()
    assert item.owner_id == team_lead.pk

    review_item_assign(item=item, owner=other_lead, actor=team_lead)

    item.refresh_from_db()
    assert item.owner_id == other_lead.pk
    event = item.events.get(kind="owner")
    assert (event.actor_id, event.from_value, event.to_value) == (
        team_lead.pk, team_lead.username, other_lead.username
    )


def test_unassigning_an_item_is_recorded(item, team_lead):
    review_item_assign(item=item, owner=None, actor=team_lead)
    item.refresh_from_db()
    assert item.owner is None
    assert item.events.get(kind="owner").to_value == ""


def test_notes_changes_keep_the_old_text_in_the_history(item, team_lead):
    review_item_notes_update(item=item, notes="Belt 3 broken", actor=team_lead)
    review_item_notes_update(item=item, notes="Belt 3 repaired on Tuesday", actor=team_lead)
    review_item_notes_update(item=item, notes="Belt 3 repaired on Tuesday", actor=team_lead)  # no change

    events = list(item.events.filter(kind="notes").values_list("from_value", "to_value"))
    assert events == [("", "Belt 3 broken"), ("Belt 3 broken", "Belt 3 repaired on Tuesday")]


def test_action_items_are_added_and_ticked_off_with_history(item, team_lead):
    due = dt.date.today() + dt.timedelta(days=7)
    action = action_item_add(item=item, text="Open a second belt at peak", due_date=due, actor=team_lead)
    action_item_set_done(action=action, done=True, actor=team_lead)

    action.refresh_from_db()
    assert action.done and action.done_at is not None and action.due_date == due
    kinds = list(item.events.exclude(kind="opened").values_list("kind", flat=True))
    assert kinds == ["action_added", "action_done"]

    action_item_set_done(action=action, done=False, actor=team_lead)
    action.refresh_from_db()
    assert not action.done and action.done_at is None


def test_an_empty_action_is_refused(item, team_lead):
    with pytest.raises(ValidationError):
        action_item_add(item=item, text="  ", actor=team_lead)
    assert not ActionItem.objects.exists()


def test_closed_items_take_no_new_actions(item, team_lead):
    review_item_transition(item=item, status="dismissed", actor=team_lead, reason="Duplicate")
    with pytest.raises(ValidationError):
        action_item_add(item=item, text="Too late", actor=team_lead)
