"""Quiet hours: when an organization wants no alert sent (pure, no database).

The hours are wall-clock times in their own time zone, which need not be the
server's nor any cycle's. An end earlier than the start spans midnight (22:00
until 07:00). The start is inside, the end is not.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo


def quiet_until(now: dt.datetime, *, start: dt.time, end: dt.time, zone: str) -> dt.datetime | None:
    """The instant the quiet hours around `now` end, or None when `now` is not in them.

    An end that does not exist on that day (the clock jumps over it in spring) is
    read with the offset before the jump, so it falls just after the jump; an end
    that happens twice (autumn) is its first occurrence.

    >>> madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    >>> quiet_until(dt.datetime(2026, 12, 3, 23, 30, tzinfo=madrid), start=dt.time(22), end=dt.time(7),
    ...             zone="Europe/Madrid").isoformat()
    '2026-12-04T06:00:00+00:00'
    >>> quiet_until(dt.datetime(2026, 12, 3, 7, 0, tzinfo=madrid), start=dt.time(22), end=dt.time(7),
    ...             zone="Europe/Madrid") is None
    True
    """
    if start == end:
        return None
    info = zoneinfo.ZoneInfo(zone)
    local = now.astimezone(info)
    wall = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= wall < end:
            return None
        end_day = local.date()
    else:  # spans midnight
        if end <= wall < start:
            return None
        end_day = local.date() + dt.timedelta(days=1) if wall >= start else local.date()
    return dt.datetime.combine(end_day, end, tzinfo=info).astimezone(dt.UTC)
