"""The airline demo: the seed article's service cycle with twelve weeks of ratings.

Baggage claim and the check-in kiosk are plainly worse and getting worse; the
lounge has few, bad ratings (too few to judge). Everything is deterministic
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
from django.db import transaction
from django.utils import timezone

from touchpoints.models import Rating, Segment, Touchpoint
from touchpoints.scales import SCALES
from touchpoints.services import ratings_record, segment_create, touchpoint_add

from .models import Membership, Moment, Organization, ServiceCycle
from .services import cycle_create, moment_add

DEMO_ORG_SLUG = "demo-airline"
DEMO_USERNAME = "demo"
DEMO_CYCLE_NAME = "Airline passenger journey"
WEEKS = 12


@dataclass(frozen=True)
class TouchpointSpec:
    name: str
    channel: str
    interaction: str = "digital"
    scale: str = "csat5"
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


AIRLINE_CYCLE: list[tuple[str, str, str, list[TouchpointSpec]]] = [
    ("Flight search", "ZMOT", "Answer fare questions in under a minute; show the full price including fees.", [
        TouchpointSpec("Flight search on the website", "web", weight=1.6, trend=_flat(0.09)),
        TouchpointSpec("Flight search in the app", "app", weight=1.0, trend=_flat(0.08)),
        TouchpointSpec("Fare questions on social media", "social", "human", "thumbs2", 0.4, _flat(0.14)),
    ]),
    ("Ticket purchase", "FMOT", "Confirm the booking at once by e-mail and in the app; no surprise fees.", [
        TouchpointSpec("Web checkout", "web", weight=1.4, trend=_flat(0.10)),
        TouchpointSpec("App checkout", "app", weight=0.9, trend=_flat(0.07)),
        TouchpointSpec("Booking by phone", "phone", "human", weight=0.5, trend=_flat(0.12), asks_fcr=True),
    ]),
    ("Support between purchase and flight", "SMOT", "Resolve changes at first contact; call back within 2 hours.", [
        TouchpointSpec("Phone support", "phone", "human", "ces7", 0.8, _flat(0.16), asks_fcr=True),
        TouchpointSpec("Chat support", "chat", "human", "csat5", 0.7, _flat(0.12), asks_fcr=True),
        TouchpointSpec("Trip reminders by e-mail", "email", weight=0.4, trend=_flat(0.05)),
    ]),
    ("Check-in", "SMOT", "Kiosk fault reported within 10 minutes; an agent stands by the kiosks at peak times.", [
        TouchpointSpec("Online check-in", "web", weight=1.0, trend=_flat(0.07)),
        TouchpointSpec("App check-in", "app", weight=0.9, trend=_flat(0.06)),
        TouchpointSpec("Check-in kiosk", "kiosk", weight=1.3, trend=_worsening(0.22, 0.62)),
        TouchpointSpec("Check-in desk", "in_person", "human", weight=0.6, trend=_flat(0.10)),
    ]),
    ("Bag drop", "SMOT", "Queue under 15 minutes; open another desk when it is longer.", [
        TouchpointSpec("Bag drop desk", "in_person", "human", weight=0.8, trend=_flat(0.12)),
        TouchpointSpec("Self-service bag drop", "kiosk", weight=0.5, trend=_flat(0.11)),
    ]),
    ("Boarding", "SMOT", "Announce delays with a reason and a new time; board by groups.", [
        TouchpointSpec("Gate boarding", "in_person", "human", weight=1.0, trend=_flat(0.10)),
        TouchpointSpec("Boarding pass in the app", "app", weight=0.6, trend=_flat(0.05)),
        # Few ratings, most of them bad: too small a sample to call it critical.
        TouchpointSpec("Lounge access", "physical_place", "human", weight=0.015, trend=_flat(0.6)),
    ]),
    ("Flight", "SMOT", "Greet every passenger; offer water on flights over one hour.", [
        TouchpointSpec("Cabin crew", "in_person", "human", weight=1.4, trend=_flat(0.07)),
        TouchpointSpec("Seat and cabin comfort", "physical_place", weight=0.9, trend=_flat(0.14)),
        TouchpointSpec("In-flight Wi-Fi", "other", "digital", "thumbs2", 0.4, _flat(0.18)),
    ]),
    ("Arrival", "SMOT", "Gate and connection information on screens before doors open.", [
        TouchpointSpec("Arrival information", "physical_place", weight=0.7, trend=_flat(0.09)),
        TouchpointSpec("Connection assistance", "in_person", "human", weight=0.4, trend=_flat(0.11)),
    ]),
    ("Baggage claim", "SMOT", "First bag on the belt within 20 minutes; missing bags traced before the passenger leaves.", [
        TouchpointSpec("Baggage carousel wait", "physical_place", weight=1.5, trend=_worsening(0.24, 0.66)),
        TouchpointSpec("Lost baggage desk", "in_person", "human", weight=0.6, trend=_worsening(0.30, 0.64),
                       asks_fcr=True),
        TouchpointSpec("Bag tracking in the app", "app", weight=0.5, trend=_flat(0.12)),
    ]),
    ("Reviews and social posts", "TMOT", "Answer every public complaint within 4 hours; invite happy passengers to review.", [
        TouchpointSpec("Post-trip survey", "email", "digital", "nps11", 1.3, _flat(0.28)),
        TouchpointSpec("Social media mentions", "social", "human", "thumbs2", 0.5, _flat(0.18)),
        TouchpointSpec("Review sites", "web", "digital", "stars5", 0.5, _flat(0.15)),
    ]),
]

COMPLAINTS = [
    "Waited over 40 minutes for my bag.",
    "The kiosk would not read my passport.",
    "Nobody could tell me where my suitcase was.",
    "La máquina de check-in no funcionaba.",
    "Mi maleta tardó una hora en salir.",
    "Long queue and only one agent.",
    "",
]
PRAISE = ["Quick and easy.", "Friendly staff.", "Todo perfecto.", "", "", ""]


def _score(rng: random.Random, scale_code: str, dissatisfied: bool) -> int:
    scale = SCALES[scale_code]
    if dissatisfied:
        return rng.randint(scale.low, scale.dissatisfied_max)
    satisfied = list(range(scale.dissatisfied_max + 1, scale.high + 1))
    # Satisfied customers lean towards the top of the scale.
    weights = [index + 1 for index in range(len(satisfied))]
    return rng.choices(satisfied, weights=weights)[0]


def _ensure_user(stdout: Callable[[str], None]) -> tuple[object, bool]:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@example.com", "is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def _ensure_structure(organization: Organization, owner: object) -> tuple[ServiceCycle, bool]:
    existing = ServiceCycle.objects.filter(organization=organization, name=DEMO_CYCLE_NAME).first()
    if existing is not None:
        return existing, False
    cycle = cycle_create(
        organization=organization, name=DEMO_CYCLE_NAME, timezone="Europe/Madrid",
        description="A passenger's journey with the airline, from searching a flight to telling others about it.",
    )
    for name, kind, protocol, touchpoints in AIRLINE_CYCLE:
        moment = moment_add(cycle=cycle, name=name, kind=kind, protocol=protocol, owner=owner)
        for spec in touchpoints:
            touchpoint_add(
                moment=moment, name=spec.name, channel=spec.channel, scale=spec.scale,
                interaction=spec.interaction,
            )
    return cycle, True


def _generate_rows(cycle: ServiceCycle, total: int, now: dt.datetime) -> list[dict]:
    rng = random.Random(20261123)
    segments = list(Segment.objects.filter(organization=cycle.organization).order_by("key"))
    specs = {spec.name: spec for _n, _k, _p, specs in AIRLINE_CYCLE for spec in specs}
    touchpoints = list(Touchpoint.objects.filter(moment__cycle=cycle).order_by("moment__position", "id"))
    weights = [specs[touchpoint.name].weight if touchpoint.name in specs else 1.0 for touchpoint in touchpoints]
    start = now - dt.timedelta(weeks=WEEKS)
    rows = []
    for index in range(total):
        touchpoint = rng.choices(touchpoints, weights=weights)[0]
        spec = specs.get(touchpoint.name, TouchpointSpec(touchpoint.name, touchpoint.channel))
        occurred_at = start + dt.timedelta(seconds=rng.uniform(0, WEEKS * 7 * 86400 - 600))
        week = min(WEEKS - 1, int((occurred_at - start).total_seconds() // (7 * 86400)))
        segment = rng.choices(segments, weights=[3, 7])[0] if len(segments) == 2 else None
        share = spec.trend(week)
        if segment is not None and segment.key == "business":
            share = min(0.95, share * 1.15)  # business travellers are a little harder to please
        dissatisfied = rng.random() < share
        rows.append({
            "touchpoint": touchpoint,
            "score": _score(rng, touchpoint.scale, dissatisfied),
            "occurred_at": occurred_at,
            "segment": segment,
            "comment": rng.choice(COMPLAINTS if dissatisfied else PRAISE),
            "first_contact_resolved": (rng.random() < (0.45 if dissatisfied else 0.85)) if spec.asks_fcr else None,
            "source": Rating.Source.API,
            "external_id": f"demo-{index:06d}",
        })
    return rows


def demo_load(*, ratings: int = 20000, stdout: Callable[[str], None] = print) -> ServiceCycle:
    """Create (once) the demo organization, user, airline cycle and ratings."""
    organization, org_created = Organization.objects.get_or_create(
        slug=DEMO_ORG_SLUG, defaults={"name": "Demo Airline"}
    )
    user, user_created = _ensure_user(stdout)
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": Membership.Role.ADMIN})
    for key, name in (("business", "Business travellers"), ("leisure", "Leisure travellers")):
        if not Segment.objects.filter(organization=organization, key=key).exists():
            segment_create(organization=organization, name=name, key=key)
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
