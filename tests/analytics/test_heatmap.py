import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from analytics import selectors, services
from analytics.models import HeatmapSnapshot
from analytics.periods import MAX_PERIOD_DAYS, Period, last_weeks, period_parse
from tests.factories import (
    MomentFactory,
    RatingFactory,
    SegmentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db
UTC = dt.UTC
TODAY = dt.date(2026, 11, 23)  # a Monday
PERIOD = last_weeks(weeks=4, today=TODAY)  # 2026-11-02 .. 2026-11-23


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def _rate(touchpoint, day, *, bad: int, good: int, **extra):
    for _ in range(bad):
        RatingFactory(touchpoint=touchpoint, score=1, occurred_at=_at(day), **extra)
    for _ in range(good):
        RatingFactory(touchpoint=touchpoint, score=5, occurred_at=_at(day), **extra)


@pytest.fixture
def cycle():
    return ServiceCycleFactory(timezone="UTC", min_sample=20, critical_share=0.25)


def _build(cycle, dimension="weeks", period=PERIOD):
    services.rollups_refresh()
    return services.heatmap_data_build(cycle=cycle, dimension=dimension, period=period)


def test_a_small_bad_sample_is_never_critical(cycle):
    lounge = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(lounge, dt.date(2026, 11, 10), bad=12, good=0)
    data = _build(cycle)
    total = data["rows"][0]["total"]
    assert (total["n"], total["d"], total["critical"]) == (12, 12, False)
    assert data["critical_moments"] == []
    assert data["empty"] == "too_few"


def test_a_large_bad_sample_is_critical_with_wilson_bounds(cycle):
    kiosk = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(kiosk, dt.date(2026, 11, 10), bad=20, good=20)
    data = _build(cycle)
    total = data["rows"][0]["total"]
    assert total["critical"] and total["share"] == 0.5
    assert total["low"] == pytest.approx(0.3519, abs=1e-4)
    assert total["high"] == pytest.approx(0.6481, abs=1e-4)
    week_cells = {column["key"]: cell for column, cell in zip(data["columns"], data["rows"][0]["cells"], strict=False)}
    assert week_cells["2026-W46"]["n"] == 40 and week_cells["2026-W45"]["n"] == 0
    assert week_cells["2026-W45"]["share"] is None


def test_week_columns_flag_worsening_against_the_previous_week(cycle):
    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(tp, dt.date(2026, 11, 3), bad=5, good=95)   # W45: 5 %
    _rate(tp, dt.date(2026, 11, 10), bad=50, good=50)  # W46: 50 %
    _rate(tp, dt.date(2026, 11, 17), bad=48, good=52)  # W47: 48 %, not worse
    data = _build(cycle)
    cells = dict(zip([c["key"] for c in data["columns"]], data["rows"][0]["cells"], strict=False))
    assert [c["key"] for c in data["columns"]] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert not cells["2026-W45"]["worsening"]
    assert cells["2026-W46"]["worsening"] and cells["2026-W46"]["critical"]
    assert not cells["2026-W47"]["worsening"]


def test_the_first_week_column_has_no_earlier_column_so_no_worsening_mark(cycle):
    # Issue 13, item 5: ▲ means "rose against the previous column"; the week
    # before the period is not on screen, so the first column compares with nothing.
    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(tp, dt.date(2026, 10, 27), bad=2, good=98)  # W44, before the period
    _rate(tp, dt.date(2026, 11, 3), bad=40, good=60)
    first = _build(cycle)["rows"][0]["cells"][0]
    assert (first["trend"], first["worsening"], first["previous_n"]) == ("no_earlier_data", None, None)


def test_channel_and_segment_columns_compare_with_the_previous_period(cycle):
    moment = MomentFactory(cycle=cycle)
    web = TouchpointFactory(moment=moment, channel="web")
    kiosk = TouchpointFactory(moment=moment, channel="kiosk")
    business = SegmentFactory(organization=cycle.organization, name="Business")
    previous_day, current_day = PERIOD.previous.start + dt.timedelta(days=3), PERIOD.start + dt.timedelta(days=3)
    _rate(kiosk, previous_day, bad=5, good=95, segment=business)
    _rate(kiosk, current_day, bad=60, good=40, segment=business)
    _rate(web, current_day, bad=5, good=95)
    channels = _build(cycle, "channels")
    assert [c["key"] for c in channels["columns"]] == ["web", "kiosk"]
    web_cell, kiosk_cell = channels["rows"][0]["cells"]
    assert (web_cell["n"], kiosk_cell["n"]) == (100, 100)
    assert kiosk_cell["worsening"] and kiosk_cell["critical"] and not web_cell["critical"]
    segments = services.heatmap_data_build(cycle=cycle, dimension="segments", period=PERIOD)
    assert [c["key"] for c in segments["columns"]] == [f"s{business.pk}", "none"]
    business_cell, none_cell = segments["rows"][0]["cells"]
    assert (business_cell["n"], business_cell["worsening"], none_cell["n"]) == (100, True, 100)


def test_critical_moments_are_ordered_by_severity_with_reach_and_fcr(cycle):
    organization = cycle.organization
    organization.wom_share_telling, organization.wom_people_told = 0.5, 10
    organization.save()
    small = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Small", protocol="Call back"))
    large = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Large"))
    healthy = TouchpointFactory(moment=large.moment)
    day = dt.date(2026, 11, 10)
    _rate(small, day, bad=20, good=10, first_contact_resolved=True)
    _rate(small, day, bad=0, good=10, first_contact_resolved=False)
    _rate(large, day, bad=90, good=60)
    _rate(healthy, day, bad=5, good=400)
    data = _build(cycle)
    names = [item["name"] for item in data["critical_moments"]]
    assert names == ["Large", "Small"]
    large_item, small_item = data["critical_moments"]
    # "Large" as a whole is diluted below the threshold; its touchpoint is critical.
    assert not large_item["moment_critical"]
    assert [tp["id"] for tp in large_item["critical_touchpoints"]] == [large.pk]
    assert large_item["reach"] == pytest.approx(90 * 0.5 * 10)
    assert small_item["protocol"] == "Call back"
    assert small_item["total"]["fcr_rate"] == pytest.approx(30 / 40)
    assert large_item["total"]["fcr_rate"] is None


def test_snapshot_is_computed_from_rollups_not_raw_ratings(cycle):
    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(tp, dt.date(2026, 11, 10), bad=10, good=20)
    services.rollups_refresh()
    Rating.objects.all().delete()  # rollups keep the counts; a raw scan would now see nothing
    snapshot = services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=PERIOD)
    assert snapshot.data["n"] == 30 and snapshot.status == HeatmapSnapshot.Status.READY


def test_snapshot_is_replaced_not_duplicated_and_goes_stale_with_new_ratings(cycle):
    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(tp, dt.date(2026, 11, 10), bad=1, good=1)
    services.rollups_refresh()
    first = services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=PERIOD)
    structure = services.cycle_structure(cycle=cycle, dimension="weeks")
    stored = selectors.heatmap_snapshot_get(cycle=cycle, dimension="weeks", period=PERIOD)
    assert selectors.snapshot_is_fresh(snapshot=stored, signature=structure.signature)
    _rate(tp, dt.date(2026, 11, 11), bad=1, good=0)
    services.rollups_refresh()
    stored = selectors.heatmap_snapshot_get(cycle=cycle, dimension="weeks", period=PERIOD)
    assert not selectors.snapshot_is_fresh(snapshot=stored, signature=structure.signature)
    second = services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=PERIOD)
    assert second.pk == first.pk and second.data["n"] == 3
    assert HeatmapSnapshot.objects.count() == 1


def test_selectors_for_other_pages_read_the_newest_default_snapshot(cycle):
    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    empty = MomentFactory(cycle=cycle)
    assert selectors.latest_moment_shares(cycle=cycle) == {}
    assert selectors.critical_count(cycle=cycle) == 0
    for _ in range(30):
        RatingFactory(touchpoint=tp, score=1, occurred_at=timezone.now() - dt.timedelta(hours=1))
    services.rollups_refresh()
    services.heatmaps_refresh_cycle(cycle_id=cycle.pk)
    assert selectors.latest_moment_shares(cycle=cycle) == {tp.moment_id: 1.0, empty.pk: None}
    assert selectors.critical_count(cycle=cycle) == 1
    other = ServiceCycleFactory()
    assert selectors.critical_counts(cycle_ids=[cycle.pk, other.pk]) == {cycle.pk: 1, other.pk: 0}


@pytest.mark.parametrize(("params", "message"), [
    ({"weeks": "60"}, "too long"),
    ({"weeks": "0"}, "at least one week"),
    ({"weeks": "eight"}, "whole number"),
    ({"start": "2026-11-10", "end": "2026-11-01"}, "ends before"),
    ({"start": "2026-11-10"}, "both start and end"),
    ({"start": "2025-01-01", "end": "2026-11-01"}, "too long"),
])
def test_bad_periods_are_refused_with_a_message(params, message):
    with pytest.raises(ValidationError) as error:
        period_parse(params=params, today=TODAY)
    assert message in " ".join(error.value.messages)


def test_longest_allowed_period_is_accepted():
    start = TODAY - dt.timedelta(days=MAX_PERIOD_DAYS - 1)
    period = period_parse(params={"start": start.isoformat(), "end": TODAY.isoformat()}, today=TODAY)
    assert period == Period(start=start, end=TODAY) and period.previous.days == MAX_PERIOD_DAYS


def test_a_short_periods_total_compares_with_the_previous_days_only(cycle):
    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    period = Period(start=dt.date(2026, 11, 11), end=dt.date(2026, 11, 13))  # Wed..Fri of W46
    assert period.previous.start == dt.date(2026, 11, 8)  # Sun of W45: the lookback week reaches further back
    _rate(tp, dt.date(2026, 11, 3), bad=2, good=98)  # W45, before the previous period
    _rate(tp, dt.date(2026, 11, 9), bad=1, good=9)  # Mon of W46, in the previous period
    _rate(tp, dt.date(2026, 11, 12), bad=40, good=60)
    data = _build(cycle, period=period)
    row = data["rows"][0]
    assert [column["key"] for column in data["columns"]] == ["2026-W46"]
    assert row["cells"][0]["n"] == 100 and row["cells"][0]["worsening"] is None, "no column before W46"
    assert row["total"]["n"] == 100
    assert row["total"]["previous_n"] == 10, "the previous period is Sun..Tue only"
    assert row["total"]["trend"] == "no_earlier_data", "10 ratings before: too few to compare"


@pytest.mark.parametrize("dimension", ["weeks", "channels", "segments"])
def test_a_snapshot_reads_the_rollups_once_and_never_loads_the_old_snapshot(cycle, dimension):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    _rate(tp, dt.date(2026, 11, 10), bad=3, good=30)
    services.rollups_refresh()
    services.heatmap_snapshot_compute(cycle=cycle, dimension=dimension, period=PERIOD)
    with CaptureQueriesContext(connection) as queries:
        snapshot = services.heatmap_snapshot_compute(cycle=cycle, dimension=dimension, period=PERIOD)
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([q for q in sql if "analytics_dailyrollup" in q]) == 1, sql
    assert not [q for q in sql if q.startswith("SELECT") and "analytics_heatmapsnapshot" in q], sql
    assert snapshot.data["n"] == 33 and HeatmapSnapshot.objects.get().pk == snapshot.pk


def test_week_columns_follow_iso_weeks_across_a_53_week_year(cycle):
    tp = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    period = Period(start=dt.date(2026, 12, 23), end=dt.date(2027, 1, 6))  # Wed of W52 .. Wed of 2027-W01
    _rate(tp, dt.date(2026, 12, 16), bad=1, good=1)  # W51: before the period, in no column
    _rate(tp, dt.date(2026, 12, 27), bad=1, good=2)  # Sun of W52
    _rate(tp, dt.date(2026, 12, 28), bad=1, good=3)  # Mon of W53
    _rate(tp, dt.date(2027, 1, 3), bad=1, good=4)  # Sun of W53, already in 2027
    _rate(tp, dt.date(2027, 1, 4), bad=1, good=5)  # Mon of 2027-W01
    data = _build(cycle, period=period)
    assert [column["key"] for column in data["columns"]] == ["2026-W52", "2026-W53", "2027-W01"]
    assert [cell["n"] for cell in data["rows"][0]["cells"]] == [3, 9, 6]
    assert [cell["trend"] for cell in data["rows"][0]["cells"]] == ["no_earlier_data"] * 3  # first; then too few


def test_snapshot_data_round_trips_unchanged(cycle):
    data = {"rows": [{"name": "Facturación ✈", "share": 0.1428571428571428, "mean": None, "cells": [1, 2.5e-7]}],
            "empty": None, "n": 2**53, "flags": [True, False]}
    snapshot = HeatmapSnapshot.objects.create(cycle=cycle, dimension="weeks", period_start=PERIOD.start,
                                              period_end=PERIOD.end, computed_at=timezone.now(), data=data)
    assert HeatmapSnapshot.objects.get(pk=snapshot.pk).data == data
    assert HeatmapSnapshot.objects.values_list("data", flat=True).get(pk=snapshot.pk) == data
    assert HeatmapSnapshot.objects.filter(data__empty=None, data__n=2**53).count() == 1
