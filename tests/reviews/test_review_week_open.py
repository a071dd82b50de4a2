"""Opening a week's review items from the rollups: figures, idempotency, streaks, time zones."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from journeys.models import Membership
from reviews.models import ReviewEvent, ReviewItem, ReviewRun
from reviews.services import review_week_open
from tests.factories import MembershipFactory, MomentFactory, TouchpointFactory
from tests.reviews.conftest import add_ratings
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db


def test_a_critical_moment_opens_one_item_carrying_the_figures(cycle, carousel, lost_desk, gate, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=10, dissatisfied=1)
    add_ratings(gate, week_start=week, n=30, dissatisfied=2)

    opened = review_week_open(cycle=cycle, week_start=week)

    # One problem, one item: the moment, with its critical touchpoint inside it.
    assert [(item.moment_id, item.touchpoint_id) for item in opened] == [(carousel.moment_id, None)]
    moment_item = opened[0]
    assert (moment_item.n, moment_item.dissatisfied) == (50, 21)
    assert moment_item.wilson_low == pytest.approx(0.29375, abs=1e-4)
    inside = moment_item.critical_touchpoints.get()
    # Hand-computed: 20/40, Wilson 95 % (0.3520, 0.6480), severity 0.3520 × 40,
    # reach 20 × 13 % × 15 people (the seed defaults).
    assert inside.touchpoint_id == carousel.pk and (inside.n, inside.dissatisfied) == (40, 20)
    assert inside.share == pytest.approx(0.5)
    assert inside.wilson_low == pytest.approx(0.35200, abs=1e-4)
    assert inside.wilson_high == pytest.approx(0.64800, abs=1e-4)
    assert inside.severity == pytest.approx(14.0798, abs=1e-3)
    assert inside.reach == pytest.approx(39.0)
    assert moment_item.week_start == week and moment_item.streak == 1 and moment_item.previous is None
    assert ReviewEvent.objects.filter(kind="opened").count() == 1
    assert ReviewRun.objects.get(cycle=cycle, week_start=week).items_opened == 1


def test_word_of_mouth_reach_uses_the_organizations_own_figures(cycle, carousel, week):
    cycle.organization.wom_share_telling = 0.5
    cycle.organization.wom_people_told = 4
    cycle.organization.save()
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    item = review_week_open(cycle=cycle, week_start=week)[0]

    assert item.reach == pytest.approx(20 * 0.5 * 4)
    assert item.critical_touchpoints.get().reach == pytest.approx(20 * 0.5 * 4)


def test_a_small_sample_never_opens_an_item(cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=19, dissatisfied=19)

    assert review_week_open(cycle=cycle, week_start=week) == []
    assert not ReviewItem.objects.exists()
    assert ReviewRun.objects.filter(cycle=cycle, week_start=week).exists()


def test_cycle_thresholds_decide_what_is_critical(cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=12)  # Wilson low 0.18
    assert review_week_open(cycle=cycle, week_start=week) == []

    cycle.critical_share = 0.15
    cycle.save()
    ReviewRun.objects.all().delete()
    assert len(review_week_open(cycle=cycle, week_start=week)) == 1


def test_running_the_same_week_twice_creates_nothing_new(cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    first = review_week_open(cycle=cycle, week_start=week)

    second = review_week_open(cycle=cycle, week_start=week)

    assert len(first) == 1 and second == []
    assert ReviewItem.objects.count() == 1
    assert ReviewEvent.objects.count() == 1
    assert ReviewRun.objects.count() == 1


def test_late_ratings_do_not_reopen_an_opened_week(cycle, carousel, gate, week):
    """The figures are what the team saw when the week opened; a second run changes nothing."""
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    add_ratings(gate, week_start=week, n=40, dissatisfied=30)

    assert review_week_open(cycle=cycle, week_start=week) == []
    assert ReviewItem.objects.count() == 1


def test_a_week_that_has_not_ended_is_refused(cycle, carousel, week):
    with pytest.raises(ValidationError) as error:
        review_week_open(cycle=cycle, week_start=week + dt.timedelta(weeks=1))
    assert "week_start" in error.value.message_dict
    assert not ReviewRun.objects.exists()


def test_week_start_must_be_a_monday(cycle, week):
    with pytest.raises(ValidationError):
        review_week_open(cycle=cycle, week_start=week + dt.timedelta(days=1))


def test_critical_three_weeks_running_links_items_and_counts_the_streak(cycle, carousel, week):
    weeks = [week - dt.timedelta(weeks=2), week - dt.timedelta(weeks=1), week]
    for monday in weeks:
        add_ratings(carousel, week_start=monday, n=40, dissatisfied=20)
    for monday in weeks:
        review_week_open(cycle=cycle, week_start=monday)

    latest = ReviewItem.objects.get(week_start=week, moment=carousel.moment)
    assert latest.streak == 3
    assert latest.previous.week_start == weeks[1]
    assert latest.previous.previous.week_start == weeks[0]
    assert latest.previous.previous.previous is None


def test_a_week_opened_late_joins_the_chain_of_the_weeks_after_it(cycle, carousel, week):
    earlier = week - dt.timedelta(weeks=1)
    add_ratings(carousel, week_start=earlier, n=40, dissatisfied=20)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)

    review_week_open(cycle=cycle, week_start=earlier)

    latest = ReviewItem.objects.get(week_start=week, moment=carousel.moment)
    assert latest.streak == 2 and latest.previous.week_start == earlier


def test_a_gap_week_breaks_the_streak(cycle, carousel, week):
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=2), n=40, dissatisfied=20)
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=40, dissatisfied=2)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    for offset in (2, 1, 0):
        review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=offset))

    latest = ReviewItem.objects.get(week_start=week, moment=carousel.moment)
    assert latest.streak == 1 and latest.previous is None


def test_worsening_compares_with_the_week_before(cycle, carousel, week):
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=40, dissatisfied=8)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    item = review_week_open(cycle=cycle, week_start=week)[0]

    # z = 2.81 > 1.96 (hand-computed pooled two-proportion test, 8/40 → 20/40).
    assert item.worsening is True and item.trend == "worsening"
    assert (item.previous_n, item.previous_dissatisfied) == (40, 8)


def test_steady_bad_share_is_critical_but_not_worsening(cycle, carousel, week):
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=40, dissatisfied=20)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    item = review_week_open(cycle=cycle, week_start=week)[0]

    assert item.worsening is False and item.trend == "steady"


def test_owner_defaults_to_the_moments_owner_when_they_lead_a_team(cycle, moment, carousel, team_lead, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    items = review_week_open(cycle=cycle, week_start=week)

    assert {item.owner_id for item in items} == {team_lead.pk}


def test_a_viewer_owning_the_moment_is_not_made_owner_of_the_item(cycle, organization, week):
    viewer = MembershipFactory(organization=organization, role=Membership.Role.VIEWER).user
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, owner=viewer))
    add_ratings(touchpoint, week_start=week, n=40, dissatisfied=20)

    items = review_week_open(cycle=cycle, week_start=week)

    assert items and all(item.owner_id is None for item in items)


def test_the_owner_of_last_weeks_item_keeps_it(cycle, organization, carousel, week):
    other_lead = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=40, dissatisfied=20)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=1))
    ReviewItem.objects.update(owner=other_lead)

    items = review_week_open(cycle=cycle, week_start=week)

    assert {item.owner_id for item in items} == {other_lead.pk}


def test_weeks_are_counted_in_the_cycles_time_zone(cycle, carousel, week):
    madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    sunday_late = dt.datetime.combine(week + dt.timedelta(days=6), dt.time(23, 30), tzinfo=madrid)
    next_monday_early = dt.datetime.combine(week + dt.timedelta(days=7), dt.time(0, 30), tzinfo=madrid)
    # 20 bad ratings late on the local Sunday (belongs to the week) and 20 early on
    # the next local Monday, which is still Sunday in UTC (must not be counted).
    add_ratings(carousel, week_start=week, n=20, dissatisfied=0)
    Rating.objects.bulk_create([
        Rating(organization=carousel.organization, touchpoint=carousel, scale="csat5", score=1, normalized=0,
               dissatisfied=True, occurred_at=when)
        for when in [sunday_late] * 20 + [next_monday_early] * 20
    ])

    items = review_week_open(cycle=cycle, week_start=week)

    assert [(item.n, item.dissatisfied) for item in items] == [(40, 20)]


def test_items_are_scoped_to_the_cycle_and_organization(cycle, carousel, week, other_organization):
    from tests.factories import ServiceCycleFactory

    other_cycle = ServiceCycleFactory(organization=other_organization)
    other_touchpoint = TouchpointFactory(moment=MomentFactory(cycle=other_cycle))
    add_ratings(other_touchpoint, week_start=week, n=40, dissatisfied=30)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    items = review_week_open(cycle=cycle, week_start=week)

    assert {item.organization_id for item in items} == {cycle.organization_id}
    assert {item.cycle_id for item in items} == {cycle.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_one_week_open_each_item_once(require_postgres, cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(len(review_week_open(cycle=cycle, week_start=week)))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(results) == 1
    assert ReviewItem.objects.count() == 1
    assert ReviewEvent.objects.filter(kind="opened").count() == 1
