"""Quiet hours (reviews.quiet_hours): spanning midnight, in another time zone, across clock changes."""

from __future__ import annotations

import datetime as dt
import doctest
import zoneinfo

import pytest

from reviews import quiet_hours
from reviews.quiet_hours import quiet_until

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = dt.UTC


def test_the_doctests_hold():
    assert doctest.testmod(quiet_hours).failed == 0


@pytest.mark.parametrize(("local", "ends"), [
    # 22:00–07:00 in Madrid (UTC+1 in December): the end is 06:00 UTC of the right day.
    (dt.datetime(2026, 12, 3, 22, 0), dt.datetime(2026, 12, 4, 6, 0, tzinfo=UTC)),  # the start is inside
    (dt.datetime(2026, 12, 3, 23, 59), dt.datetime(2026, 12, 4, 6, 0, tzinfo=UTC)),
    (dt.datetime(2026, 12, 4, 0, 0), dt.datetime(2026, 12, 4, 6, 0, tzinfo=UTC)),  # after midnight
    (dt.datetime(2026, 12, 4, 6, 59), dt.datetime(2026, 12, 4, 6, 0, tzinfo=UTC)),
    (dt.datetime(2026, 12, 4, 7, 0), None),  # the end is not
    (dt.datetime(2026, 12, 4, 12, 0), None),
    (dt.datetime(2026, 12, 3, 21, 59), None),
])
def test_quiet_hours_spanning_midnight(local, ends):
    now = local.replace(tzinfo=MADRID)
    assert quiet_until(now, start=dt.time(22), end=dt.time(7), zone="Europe/Madrid") == ends


def test_quiet_hours_within_one_day():
    lunch = {"start": dt.time(13), "end": dt.time(14, 30), "zone": "Europe/Madrid"}
    assert quiet_until(dt.datetime(2026, 12, 3, 13, 15, tzinfo=MADRID), **lunch) == dt.datetime(
        2026, 12, 3, 13, 30, tzinfo=UTC)
    assert quiet_until(dt.datetime(2026, 12, 3, 14, 30, tzinfo=MADRID), **lunch) is None
    assert quiet_until(dt.datetime(2026, 12, 3, 12, 59, tzinfo=MADRID), **lunch) is None


def test_quiet_hours_in_another_time_zone_than_the_clock_that_asks():
    # 20:00–08:00 in New York (UTC−5 in December), asked at 03:00 UTC = 22:00 in New York.
    now = dt.datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    assert quiet_until(now, start=dt.time(20), end=dt.time(8), zone="America/New_York") == dt.datetime(
        2026, 12, 4, 13, 0, tzinfo=UTC)
    # The same instant is 04:00 in Madrid: outside Madrid's 22:00–03:00.
    assert quiet_until(now, start=dt.time(22), end=dt.time(3), zone="Europe/Madrid") is None
    # 14:00 UTC is 09:00 in New York: after its quiet hours, though inside a UTC reading of them.
    assert quiet_until(dt.datetime(2026, 12, 4, 14, 0, tzinfo=UTC), start=dt.time(20), end=dt.time(8),
                       zone="America/New_York") is None


def test_an_end_the_clock_jumps_over_falls_just_after_the_jump():
    # Madrid, 29 March 2026: 02:00 CET jumps to 03:00 CEST; quiet 23:00–02:30 ends at 03:30 CEST (01:30 UTC).
    now = dt.datetime(2026, 3, 29, 1, 0, tzinfo=MADRID)
    ends = quiet_until(now, start=dt.time(23), end=dt.time(2, 30), zone="Europe/Madrid")
    assert ends == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC) and ends > now


def test_an_end_the_clock_passes_twice_is_its_first_time():
    # Madrid, 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice, first at 00:30 UTC.
    now = dt.datetime(2026, 10, 25, 1, 0, tzinfo=MADRID)
    assert quiet_until(now, start=dt.time(23), end=dt.time(2, 30), zone="Europe/Madrid") == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)


def test_no_span_means_no_quiet_hours():
    assert quiet_until(dt.datetime(2026, 12, 3, 3, 0, tzinfo=UTC), start=dt.time(3), end=dt.time(3),
                       zone="UTC") is None
