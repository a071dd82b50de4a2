"""When alerts open and close (analytics.alert_rules): plain values, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import stats
from analytics.alert_rules import (
    MOMENT,
    MOMENT_DELETED,
    QUIET,
    RECOVERED,
    TOUCHPOINT,
    TOUCHPOINT_DELETED,
    OpenAlert,
    Window,
    decide,
    discoveries,
)

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def moment(moment_id: int, n: int, d: int, *, organization: int = 1, min_sample: int = 20, share: float = 0.25
           ) -> Window:
    return Window(MOMENT, organization, 10, moment_id, None, n, d, min_sample, share)


def touchpoint(touchpoint_id: int, moment_id: int, n: int, d: int, *, organization: int = 1) -> Window:
    return Window(TOUCHPOINT, organization, 10, moment_id, touchpoint_id, n, d, 20, 0.25)


def test_a_critical_moment_that_survives_the_guard_opens():
    # 60 of 100 against 25 %: Wilson lower 0.502, p ≈ 1e-13.
    decisions = decide([moment(1, 100, 60), moment(2, 100, 20)], [], now=NOW)
    assert [window.moment_id for window in decisions.open] == [1]
    assert decisions.p_values[(MOMENT, 1)] == pytest.approx(stats.binomial_p_value_above(60, 100, 0.25))


def test_too_few_ratings_never_open_even_when_all_are_dissatisfied():
    assert decide([moment(1, 19, 19)], [], now=NOW).open == []


def test_a_window_without_ratings_opens_nothing_and_is_no_hypothesis():
    assert decide([moment(1, 0, 0)], [], now=NOW).open == []
    assert discoveries([moment(1, 0, 0)]) == {}


def test_critical_but_not_beyond_chance_across_the_family_stays_shut():
    # 14 of 30: Wilson lower 0.3023 ≥ 0.25, so critical; alone its p = Σ_{k≥14} C(30,k)·¼^k·¾^(30−k)
    # = 0.008179 passes, but with 19 ordinary moments beside it BH needs p ≤ 1/20 · 0.05 = 0.0025.
    lonely = moment(1, 30, 14)
    assert lonely.critical
    assert stats.binomial_p_value_above(14, 30, 0.25) == pytest.approx(0.0081792, rel=1e-5)
    assert [window.moment_id for window in decide([lonely], [], now=NOW).open] == [1]
    noisy = [moment(index, 30, 7) for index in range(2, 21)]
    assert decide([lonely, *noisy], [], now=NOW).open == []


def test_each_organization_is_its_own_family():
    lonely = moment(1, 30, 14, organization=1)
    others = [moment(index, 30, 7, organization=2) for index in range(2, 21)]
    assert [window.moment_id for window in decide([lonely, *others], [], now=NOW).open] == [1]


def test_a_moment_already_alerting_does_not_open_again():
    alert = OpenAlert(7, MOMENT, 1, None, NOW - dt.timedelta(hours=1))
    decisions = decide([moment(1, 100, 60)], [alert], now=NOW)
    assert decisions.open == [] and decisions.close == {}
    assert decisions.keep[7][1] is True  # still critical: its clock is reset


def test_a_touchpoint_opens_only_where_its_moment_is_not_alerting():
    windows = [moment(1, 100, 60), touchpoint(11, 1, 100, 60)]
    assert [window.subject for window in decide(windows, [], now=NOW).open] == [MOMENT]
    already = OpenAlert(7, MOMENT, 1, None, NOW)
    assert decide(windows, [already], now=NOW).open == []
    # A moment diluted by a healthy touchpoint: only the bad touchpoint alerts.
    diluted = [moment(2, 300, 70), touchpoint(21, 2, 100, 60), touchpoint(22, 2, 200, 10)]
    opened = decide(diluted, [], now=NOW).open
    assert [(window.subject, window.touchpoint_id) for window in opened] == [(TOUCHPOINT, 21)]


def test_an_alert_closes_when_the_upper_bound_falls_below_the_threshold():
    alert = OpenAlert(7, MOMENT, 1, None, NOW)
    # 10 of 100: Wilson upper 0.174 < 0.25.
    decisions = decide([moment(1, 100, 10)], [alert], now=NOW)
    assert decisions.close == {7: (RECOVERED, moment(1, 100, 10))}


def test_an_alert_in_between_stays_open_until_seven_quiet_days():
    # 25 of 100: neither critical (lower 0.175) nor recovered (upper 0.343).
    window = moment(1, 100, 25)
    six_days = OpenAlert(7, MOMENT, 1, None, NOW - dt.timedelta(days=6, hours=23))
    assert decide([window], [six_days], now=NOW).keep == {7: (window, False)}
    seven_days = OpenAlert(7, MOMENT, 1, None, NOW - dt.timedelta(days=7))
    assert decide([window], [seven_days], now=NOW).close == {7: (QUIET, window)}


def test_a_quiet_window_without_ratings_closes_after_seven_days_not_before():
    empty = moment(1, 0, 0)  # no ratings: the upper bound is 1, never "recovered"
    assert decide([empty], [OpenAlert(7, MOMENT, 1, None, NOW - dt.timedelta(days=3))], now=NOW).close == {}
    assert decide([empty], [OpenAlert(7, MOMENT, 1, None, NOW - dt.timedelta(days=8))], now=NOW).close == {
        7: (QUIET, empty)}


def test_alerts_of_deleted_subjects_close_with_that_reason():
    moment_gone = OpenAlert(7, MOMENT, None, None, NOW)
    touchpoint_gone = OpenAlert(8, TOUCHPOINT, 1, None, NOW)
    both_gone = OpenAlert(9, TOUCHPOINT, None, None, NOW)
    decisions = decide([], [moment_gone, touchpoint_gone, both_gone], now=NOW)
    assert decisions.close == {7: (MOMENT_DELETED, None), 8: (TOUCHPOINT_DELETED, None),
                               9: (MOMENT_DELETED, None)}
