"""The demo's comments explain its red cells, in Spanish and English (issue 15)."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.utils import timezone

from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today
from analytics.services import heatmap_snapshot_current, rollups_refresh
from touchpoints import demo
from touchpoints.demo import DEMO_CYCLE_NAME, demo_load
from touchpoints.demo_comments import demo_comment, theme_of
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db

BAG = re.compile(r"\b(bags?|suitcase|luggage|maleta|equipaje)\b", re.IGNORECASE)
KIOSK = re.compile(r"\b(kiosks?|quioscos?)\b", re.IGNORECASE)
SPANISH = re.compile(r"\b(el|la|mi|que|de|no)\b|[áéíóúñ]", re.IGNORECASE)


def test_themes_follow_the_touchpoint():
    assert theme_of("Baggage carousel wait") == theme_of("Lost baggage desk") == "baggage"
    assert theme_of("Check-in kiosk") == "kiosk"
    assert theme_of("Self-service bag drop") != "baggage"


def test_comments_are_varied_bilingual_and_often_absent():
    rng = random.Random(3)
    comments = [demo_comment(rng, name, dissatisfied) for name in ["Baggage carousel wait", "Check-in kiosk",
                                                                   "Cabin crew", "Web checkout"]
                for dissatisfied in (True, False) for _ in range(300)]
    written = [comment for comment in comments if comment]
    assert 0.3 < 1 - len(written) / len(comments) < 0.55
    assert len(set(written)) > 100
    spanish = sum(1 for comment in written if SPANISH.search(comment))
    assert 0.3 < spanish / len(written) < 0.7


def test_other_figures_of_the_demo_do_not_depend_on_its_comments(monkeypatch, organization, member):
    from touchpoints.demo import _ensure_structure

    cycle, _created = _ensure_structure(organization, member)
    now = timezone.now()

    def figures() -> list[tuple]:
        return [(row["touchpoint"].pk, row["score"], row["occurred_at"], row["first_contact_resolved"])
                for row in demo._generate_rows(cycle, 2000, now)]

    with_comments = figures()
    monkeypatch.setattr(demo, "demo_comment", lambda rng, name, dissatisfied: "")
    assert figures() == with_comments


def test_the_demo_dashboard_names_bags_at_baggage_claim_and_the_kiosk_at_check_in():
    demo_load(ratings=8000, stdout=lambda line: None)
    rollups_refresh()  # after the load's commit, as ingest schedules it
    cycle = demo.ServiceCycle.objects.get(name=DEMO_CYCLE_NAME)
    unhappy_at_claim = Rating.objects.filter(touchpoint__name="Baggage carousel wait", dissatisfied=True,
                                             occurred_at__gte=timezone.now() - dt.timedelta(weeks=12)
                                             ).exclude(comment="").values_list("comment", flat=True)
    assert sum(1 for comment in unhappy_at_claim if BAG.search(comment)) > 0.6 * len(unhappy_at_claim)
    period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone))
    snapshot, _structure = heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
    critical = {item["name"]: item["insights"] for item in snapshot.data["critical_moments"]}
    claim_terms = " ".join(term["term"] for term in critical["Baggage claim"]["terms"][:5])
    checkin_terms = " ".join(term["term"] for term in critical["Check-in"]["terms"][:5])
    assert BAG.search(claim_terms) or "esper" in claim_terms or "wait" in claim_terms, claim_terms
    assert KIOSK.search(checkin_terms) or "queue" in checkin_terms or "cola" in checkin_terms, checkin_terms
    assert critical["Baggage claim"]["examples"]
