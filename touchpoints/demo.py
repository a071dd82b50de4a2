"""The airline demo: the seed article's service cycle with twelve weeks of ratings.

Baggage claim and the check-in kiosk are plainly worse and getting worse; the
lounge has few, bad ratings (too few to judge). Ratings carry verbatim comments
in Spanish and English that say why (`demo_comments`). About half of them are
linked to travellers (`customer`), so that a bad baggage claim clearly drives a
traveller's answer at the TMOT moment and a bad check-in less so (`_link_travellers`). Everything is deterministic
(fixed random seed) and idempotent: a second run finds what the first made and
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from journeys.cycle_templates import AIRLINE
from journeys.models import Membership, Moment, Organization, ServiceCycle
from journeys.services import cycle_create, moment_add

from .demo_comments import demo_comment
from .models import Rating, Segment, Touchpoint
from .scales import SCALES
from .services import ratings_record, segment_create, touchpoint_add

DEMO_ORG_SLUG = "demo-airline"
DEMO_USERNAME = "demo"
DEMO_CYCLE_NAME = "Airline passenger journey"
# The demo's segments, described as personas (issue 19).
DEMO_PERSONAS = (
    ("business", "Business travellers", {
        "description": "Fly twice a month for work, hand luggage only; the company books and pays.",
        "goals": "Arrive on time for the meeting.\nWork on the plane.\nNo queues at the airport.",
        "quote": "Just tell me the gate and let me board.",
    }),
    ("leisure", "Leisure travellers", {
        "description": "Fly once or twice a year on holiday, often with family and checked bags; book months ahead.",
        "goals": "The best fare.\nSeats together.\nTheir bags on the belt when they land.",
        "quote": "We saved all year for this trip; don't lose our suitcases.",
    }),
)
WEEKS = 12


@dataclass(frozen=True)
class DemoProfile:
    weight: float = 1.0  # relative share of ratings
    # Dissatisfied share as a function of the week index (0 = oldest, 11 = last).
    trend: Callable[[int], float] = lambda week: 0.1
    asks_fcr: bool = False


def _flat(share: float) -> Callable[[int], float]:
    return lambda week: share


def _worsening(start: float, end: float, from_week: int = 4) -> Callable[[int], float]:
    def share(week: int) -> float:
        if week < from_week:
            return start
        return start + (end - start) * (week - from_week + 1) / (WEEKS - from_week)
    return share


# How the demo's ratings fall on the airline template's touchpoints: relative
# volume, dissatisfied share by week, and whether first-contact resolution is asked.
PROFILES: dict[str, DemoProfile] = {
    "Flight search on the website": DemoProfile(weight=1.6, trend=_flat(0.09)),
    "Flight search in the app": DemoProfile(weight=1.0, trend=_flat(0.08)),
    "Fare questions on social media": DemoProfile(weight=0.4, trend=_flat(0.14)),
    "Web checkout": DemoProfile(weight=1.4, trend=_flat(0.10)),
    "App checkout": DemoProfile(weight=0.9, trend=_flat(0.07)),
    "Booking by phone": DemoProfile(weight=0.5, trend=_flat(0.12), asks_fcr=True),
    "Phone support": DemoProfile(weight=0.8, trend=_flat(0.16), asks_fcr=True),
    "Chat support": DemoProfile(weight=0.7, trend=_flat(0.12), asks_fcr=True),
    "Trip reminders by e-mail": DemoProfile(weight=0.4, trend=_flat(0.05)),
    "Online check-in": DemoProfile(weight=1.0, trend=_flat(0.07)),
    "App check-in": DemoProfile(weight=0.9, trend=_flat(0.06)),
    "Check-in kiosk": DemoProfile(weight=1.3, trend=_worsening(0.22, 0.62)),
    "Check-in desk": DemoProfile(weight=0.6, trend=_flat(0.10)),
    "Bag drop desk": DemoProfile(weight=0.8, trend=_flat(0.12)),
    "Self-service bag drop": DemoProfile(weight=0.5, trend=_flat(0.11)),
    "Gate boarding": DemoProfile(weight=1.0, trend=_flat(0.10)),
    "Boarding pass in the app": DemoProfile(weight=0.6, trend=_flat(0.05)),
    "Lounge access": DemoProfile(weight=0.015, trend=_flat(0.6)),
    "Cabin crew": DemoProfile(weight=1.4, trend=_flat(0.07)),
    "Seat and cabin comfort": DemoProfile(weight=0.9, trend=_flat(0.14)),
    "In-flight Wi-Fi": DemoProfile(weight=0.4, trend=_flat(0.18)),
    "Arrival information": DemoProfile(weight=0.7, trend=_flat(0.09)),
    "Connection assistance": DemoProfile(weight=0.4, trend=_flat(0.11)),
    "Baggage carousel wait": DemoProfile(weight=1.5, trend=_worsening(0.24, 0.66)),
    "Lost baggage desk": DemoProfile(weight=0.6, trend=_worsening(0.30, 0.64), asks_fcr=True),
    "Bag tracking in the app": DemoProfile(weight=0.5, trend=_flat(0.12)),
    "Post-trip survey": DemoProfile(weight=1.3, trend=_flat(0.28)),
    "Social media mentions": DemoProfile(weight=0.5, trend=_flat(0.18)),
    "Review sites": DemoProfile(weight=0.5, trend=_flat(0.15)),
}


RATINGS_SEED = 20261123
# Comments draw from a generator of their own, so that richer comments never move
# a score, a touchpoint or a timestamp of the ratings the heatmap tests know.
COMMENTS_SEED = 20261124
# The demo once picked its comment from lists of 7 complaints and 6 praises with the
# ratings' generator; that draw is still made (randrange(n) consumes exactly what
# choice() over n items did) so every later draw stays where it was.
LEGACY_COMPLAINT_CHOICES = 7
LEGACY_PRAISE_CHOICES = 6
# Travellers are drawn from a generator of their own too, after every rating is made,
# so linking them moves no score, touchpoint, time or comment the other tests know.
TRAVELLERS_SEED = 20261207
# How much being dissatisfied at a moment pushes a traveller towards a bad TMOT answer
# (the rest is noise of standard deviation 1): baggage claim a lot, check-in some.
TRAVELLER_PULL = {"Baggage claim": 3.0, "Check-in": 1.2}


def _score(rng: random.Random, scale_code: str, dissatisfied: bool) -> int:
    scale = SCALES[scale_code]
    if dissatisfied:
        return rng.randint(scale.low, scale.dissatisfied_max)
    satisfied = list(range(scale.dissatisfied_max + 1, scale.high + 1))
    # Satisfied customers lean towards the top of the scale.
    weights = [index + 1 for index in range(len(satisfied))]
    return rng.choices(satisfied, weights=weights)[0]


def _ensure_user(stdout: Callable[[str], None]) -> tuple[User, bool]:
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@example.com", "is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def _ensure_structure(organization: Organization, owner: User) -> tuple[ServiceCycle, bool]:
    existing = ServiceCycle.objects.filter(organization=organization, name=DEMO_CYCLE_NAME).first()
    if existing is not None:
        return existing, False
    cycle = cycle_create(
        organization=organization, name=DEMO_CYCLE_NAME, timezone="Europe/Madrid",
        description="A passenger's journey with the airline, from searching a flight to telling others about it.",
    )
    for name, kind, protocol, touchpoints in AIRLINE:
        moment = moment_add(cycle=cycle, name=name, kind=kind, protocol=protocol, owner=owner)
        for spec in touchpoints:
            touchpoint_add(
                moment=moment, name=spec.name, channel=spec.channel, scale=spec.scale,
                interaction=spec.interaction,
            )
    return cycle, True


def _generate_rows(cycle: ServiceCycle, total: int, now: dt.datetime) -> list[dict]:
    rng = random.Random(RATINGS_SEED)
    comment_rng = random.Random(COMMENTS_SEED)
    segments = list(Segment.objects.filter(organization=cycle.organization).order_by("key"))
    touchpoints = list(Touchpoint.objects.filter(moment__cycle=cycle).select_related("moment")
                       .order_by("moment__position", "id"))
    weights = [PROFILES.get(touchpoint.name, DemoProfile()).weight for touchpoint in touchpoints]
    start = now - dt.timedelta(weeks=WEEKS)
    rows = []
    for index in range(total):
        touchpoint = rng.choices(touchpoints, weights=weights)[0]
        spec = PROFILES.get(touchpoint.name, DemoProfile())
        occurred_at = start + dt.timedelta(seconds=rng.uniform(0, WEEKS * 7 * 86400 - 600))
        week = min(WEEKS - 1, int((occurred_at - start).total_seconds() // (7 * 86400)))
        segment = rng.choices(segments, weights=[3, 7])[0] if len(segments) == 2 else None
        share = spec.trend(week)
        if segment is not None and segment.key == "business":
            share = min(0.95, share * 1.15)  # business travellers are a little harder to please
        dissatisfied = rng.random() < share
        score = _score(rng, touchpoint.scale, dissatisfied)
        rng.randrange(LEGACY_COMPLAINT_CHOICES if dissatisfied else LEGACY_PRAISE_CHOICES)
        first_contact_resolved = (rng.random() < (0.45 if dissatisfied else 0.85)) if spec.asks_fcr else None
        rows.append({
            "touchpoint": touchpoint,
            "score": score,
            "occurred_at": occurred_at,
            "segment": segment,
            "comment": demo_comment(comment_rng, touchpoint=touchpoint.name, dissatisfied=dissatisfied),
            "first_contact_resolved": first_contact_resolved,
            "source": Rating.Source.API,
            "external_id": f"demo-{index:06d}",
        })
    _link_travellers(rows, start)
    return rows


def _link_travellers(rows: list[dict], start: dt.datetime) -> None:
    """Give ratings of the same day to travellers: one per TMOT rating that day, who
    also rated two to five other moments that day. The day's TMOT answers are then
    handed out so that travellers dissatisfied at baggage claim (and, less, at
    check-in) get the dissatisfied ones: scores stay as drawn, only who gave them
    is chosen, so every figure of the heatmap stays the same."""
    rng = random.Random(TRAVELLERS_SEED)
    by_day: dict[int, dict[int, list[int]]] = {}
    for index, row in enumerate(rows):
        day = int((row["occurred_at"] - start).total_seconds() // 86400)
        by_day.setdefault(day, {}).setdefault(row["touchpoint"].moment_id, []).append(index)
    tmot = {row["touchpoint"].moment_id for row in rows if row["touchpoint"].moment.kind == "TMOT"}
    names = {row["touchpoint"].moment_id: row["touchpoint"].moment.name for row in rows}

    def bad(index: int) -> bool:
        return SCALES[rows[index]["touchpoint"].scale].is_dissatisfied(rows[index]["score"])

    number = 0
    for day in sorted(by_day):
        moments = by_day[day]
        for indexes in moments.values():
            rng.shuffle(indexes)
        answers = [index for moment_id in sorted(tmot) for index in moments.get(moment_id, [])]
        others = sorted(moment_id for moment_id in moments if moment_id not in tmot)
        travellers: list[tuple[float, list[int]]] = []
        for _answer in answers:
            met = [moments[moment_id].pop() for moment_id in rng.sample(others, min(len(others), rng.randint(2, 5)))
                   if moments[moment_id]]
            pull = sum(TRAVELLER_PULL.get(names[rows[index]["touchpoint"].moment_id], 0.0) for index in met
                       if bad(index))
            travellers.append((pull + rng.gauss(0, 1), met))
        # The day's dissatisfied answers go to the travellers pulled hardest towards one.
        answers.sort(key=lambda index: not bad(index))
        travellers.sort(key=lambda traveller: -traveller[0])
        for answer, (_pull, met) in zip(answers, travellers, strict=True):
            number += 1
            for index in (*met, answer):
                rows[index]["customer"] = f"traveller-{number:05d}"


def demo_load(*, ratings: int = 20000, stdout: Callable[[str], None] = print) -> ServiceCycle:
    """Create (once) the demo organization, user, airline cycle and ratings."""
    organization, org_created = Organization.objects.get_or_create(
        slug=DEMO_ORG_SLUG, defaults={"name": "Demo Airline"}
    )
    user, user_created = _ensure_user(stdout)
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": Membership.Role.ADMIN})
    for key, name, persona in DEMO_PERSONAS:
        if not Segment.objects.filter(organization=organization, key=key).exists():
            segment_create(organization=organization, name=name, key=key, **persona)
    cycle, cycle_created = _ensure_structure(organization, user)
    stdout(f"Organization: {organization.name} ({'created' if org_created else 'already there'})")
    stdout(f"Cycle: {cycle.name} with {Moment.objects.filter(cycle=cycle).count()} moments "
           f"({'created' if cycle_created else 'already there'})")

    if Rating.objects.filter(touchpoint__moment__cycle=cycle).exists():
        stdout("Ratings: already loaded, nothing to do.")
    else:
        rows = _generate_rows(cycle, ratings, timezone.now())
        chunk = 5000
        with transaction.atomic():
            for start in range(0, len(rows), chunk):
                ratings_record(organization=organization, rows=rows[start:start + chunk])
                stdout(f"Ratings: {min(start + chunk, len(rows)):,}/{len(rows):,} loaded")
    stdout("")
    stdout("Demo login")
    stdout(f"  user:     {DEMO_USERNAME}")
    if user_created:
        stdout(f"  password: {settings.DEMO_PASSWORD}")
    else:
        stdout(f"  password: {settings.DEMO_PASSWORD} (as set when the demo user was created)")
    return cycle
