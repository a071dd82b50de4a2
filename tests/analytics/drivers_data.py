"""Synthetic travellers for the key-driver tests: exactly one moment drives the outcome."""

from __future__ import annotations

import datetime as dt
import json
import random

from django.utils import timezone

from journeys.models import Moment
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory

BATCH = "/api/v1/ratings/batch/"


class Journey:
    """A cycle of four SMOT moments and a TMOT with an NPS question; `driver` names
    the one moment whose dissatisfied customers become detractors."""

    def __init__(self, organization=None, names=("Check-in", "Boarding", "Flight", "Baggage claim")):
        self.cycle = ServiceCycleFactory(**({"organization": organization} if organization else {}))
        self.moments = [MomentFactory(cycle=self.cycle, name=name) for name in names]
        self.touchpoints = [TouchpointFactory(moment=moment, key=f"{self.cycle.pk}-{moment.name.lower().replace(' ', '-')}")
                            for moment in self.moments]
        self.tmot = MomentFactory(cycle=self.cycle, name="Recommendation", kind=Moment.Kind.TMOT)
        self.outcome = TouchpointFactory(moment=self.tmot, scale="nps11", key=f"{self.cycle.pk}-nps")

    @property
    def organization(self):
        return self.cycle.organization


def traveller_ratings(journey: Journey, *, driver: str, travellers: int, seed: int, bad_share: float = 0.3,
                      detractor_if_bad: float = 0.7, detractor_otherwise: float = 0.15,
                      prefix: str = "traveller") -> list[dict]:
    """Each traveller rates 3 or 4 of the moments (dissatisfied at each with
    `bad_share`) and the NPS question; they are a detractor with
    `detractor_if_bad` when dissatisfied at `driver`, else with `detractor_otherwise`,
    whatever happened elsewhere."""
    rng = random.Random(seed)
    now = timezone.now()
    rows = []
    for number in range(travellers):
        when = now - dt.timedelta(days=rng.uniform(1, 40))
        met = rng.sample(range(len(journey.moments)), rng.choice((3, 4)))
        bad_at_driver = False
        for index in met:
            bad = rng.random() < bad_share
            bad_at_driver |= bad and journey.moments[index].name == driver
            rows.append({"touchpoint_key": journey.touchpoints[index].key, "score": rng.choice((1, 2)) if bad
                         else rng.choice((4, 5)), "occurred_at": (when + dt.timedelta(hours=index)).isoformat(),
                         "customer": f"{prefix}-{number}"})
        detractor = rng.random() < (detractor_if_bad if bad_at_driver else detractor_otherwise)
        rows.append({"touchpoint_key": journey.outcome.key, "score": rng.randint(0, 6) if detractor
                     else rng.randint(7, 10), "occurred_at": (when + dt.timedelta(days=1)).isoformat(),
                     "customer": f"{prefix}-{number}"})
    return rows


def push(client, rows: list[dict]) -> None:
    """Send the rows through the batch API, then fold them into the rollups as the
    refresh that ingest schedules after its commit would (tests never commit)."""
    from analytics.services import rollups_refresh

    for start in range(0, len(rows), 5000):
        response = client.post(BATCH, data=json.dumps({"ratings": rows[start:start + 5000]}),
                               content_type="application/json")
        assert response.status_code == 201, response.content
    rollups_refresh()
