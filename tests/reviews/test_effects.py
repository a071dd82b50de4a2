"""Did the fix work? The effect of a review item's fix, from the daily rollups (issue 16, item 4)."""

from __future__ import annotations

import datetime as dt
import doctest

import pytest

from analytics import stats
from reviews import effects
from reviews.effects import review_items_effects
from reviews.models import ReviewItem, ReviewStatus
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from tests.reviews.effect_support import chi_square_z, fix, item_of, local, rate, refreshed, today

pytestmark = pytest.mark.django_db


def test_the_modules_examples_hold():
    assert doctest.testmod(effects).failed == 0


@pytest.fixture
def days(cycle):
    """The fix's days: planned 20 days ago, done 12 days ago (local)."""
    now = today(cycle)
    return {"planned": now - dt.timedelta(days=20), "done": now - dt.timedelta(days=12), "today": now}


def test_an_item_with_no_action_done_that_is_not_resolved_has_no_effect_and_costs_no_query(
        moment, carousel, cycle, days, django_assert_num_queries):
    item = fix(item_of(moment), planned=local(cycle, days["planned"]))
    with django_assert_num_queries(0):
        assert review_items_effects(items=[item]) == {item.pk: None}


def test_a_fix_that_halved_the_dissatisfied_share_improved(moment, carousel, lost_desk, cycle, days):
    rate(carousel, at=local(cycle, days["planned"] - dt.timedelta(days=5)), n=150, dissatisfied=65)
    rate(lost_desk, at=local(cycle, days["planned"] - dt.timedelta(days=27)), n=50, dissatisfied=21)
    rate(carousel, at=local(cycle, days["done"] + dt.timedelta(days=3)), n=100, dissatisfied=21)
    refreshed()
    item = fix(item_of(moment), planned=local(cycle, days["planned"], 10), done=local(cycle, days["done"], 16))

    effect = review_items_effects(items=[item])[item.pk]

    before, after = effect["before"], effect["after"]
    assert (before["n"], before["d"], after["n"], after["d"]) == (200, 86, 100, 21)
    assert before["share"] == pytest.approx(0.43) and after["share"] == pytest.approx(0.21)
    assert (before["low"], before["high"]) == pytest.approx(stats.wilson_interval(86, 200))
    assert (after["low"], after["high"]) == pytest.approx(stats.wilson_interval(21, 100))
    # The windows: the 28 days before the day it was planned; the day after it was done up to today.
    assert (before["start"], before["end"]) == (days["planned"] - dt.timedelta(days=28),
                                                days["planned"] - dt.timedelta(days=1))
    assert (after["start"], after["end"]) == (days["done"] + dt.timedelta(days=1), days["today"])
    # Independently: Pearson's χ² of the 2 × 2 table is z²; by hand z = −0.22 / 0.05867 = −3.75.
    assert effect["z"] == pytest.approx(chi_square_z(86, 200, 21, 100), abs=1e-9)
    assert effect["z"] == pytest.approx(-3.750, abs=1e-3)
    assert effect["verdict"] == "improved"


@pytest.mark.parametrize(("after_n", "after_d", "verdict"), [
    (100, 43, "no_change"),  # the same share
    (100, 60, "worse"),  # 43 % → 60 %: z = 0.17 / 0.06122 = 2.78
    (19, 0, "too_early"),  # none dissatisfied, but one rating short of min_sample (20)
    (20, 0, "improved"),  # at min_sample the test speaks: z = −0.43 / 0.11444 = −3.76
])
def test_the_verdict_follows_the_z_test_once_enough_ratings_came_after(
        moment, carousel, cycle, days, after_n, after_d, verdict):
    rate(carousel, at=local(cycle, days["planned"] - dt.timedelta(days=1), 23, 30), n=200, dissatisfied=86)
    rate(carousel, at=local(cycle, days["today"], 0, 1), n=after_n, dissatisfied=after_d)
    refreshed()
    item = fix(item_of(moment), planned=local(cycle, days["planned"]), done=local(cycle, days["done"]))

    effect = review_items_effects(items=[item])[item.pk]

    assert (effect["after"]["n"], effect["verdict"]) == (after_n, verdict)
    assert effect["z"] == pytest.approx(chi_square_z(86, 200, after_d, after_n), abs=1e-9)


def test_ratings_on_the_days_of_the_fix_count_on_neither_side_and_days_are_the_cycles(moment, carousel, days):
    """Planned at 00:30 in Madrid (23:30 UTC the day before): a rating at 00:10 Madrid is on the day the fix
    started (not before it, though it is the day before in UTC); one at 23:50 Madrid the evening before is."""
    cycle = moment.cycle
    planned = local(cycle, days["planned"], 0, 30)
    rate(carousel, at=local(cycle, days["planned"] - dt.timedelta(days=1), 23, 50), n=3, dissatisfied=1)
    rate(carousel, at=local(cycle, days["planned"], 0, 10), n=5, dissatisfied=5)
    rate(carousel, at=local(cycle, days["done"], 12), n=7, dissatisfied=7)
    rate(carousel, at=local(cycle, days["done"] + dt.timedelta(days=1), 0, 5), n=2, dissatisfied=0)
    refreshed()
    item = fix(item_of(moment), planned=planned, done=local(cycle, days["done"], 9))

    effect = review_items_effects(items=[item])[item.pk]

    assert (effect["before"]["n"], effect["before"]["d"]) == (3, 1)
    assert (effect["after"]["n"], effect["after"]["d"]) == (2, 0)


def test_a_touchpoints_item_counts_its_touchpoint_and_a_moments_item_the_whole_moment(
        moment, carousel, lost_desk, gate, cycle, days):
    for touchpoint, dissatisfied in ((carousel, 10), (lost_desk, 4), (gate, 9)):
        rate(touchpoint, at=local(cycle, days["planned"] - dt.timedelta(days=3)), n=30, dissatisfied=dissatisfied)
    refreshed()
    moment_item = fix(item_of(moment), planned=local(cycle, days["planned"]), done=local(cycle, days["done"]))
    desk_item = fix(item_of(moment, touchpoint=lost_desk, week_start=dt.date(2026, 1, 12)),
                    planned=local(cycle, days["planned"]), done=local(cycle, days["done"]))

    found = review_items_effects(items=[moment_item, desk_item])

    assert (found[moment_item.pk]["before"]["n"], found[moment_item.pk]["before"]["d"]) == (60, 14)
    assert (found[desk_item.pk]["before"]["n"], found[desk_item.pk]["before"]["d"]) == (30, 4)


def test_resolved_without_actions_compares_around_the_moment_it_was_resolved(moment, carousel, cycle, days):
    rate(carousel, at=local(cycle, days["done"] - dt.timedelta(days=2)), n=40, dissatisfied=20)
    rate(carousel, at=local(cycle, days["done"] + dt.timedelta(days=2)), n=40, dissatisfied=4)
    refreshed()
    item = item_of(moment)
    ReviewItem.objects.filter(pk=item.pk).update(status=ReviewStatus.RESOLVED, closed_at=local(cycle, days["done"]))
    item = ReviewItem.objects.select_related("cycle").prefetch_related("actions").get(pk=item.pk)

    effect = review_items_effects(items=[item])[item.pk]

    assert effect["before"]["end"] == days["done"] - dt.timedelta(days=1)
    assert effect["after"]["start"] == days["done"] + dt.timedelta(days=1)
    assert (effect["before"]["n"], effect["after"]["n"], effect["verdict"]) == (40, 40, "improved")


def test_resolved_with_no_action_done_runs_from_the_first_action_to_the_resolution(moment, carousel, cycle, days):
    item = fix(item_of(moment), planned=local(cycle, days["planned"]), resolved=local(cycle, days["done"]))
    effect = review_items_effects(items=[item])[item.pk]
    assert effect["before"]["end"] == days["planned"] - dt.timedelta(days=1)
    assert effect["after"]["start"] == days["done"] + dt.timedelta(days=1)


def test_a_reopened_item_without_a_done_action_has_no_effect_any_more(moment, carousel, cycle, days):
    item = fix(item_of(moment), planned=local(cycle, days["planned"]), resolved=local(cycle, days["done"]))
    ReviewItem.objects.filter(pk=item.pk).update(status=ReviewStatus.OPEN, closed_at=None)
    item.refresh_from_db()
    assert review_items_effects(items=[item])[item.pk] is None


def test_the_after_window_stops_four_weeks_after_the_fix(moment, carousel, cycle):
    now = today(cycle)
    done = now - dt.timedelta(days=40)
    rate(carousel, at=local(cycle, done + dt.timedelta(days=28)), n=25, dissatisfied=5)
    rate(carousel, at=local(cycle, done + dt.timedelta(days=29)), n=25, dissatisfied=25)  # too late to count
    refreshed()
    item = fix(item_of(moment), planned=local(cycle, done - dt.timedelta(days=3)), done=local(cycle, done))

    after = review_items_effects(items=[item])[item.pk]["after"]

    assert (after["start"], after["end"]) == (done + dt.timedelta(days=1), done + dt.timedelta(days=28))
    assert (after["n"], after["d"]) == (25, 5)


def test_a_fix_done_today_has_an_empty_after_window_and_is_too_early(moment, carousel, cycle, days,
                                                                      django_assert_max_num_queries):
    rate(carousel, at=local(cycle, days["planned"] - dt.timedelta(days=2)), n=40, dissatisfied=30)
    refreshed()
    item = fix(item_of(moment), planned=local(cycle, days["planned"]), done=local(cycle, days["today"], 0, 5))

    with django_assert_max_num_queries(1):
        effect = review_items_effects(items=[item])[item.pk]

    assert effect["after"]["end"] == effect["after"]["start"] - dt.timedelta(days=1) == days["today"]
    assert (effect["after"]["n"], effect["after"]["share"], effect["verdict"]) == (0, None, "too_early")
    assert (effect["after"]["low"], effect["after"]["high"]) == (0.0, 1.0)


def test_no_ratings_before_the_fix_is_no_change_once_enough_came_after(moment, carousel, cycle, days):
    """Nothing to compare with: the z-test is 0, never a claimed improvement."""
    rate(carousel, at=local(cycle, days["done"] + dt.timedelta(days=1)), n=30, dissatisfied=0)
    refreshed()
    item = fix(item_of(moment), planned=local(cycle, days["planned"]), done=local(cycle, days["done"]))
    effect = review_items_effects(items=[item])[item.pk]
    assert (effect["before"]["n"], effect["before"]["share"], effect["z"], effect["verdict"]) == (
        0, None, 0.0, "no_change")


def test_every_items_effect_is_one_query_whatever_their_number_and_time_zones(
        organization, moment, carousel, cycle, days, django_assert_num_queries):
    tokyo = ServiceCycleFactory(organization=organization, timezone="Asia/Tokyo", min_sample=5)
    kiosk = TouchpointFactory(moment=MomentFactory(cycle=tokyo, name="Check-in"), name="Kiosk")
    # The kiosk's fix is done at 00:30 in Tokyo, still the day before in Madrid: its own day (3 ratings)
    # counts on neither side only if the windows are Tokyo's days.
    rate(kiosk, at=local(tokyo, days["done"], 12), n=3, dissatisfied=3)
    rate(kiosk, at=local(tokyo, days["done"] + dt.timedelta(days=1), 1, 30), n=6, dissatisfied=6)
    refreshed()
    items = [fix(item_of(moment, week_start=dt.date(2026, 1, 5) + dt.timedelta(weeks=index)),
                 planned=local(cycle, days["planned"]), done=local(cycle, days["done"])) for index in range(8)]
    tokyo_item = fix(item_of(kiosk.moment, touchpoint=kiosk), planned=local(tokyo, days["planned"]),
                     done=local(tokyo, days["done"], 0, 30))

    with django_assert_num_queries(1):
        found = review_items_effects(items=[*items, tokyo_item])

    assert len(found) == 9 and all(found[item.pk]["verdict"] == "too_early" for item in items)
    assert (found[tokyo_item.pk]["after"]["n"], found[tokyo_item.pk]["verdict"]) == (6, "no_change")


def test_only_a_worse_resolved_item_offers_reopening(moment, carousel, cycle, days):
    worse = {"verdict": "worse"}
    item = fix(item_of(moment), planned=local(cycle, days["planned"]), done=local(cycle, days["done"]),
               resolved=local(cycle, days["done"]))
    assert effects.offers_reopening(item, worse)
    assert not effects.offers_reopening(item, {"verdict": "no_change"})
    assert not effects.offers_reopening(item, None)
    item.status = ReviewStatus.ACTION_PLANNED
    assert not effects.offers_reopening(item, worse)


def test_recent_fixes_are_the_items_resolved_or_with_an_action_done_since(moment, carousel, lost_desk, cycle, days):
    since = local(cycle, days["planned"])
    resolved_lately = fix(item_of(moment), planned=local(cycle, days["planned"]), resolved=local(cycle, days["done"]))
    done_lately = fix(item_of(moment, touchpoint=carousel, week_start=dt.date(2026, 1, 12)),
                      planned=local(cycle, days["planned"]), done=local(cycle, days["done"]))
    fix(item_of(moment, touchpoint=lost_desk, week_start=dt.date(2026, 1, 19)),
        planned=local(cycle, days["planned"] - dt.timedelta(days=30)),
        done=local(cycle, days["planned"] - dt.timedelta(days=1)))  # before `since`
    fix(item_of(moment, week_start=dt.date(2026, 1, 26)), planned=local(cycle, days["planned"]))  # nothing done

    found = effects.review_items_fixed_since(cycle=cycle, since=since)

    assert [item.pk for item in found] == [done_lately.pk, resolved_lately.pk]
    assert list(effects.review_items_fixed_since(cycle=cycle, since=since, exclude_ids=[done_lately.pk],
                                                 status="resolved")) == [resolved_lately]


def test_an_item_whose_moment_lost_its_touchpoints_is_too_early_and_the_page_and_api_still_answer(
        client, team_lead, organization, moment, carousel, lost_desk, cycle, days, week):
    from django.urls import reverse

    from reviews.selectors import iso_week_label
    from tests.api_support import member_client

    rate(carousel, at=local(cycle, days["planned"] - dt.timedelta(days=2)), n=40, dissatisfied=30)
    refreshed()
    item = fix(item_of(moment, week_start=week), planned=local(cycle, days["planned"]), done=local(cycle, days["done"]))
    carousel.delete()
    lost_desk.delete()

    effect = review_items_effects(items=[item])[item.pk]
    assert (effect["before"]["n"], effect["after"]["n"], effect["verdict"]) == (0, 0, "too_early")
    client.force_login(team_lead)
    page = client.get(f"{reverse('reviews:week', args=[cycle.pk])}?week={iso_week_label(week)}")
    assert page.status_code == 200 and 'data-effect="too_early"' in page.content.decode()
    answer = member_client(organization).get(f"/api/v1/review-items/{item.pk}/")
    assert answer.status_code == 200 and answer.json()["effect"]["verdict"] == "too_early"
