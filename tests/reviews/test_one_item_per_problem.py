"""One problem, one item: a critical moment's item carries its critical touchpoints inside it;
a touchpoint opens its own item only where its moment is not critical."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from reviews.models import ReviewEvent, ReviewItem, ReviewItemTouchpoint
from reviews.services import review_week_open
from tests.factories import TouchpointFactory
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


def test_a_critical_moment_opens_one_item_holding_its_critical_touchpoints(cycle, moment, carousel, lost_desk,
                                                                           week):
    healthy_desk = TouchpointFactory(moment=moment, name="Baggage info screen", channel="kiosk")
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=40, dissatisfied=10)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=30, dissatisfied=24)
    add_ratings(healthy_desk, week_start=week, n=30, dissatisfied=1)

    opened = review_week_open(cycle=cycle, week_start=week)

    assert len(opened) == 1
    item = opened[0]
    assert item.touchpoint_id is None and item.moment_id == moment.pk
    assert (item.n, item.dissatisfied) == (100, 45)
    inside = list(item.critical_touchpoints.order_by("-severity"))
    # Hand-computed: 24/30 has Wilson low 0.6269 (severity 18.8), 20/40 has 0.3520 (14.1); the
    # info screen (1/30) is not critical and is not listed.
    assert [row.touchpoint_id for row in inside] == [lost_desk.pk, carousel.pk]
    desk, belt = inside
    assert (desk.n, desk.dissatisfied, desk.previous_n) == (30, 24, 0)
    assert desk.wilson_low == pytest.approx(0.6269, abs=1e-3)
    assert desk.trend == "no_earlier_data" and desk.worsening is None
    assert (belt.n, belt.dissatisfied, belt.previous_n, belt.previous_dissatisfied) == (40, 20, 40, 10)
    assert belt.share == pytest.approx(0.5) and belt.wilson_low == pytest.approx(0.3520, abs=1e-4)
    assert belt.severity == pytest.approx(14.0798, abs=1e-3) and belt.reach == pytest.approx(39.0)
    # 10/40 → 20/40: pooled z = 2.31 > 1.96.
    assert belt.trend == "worsening" and belt.worsening is True
    assert ReviewItem.objects.count() == 1
    assert ReviewEvent.objects.filter(kind="opened").count() == 1


def test_a_touchpoint_gets_its_own_item_only_where_its_moment_is_not_critical(cycle, moment, carousel, lost_desk,
                                                                              week):
    # The carousel is critical (20/40) but the moment as a whole is not (21/140: Wilson low 0.10).
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=100, dissatisfied=1)

    opened = review_week_open(cycle=cycle, week_start=week)

    assert [(item.moment_id, item.touchpoint_id) for item in opened] == [(moment.pk, carousel.pk)]
    assert not ReviewItemTouchpoint.objects.exists()


def test_a_moment_critical_without_a_critical_touchpoint_holds_none(cycle, moment, carousel, lost_desk, week):
    # Each touchpoint alone is too small to judge (15 < min_sample 20); together 30 of 30 are unhappy.
    add_ratings(carousel, week_start=week, n=15, dissatisfied=15)
    add_ratings(lost_desk, week_start=week, n=15, dissatisfied=15)

    opened = review_week_open(cycle=cycle, week_start=week)

    assert [(item.touchpoint_id, item.n) for item in opened] == [(None, 30)]
    assert not opened[0].critical_touchpoints.exists()


def test_the_moments_item_of_the_week_before_is_its_previous_item(cycle, carousel, week):
    for monday in (week - dt.timedelta(weeks=1), week):
        add_ratings(carousel, week_start=monday, n=40, dissatisfied=20)
        review_week_open(cycle=cycle, week_start=monday)

    latest = ReviewItem.objects.get(week_start=week)
    assert latest.touchpoint_id is None and latest.streak == 2
    assert latest.previous.week_start == week - dt.timedelta(weeks=1)
    assert ReviewItem.objects.count() == 2 and ReviewItemTouchpoint.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_open_the_moment_item_and_its_touchpoints_once(require_postgres, cycle, carousel, lost_desk,
                                                                       gate, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=40, dissatisfied=30)
    add_ratings(gate, week_start=week, n=40, dissatisfied=20)
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
    assert sorted(results) == [0, 0, 0, 2]
    assert ReviewItem.objects.count() == 2
    assert ReviewItemTouchpoint.objects.count() == 3
    assert ReviewEvent.objects.filter(kind="opened").count() == 2


def test_the_page_shows_a_moments_critical_touchpoints_inside_its_item(client, team_lead, cycle, moment, carousel,
                                                                       lost_desk, gate, week):
    from django.urls import reverse

    from reviews.selectors import iso_week_label

    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=30, dissatisfied=24)
    add_ratings(gate, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    client.force_login(team_lead)

    html = client.get(reverse("reviews:week", args=[cycle.pk]) + f"?week={iso_week_label(week)}").content.decode()

    assert html.count("data-review-item") == 2
    baggage = ReviewItem.objects.get(moment=moment)
    article = html[html.index(f'id="item-{baggage.pk}"'):].split("</article>")[0]
    assert "Critical touchpoints in this moment" in article
    assert article.index("Lost baggage desk") < article.index("Baggage carousel wait")  # most severe first
    assert "<strong>80\u00a0%</strong> (24 of 30)" in article and "<strong>50\u00a0%</strong> (20 of 40)" in article
    # Boarding's only touchpoint is the whole moment: named once, its figures not repeated.
    boarding = ReviewItem.objects.get(moment=gate.moment)
    other = html[html.index(f'id="item-{boarding.pk}"'):].split("</article>")[0]
    assert "Critical touchpoint: Gate boarding, which had every rating of this moment this week." in other
