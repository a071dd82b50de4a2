"""One service changes an item's owner, notes and status together: all of it or nothing,
with one owner rule for the page and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from reviews.models import ReviewEvent, ReviewItem
from reviews.services import review_item_update, review_week_open
from tests.factories import MembershipFactory
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    return ReviewItem.objects.get(moment=carousel.moment)


@pytest.fixture
def other_lead(organization):
    return MembershipFactory(organization=organization, role="team_lead").user


def test_owner_notes_and_status_change_together_with_their_history(item, team_lead, other_lead):
    updated = review_item_update(item=item, actor=team_lead, owner=other_lead.pk, notes="Call the handler",
                                 status="acknowledged")
    assert (updated.owner_id, updated.notes, updated.status) == (other_lead.pk, "Call the handler", "acknowledged")
    assert set(item.events.exclude(kind="opened").values_list("kind", flat=True)) == {"owner", "notes", "status"}


def test_a_refused_status_leaves_owner_and_notes_as_they_were(item, team_lead, other_lead):
    owner_before, events_before = item.owner_id, ReviewEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        review_item_update(item=item, actor=team_lead, owner=other_lead.pk, notes="x", status="resolved")
    assert "status" in refused.value.message_dict
    item.refresh_from_db()
    assert (item.owner_id, item.notes, item.status) == (owner_before, "", "open")
    assert ReviewEvent.objects.count() == events_before


def test_the_one_owner_rule_refuses_a_viewer_by_id_and_by_user(item, team_lead, organization):
    viewer = MembershipFactory(organization=organization, role="viewer").user
    owner_before = item.owner_id
    for owner in (viewer.pk, viewer):
        with pytest.raises(ValidationError) as refused:
            review_item_update(item=item, actor=team_lead, owner=owner)
        assert "owner" in refused.value.message_dict
    item.refresh_from_db()
    assert item.owner_id == owner_before
