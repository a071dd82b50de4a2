"""A cycle whose customers say why they are unhappy, for the pages of issue 15.

As `tests/analytics/test_insights.py`'s airline: two critical moments with
planted phrases (baggage claim: "maleta perdida", Spanish; check-in: "kiosk
froze", English) and a healthy flight; optionally the newest baggage comment
carries markup that every page must show as text.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from analytics.services import rollups_refresh
from tests.factories import MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory

FILLER = ["el vuelo", "the flight", "hoy", "today", "otra vez", "again", "sin más", "as usual", "por favor", "please"]
HOSTILE = "<script>alert(1)</script> Mi maleta perdida <b>otra vez</b>, esperé 99 minutos"


def rate(touchpoint, comments, *, score, seconds_ago=10, segment=None):
    """One rating a second, the newest `seconds_ago` before now.

    Seconds, not hours: the pages' "last week" column is the current ISO week,
    which on a Monday morning holds only a few hours; a burst within the last
    minute lies in it whatever the day (CI once ran on a Monday at 05:20)."""
    now = timezone.now()
    for index, comment in enumerate(comments):
        RatingFactory(touchpoint=touchpoint, score=score, comment=comment, segment=segment,
                      occurred_at=now - dt.timedelta(seconds=seconds_ago + index))


def airline_with_comments(*, organization=None, hostile=False, name="Airline"):
    """The cycle (rollups and term counts refreshed); its moments are named
    "Baggage claim", "Check-in" and "Flight", with one touchpoint each
    ("Carousel", "Kiosk", "Crew")."""
    cycle = ServiceCycleFactory(min_sample=20, critical_share=0.25, name=name,
                                **({"organization": organization} if organization else {}))
    baggage = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"), name="Carousel")
    checkin = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Kiosk", channel="kiosk")
    flight = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Flight"), name="Crew", channel="in_person")
    rng = random.Random(7)
    if hostile:
        rate(baggage, [HOSTILE], score=1, seconds_ago=1)
    rate(baggage, [f"Mi maleta perdida {rng.choice(FILLER)}, esperé {m} minutos" for m in range(30)], score=1)
    rate(baggage, ["Todo bien, rápido"] * 10, score=5)
    rate(checkin, [f"The kiosk froze {rng.choice(FILLER)} and I missed {m} minutes" for m in range(30)], score=2)
    rate(checkin, ["fine, quick"] * 10, score=5)
    rate(flight, [f"Friendly crew {rng.choice(FILLER)}" for _ in range(36)] + ["waited for the crew"] * 4, score=5)
    rollups_refresh()
    return cycle
