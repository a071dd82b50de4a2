import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from analytics import services
from analytics.models import CycleRollupState, DailyRollup, RollupWatermark
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.factories import RatingFactory, SegmentFactory, TouchpointFactory
from touchpoints.models import Rating
from touchpoints.services import ratings_record

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _mixed_ratings():
    csat = TouchpointFactory(scale="csat5")
    nps = TouchpointFactory(scale="nps11", moment=csat.moment)
    segment = SegmentFactory(organization=csat.organization)
    base = timezone.now() - dt.timedelta(days=3)
    for index, score in enumerate([1, 2, 3, 4, 5, 5, 2]):
        RatingFactory(touchpoint=csat, score=score, occurred_at=base - dt.timedelta(hours=index * 7),
                      segment=segment if index % 2 else None,
                      first_contact_resolved=[None, True, False][index % 3])
    for index, score in enumerate([0, 6, 7, 8, 9, 10, 10]):
        RatingFactory(touchpoint=nps, score=score, occurred_at=base - dt.timedelta(hours=index * 5))
    return csat, nps, segment


def test_refresh_matches_a_raw_group_by_over_the_ratings():
    _mixed_ratings()
    result = services.rollups_refresh()
    assert result.to_id == Rating.objects.latest("id").id
    assert rollup_rows() == raw_rows()
    totals = DailyRollup.objects.filter(touchpoint__scale="nps11")
    assert sum(row.promoters for row in totals) == 3  # 9, 10, 10
    assert sum(row.detractors for row in totals) == 2  # 0, 6


def test_repeated_refresh_never_double_counts():
    _mixed_ratings()
    services.rollups_refresh()
    before = rollup_rows()
    again = services.rollups_refresh()
    assert again.touchpoint_ids == set() and again.cycle_ids == []
    assert rollup_rows() == before == raw_rows()


def test_only_new_ratings_are_added_and_counts_accumulate():
    csat, _nps, _segment = _mixed_ratings()
    services.rollups_refresh()
    when = timezone.now() - dt.timedelta(days=3)
    RatingFactory(touchpoint=csat, score=1, occurred_at=when)
    RatingFactory(touchpoint=csat, score=1, occurred_at=when)
    result = services.rollups_refresh()
    assert result.touchpoint_ids == {csat.pk}
    assert rollup_rows() == raw_rows()
    assert RollupWatermark.objects.get(name="ratings").last_rating_id == Rating.objects.latest("id").id


def test_day_is_the_local_day_of_the_cycle_time_zone():
    touchpoint = TouchpointFactory(moment__cycle__timezone="Europe/Madrid")
    # 23:30 UTC on 10 January is 00:30 on 11 January in Madrid (UTC+1 in winter),
    # 22:30 UTC on 10 July is 00:30 on 11 July (UTC+2 in summer).
    RatingFactory(touchpoint=touchpoint, occurred_at=dt.datetime(2026, 1, 10, 23, 30, tzinfo=UTC))
    RatingFactory(touchpoint=touchpoint, occurred_at=dt.datetime(2026, 7, 10, 22, 30, tzinfo=UTC))
    RatingFactory(touchpoint=touchpoint, occurred_at=dt.datetime(2026, 7, 10, 21, 30, tzinfo=UTC))
    services.rollups_refresh()
    days = dict(DailyRollup.objects.values_list("day", "n"))
    assert days == {dt.date(2026, 1, 11): 1, dt.date(2026, 7, 11): 1, dt.date(2026, 7, 10): 1}


def test_a_late_rating_lands_in_the_day_it_happened():
    touchpoint = TouchpointFactory(moment__cycle__timezone="UTC")
    RatingFactory(touchpoint=touchpoint, occurred_at=timezone.now())
    services.rollups_refresh()
    old_day = timezone.now() - dt.timedelta(days=40)
    RatingFactory(touchpoint=touchpoint, score=1, occurred_at=old_day)
    services.rollups_refresh()
    late = DailyRollup.objects.get(day=old_day.date())
    assert (late.n, late.dissatisfied) == (1, 1)
    assert rollup_rows() == raw_rows()


def test_refresh_bumps_the_version_of_touched_cycles_only():
    touched = TouchpointFactory()
    untouched = TouchpointFactory()
    services.rollups_refresh()
    RatingFactory(touchpoint=touched)
    result = services.rollups_refresh()
    assert result.cycle_ids == [touched.moment.cycle_id]
    assert CycleRollupState.objects.get(cycle=touched.moment.cycle).version == 1
    assert not CycleRollupState.objects.filter(cycle=untouched.moment.cycle).exists()


def test_rebuild_repairs_rollups_after_ratings_are_deleted():
    csat, nps, _segment = _mixed_ratings()
    services.rollups_refresh()
    Rating.objects.filter(touchpoint=nps).delete()
    assert rollup_rows() != raw_rows()
    result = services.rollups_rebuild(cycle_id=csat.moment.cycle_id)
    assert csat.moment.cycle_id in result.cycle_ids
    assert rollup_rows() == raw_rows()


def test_full_rebuild_takes_every_committed_rating_and_moves_the_watermark():
    _mixed_ratings()
    result = services.rollups_rebuild()  # no refresh ran before: the watermark was 0
    assert rollup_rows() == raw_rows()
    assert result.to_id == Rating.objects.order_by("-id").values_list("id", flat=True).first()
    assert services.rollups_refresh().to_id == result.to_id  # nothing counted twice afterwards
    assert rollup_rows() == raw_rows()


def test_the_products_reference_aggregate_agrees_with_an_independent_one():
    from tests.analytics.helpers import raw_rows, raw_rows_by_the_product

    _mixed_ratings()
    assert raw_rows() and raw_rows_by_the_product() == raw_rows()


def test_full_rebuild_equals_incremental_refresh():
    _mixed_ratings()
    services.rollups_refresh()
    incremental = rollup_rows()
    services.rollups_rebuild()
    assert rollup_rows() == incremental


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_ingest_through_the_service_shows_up_in_rollups_in_eager_mode(django_capture_on_commit_callbacks):
    touchpoint = TouchpointFactory()
    with mock.patch("analytics.tasks.heatmaps_refresh.delay") as heatmaps, \
            django_capture_on_commit_callbacks(execute=True):
        ratings_record(organization=touchpoint.organization, rows=[
            {"touchpoint": touchpoint, "score": 1, "occurred_at": timezone.now()},
            {"touchpoint": touchpoint, "score": 5, "occurred_at": timezone.now()},
        ])
    assert DailyRollup.objects.get(touchpoint=touchpoint).n == 2
    heatmaps.assert_called_once_with(touchpoint.moment.cycle_id)


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, MOMENTO_ROLLUP_DEBOUNCE_SECONDS=30)
def test_ratings_arrived_schedules_one_refresh_for_a_burst():
    services.refresh_pending_clear()
    with mock.patch("analytics.tasks.rollups_refresh.apply_async") as schedule:
        for _ in range(50):
            services.ratings_arrived(organization_id=1)
    schedule.assert_called_once_with(countdown=30, ignore_result=True, task_id=mock.ANY)
    # Once the task starts it releases the key, so later ingests schedule again.
    services.refresh_pending_release(schedule.call_args.kwargs["task_id"])
    with mock.patch("analytics.tasks.rollups_refresh.apply_async") as schedule:
        services.ratings_arrived(organization_id=1)
    schedule.assert_called_once()
    services.refresh_pending_clear()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, MOMENTO_ROLLUP_DEBOUNCE_SECONDS=30)
def test_only_the_scheduled_refresh_lets_ingest_schedule_the_next(django_capture_on_commit_callbacks):
    """Regression: every refresh used to clear the debounce key. Beat's (or "recompute
    now") ran while the debounced one was pending, the next ingest scheduled a second
    one beside it, and under steady ingest both went on scheduling successors: two
    refreshes (and two of every snapshot) per period, one more after each beat tick."""
    services.refresh_pending_clear()
    with mock.patch("analytics.tasks.rollups_refresh.apply_async") as schedule:
        services.ratings_arrived(organization_id=1)
    pending = schedule.call_args.kwargs["task_id"]
    with mock.patch("analytics.tasks.heatmaps_refresh.delay"), mock.patch("analytics.tasks.key_drivers_refresh.delay"), \
            django_capture_on_commit_callbacks(execute=True):
        services.rollups_refresh_and_fan_out()  # beat's
        services.rollups_refresh_and_fan_out(task_id="another-task")
    with mock.patch("analytics.tasks.rollups_refresh.apply_async") as schedule:
        services.ratings_arrived(organization_id=1)
    schedule.assert_not_called()  # the pending task will count these ratings
    with mock.patch("analytics.tasks.heatmaps_refresh.delay"), mock.patch("analytics.tasks.key_drivers_refresh.delay"), \
            django_capture_on_commit_callbacks(execute=True):
        services.rollups_refresh_and_fan_out(task_id=pending)
    with mock.patch("analytics.tasks.rollups_refresh.apply_async") as schedule:
        services.ratings_arrived(organization_id=1)
    schedule.assert_called_once()
    assert schedule.call_args.kwargs["task_id"] != pending
    services.refresh_pending_clear()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_pending_key_without_a_task_id_is_released_by_the_next_refresh():
    # Set by a release that stored the organization's id: no task would ever release it.
    cache.set(services.REFRESH_PENDING_KEY, 7, 60)
    services.refresh_pending_release("any-task")
    assert cache.get(services.REFRESH_PENDING_KEY) is None


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_a_failing_refresh_after_ingest_does_not_fail_the_ingest(caplog):
    with mock.patch("analytics.services.refresh.rollups_refresh", side_effect=RuntimeError("boom")):
        services.ratings_arrived(organization_id=1)
    assert "rollup refresh after ingest failed" in caplog.text


def test_cycles_in_different_time_zones_put_one_instant_on_their_own_local_days():
    # 23:30 UTC on 10 January is already 11 January in Madrid, still the 10th in New York.
    madrid = TouchpointFactory(moment__cycle__timezone="Europe/Madrid")
    new_york = TouchpointFactory(moment__cycle__timezone="America/New_York")
    instant = dt.datetime(2026, 1, 10, 23, 30, tzinfo=dt.UTC)
    RatingFactory(touchpoint=madrid, occurred_at=instant)
    RatingFactory(touchpoint=new_york, occurred_at=instant)
    services.rollups_refresh()
    assert DailyRollup.objects.get(touchpoint=madrid).day == dt.date(2026, 1, 11)
    assert DailyRollup.objects.get(touchpoint=new_york).day == dt.date(2026, 1, 10)
    assert rollup_rows() == raw_rows()
    services.rollups_rebuild()
    assert DailyRollup.objects.get(touchpoint=madrid).day == dt.date(2026, 1, 11)


def test_deleting_a_touchpoint_still_deletes_its_rollups():
    touchpoint = TouchpointFactory()
    ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 2}])
    services.rollups_refresh()
    assert DailyRollup.objects.filter(touchpoint=touchpoint).exists()
    touchpoint.delete()
    assert not DailyRollup.objects.filter(touchpoint_id=touchpoint.pk).exists()


def test_touchpoints_are_dealt_into_slices_of_about_equal_weight(settings, monkeypatch):
    from django.db import connection

    from analytics import rollups

    settings.MOMENTO_ROLLUP_PARALLEL_READS = 2
    monkeypatch.setattr(rollups, "PARALLEL_MIN_RATINGS", 0)
    RatingFactory()
    weights = {1: 900, 2: 500, 3: 400, 4: 10}  # 5 has none yet
    with connection.cursor() as cursor:
        def deal(ids):
            return rollups._touchpoint_slices(cursor, {"low": 0, "high": 10**6}, ids, weights)

        assert deal([1, 2, 3, 4, 5]) == [[1, 4], [2, 3, 5]]  # 910 against 901 ratings
        assert deal([7]) == [[7]]
        settings.MOMENTO_ROLLUP_PARALLEL_READS = 1
        assert deal([1, 2, 3]) == [[1, 2, 3]]
        settings.MOMENTO_ROLLUP_PARALLEL_READS = 2
        monkeypatch.setattr(rollups, "PARALLEL_MIN_RATINGS", 10**7)
        assert deal([1, 2, 3]) == [[1, 2, 3]], "few ratings: one connection reads them"
