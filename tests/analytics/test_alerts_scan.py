"""The alert scan (analytics.services.alerts): from the rollups of the last 7 local days,
one open alert per subject, closings with their reasons, a handful of queries."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import services, stats
from analytics.models import Alert
from journeys.services import moment_remove
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.models import Rating
from touchpoints.services import touchpoint_remove

from .alert_data import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization, timezone="Europe/Madrid", min_sample=20,
                               critical_share=0.25)


@pytest.fixture
def baggage(cycle):
    return TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"), name="Carousel")


@pytest.fixture
def noisy(cycle):
    """Four moments with ordinary, noisy shares (none critical)."""
    return [TouchpointFactory(moment=MomentFactory(cycle=cycle, name=f"Moment {index}")) for index in range(4)]


def scan(**kwargs):
    services.rollups_refresh()
    return services.alerts_scan(**kwargs)


def test_one_critical_moment_among_noisy_ones_opens_exactly_one_alert(cycle, baggage, noisy):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=2)
    for index, touchpoint in enumerate(noisy):
        add_ratings(touchpoint, n=60, dissatisfied=8 + 3 * index, days_ago=3)
    result = scan()
    alert = Alert.objects.get()
    assert result.opened == [alert.pk]
    assert (alert.subject, alert.moment_id, alert.touchpoint_id) == ("moment", baggage.moment_id, None)
    assert (alert.n, alert.dissatisfied, alert.moment_name, alert.cycle_id) == (100, 55, "Baggage claim", cycle.pk)
    today = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=1))).date()  # Madrid in December
    assert (alert.window_start, alert.window_end) == (today - dt.timedelta(days=6), today)
    assert alert.p_value == pytest.approx(stats.binomial_p_value_above(55, 100, 0.25)) and alert.is_open
    assert (alert.min_sample, alert.critical_share) == (20, 0.25)


def test_rescanning_never_opens_a_second_alert_and_keeps_the_figures_current(cycle, baggage):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=2)
    first = scan()
    add_ratings(baggage, n=20, dissatisfied=15, days_ago=1)
    again = scan()
    assert again.opened == [] and again.closed == []
    alert = Alert.objects.get()
    assert alert.pk == first.opened[0]
    assert (alert.n, alert.latest_n, alert.latest_dissatisfied) == (100, 120, 70)


def test_the_database_refuses_a_second_open_alert_for_one_subject(cycle, baggage):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=2)
    scan()
    alert = Alert.objects.get()
    alert.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        alert.save()
    alert.closed_at, alert.close_reason = timezone.now(), Alert.CloseReason.RECOVERED
    alert.save()  # a closed one beside the open one is history, not a duplicate
    assert Alert.objects.count() == 2


def test_a_moment_that_recovers_closes_its_alert(cycle, baggage):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=3)
    scan()
    add_ratings(baggage, n=900, dissatisfied=0, days_ago=1)  # 55 of 1,000: upper bound 7.1 %
    result = scan()
    alert = Alert.objects.get()
    assert result.closed == [alert.pk]
    assert (alert.close_reason, alert.latest_n, alert.latest_dissatisfied) == ("recovered", 1000, 55)
    assert alert.closed_at is not None


def test_an_alert_closes_after_seven_days_without_being_critical(cycle, baggage):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=1)
    scan()
    later = timezone.now() + dt.timedelta(days=6)
    assert services.alerts_scan(now=later).closed == []  # the window still holds the bad day
    quiet = timezone.now() + dt.timedelta(days=15)  # the window is empty since day 7
    result = services.alerts_scan(now=quiet)
    alert = Alert.objects.get()
    assert result.closed == [alert.pk] and alert.close_reason == "quiet"
    assert alert.latest_n == 0


def test_a_cycle_without_touchpoints_and_a_window_without_ratings_open_nothing(organization):
    bare = ServiceCycleFactory(organization=organization)
    MomentFactory(cycle=bare)
    empty = ServiceCycleFactory(organization=organization)
    TouchpointFactory(moment=MomentFactory(cycle=empty))
    result = services.alerts_scan(cycle_ids=[bare.pk, empty.pk])
    assert result.opened == [] and result.subjects == 3
    assert services.alerts_scan(cycle_ids=[]).subjects == 0


def test_ratings_outside_the_rolling_seven_local_days_do_not_count(organization):
    # Auckland is 13 hours ahead of UTC in December: its days are not the server's.
    far = ServiceCycleFactory(organization=organization, timezone="Pacific/Auckland")
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=far))
    add_ratings(touchpoint, n=100, dissatisfied=60, days_ago=7, hour=1)
    assert scan(cycle_ids=[far.pk]).opened == []
    add_ratings(touchpoint, n=100, dissatisfied=60, days_ago=6, hour=1)
    opened = scan(cycle_ids=[far.pk]).opened
    assert Alert.objects.get(pk__in=opened).n == 100


def test_deleting_the_moment_closes_its_alert_with_that_reason(cycle, baggage, django_capture_on_commit_callbacks):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=2)
    scan()
    with django_capture_on_commit_callbacks(execute=True):
        moment_remove(moment=baggage.moment)
    alert = Alert.objects.get()
    assert (alert.close_reason, alert.moment_id, alert.moment_name) == ("moment_deleted", None, "Baggage claim")


def test_deleting_the_touchpoint_closes_its_alert_with_that_reason(cycle, django_capture_on_commit_callbacks):
    moment = MomentFactory(cycle=cycle, name="Check-in")
    kiosk = TouchpointFactory(moment=moment, name="Kiosk")
    desk = TouchpointFactory(moment=moment, name="Desk")
    add_ratings(kiosk, n=100, dissatisfied=60, days_ago=2)
    add_ratings(desk, n=400, dissatisfied=10, days_ago=2)  # the moment as a whole is fine
    scan()
    alert = Alert.objects.get()
    assert (alert.subject, alert.touchpoint_name) == ("touchpoint", "Kiosk")
    with django_capture_on_commit_callbacks(execute=True):
        touchpoint_remove(touchpoint=kiosk)
    alert.refresh_from_db()
    assert (alert.close_reason, alert.touchpoint_id, alert.moment_id) == ("touchpoint_deleted", None, moment.pk)


def test_the_refresh_task_runs_the_scan(cycle, baggage):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=2)
    result = services.rollups_refresh_and_fan_out()
    assert result.cycle_ids == [cycle.pk]
    assert Alert.objects.filter(moment=baggage.moment, closed_at__isnull=True).count() == 1


def test_the_scan_reads_rollups_only_in_a_handful_of_queries(cycle, baggage, noisy):
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=2)
    for touchpoint in noisy:
        add_ratings(touchpoint, n=60, dissatisfied=10, days_ago=3)
    services.rollups_refresh()
    with CaptureQueriesContext(connection) as opening:
        services.alerts_scan(cycle_ids=[cycle.pk])
    with CaptureQueriesContext(connection) as steady:
        services.alerts_scan(cycle_ids=[cycle.pk])
    for more in range(10):  # more moments and touchpoints: the same queries
        TouchpointFactory(moment=MomentFactory(cycle=cycle, name=f"Extra {more}"))
    with CaptureQueriesContext(connection) as bigger:
        services.alerts_scan(cycle_ids=[cycle.pk])
    ratings = Rating._meta.db_table
    for captured in (opening, steady, bigger):
        assert not [query for query in captured.captured_queries if ratings in query["sql"]]
    # cycles, structure, the window's GROUP BY, the open alerts (locked), their figures, the insert;
    # plus the savepoint around the writes.
    assert len(opening.captured_queries) <= 8, [query["sql"][:80] for query in opening.captured_queries]
    assert len(steady.captured_queries) <= 7, [query["sql"][:80] for query in steady.captured_queries]
    assert len(bigger.captured_queries) == len(steady.captured_queries)


def test_a_scan_covers_every_cycle_of_the_organizations_it_was_given(organization, cycle, baggage):
    other = ServiceCycleFactory(organization=organization)
    TouchpointFactory(moment=MomentFactory(cycle=other))
    add_ratings(baggage, n=100, dissatisfied=55, days_ago=2)
    services.rollups_refresh()
    result = services.alerts_scan(cycle_ids=[other.pk])
    assert sorted(result.cycle_ids) == sorted([cycle.pk, other.pk])
    assert len(result.opened) == 1


@pytest.mark.django_db(transaction=True)
def test_two_racing_scans_open_one_alert(require_postgres, organization, monkeypatch):
    cycle = ServiceCycleFactory(organization=organization, timezone="Europe/Madrid")
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"))
    add_ratings(touchpoint, n=100, dissatisfied=55, days_ago=2)
    services.rollups_refresh()
    from analytics.services import alerts as alert_service

    both_decided = threading.Barrier(2, timeout=20)
    decide = alert_service.decide

    def decide_together(*args, **kwargs):
        decisions = decide(*args, **kwargs)
        both_decided.wait()  # both have read "no open alert" before either inserts
        return decisions

    monkeypatch.setattr(alert_service, "decide", decide_together)
    results: list = []
    errors: list = []

    def run():
        try:
            results.append(services.alerts_scan(cycle_ids=[cycle.pk]))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(len(result.opened) for result in results) == [0, 1]
    assert Alert.objects.filter(closed_at__isnull=True).count() == 1
