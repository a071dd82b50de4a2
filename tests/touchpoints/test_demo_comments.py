"""The demo's comments say why its red cells are red, in Spanish and English,
without moving any other figure of the demo."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import string
from collections import Counter

import pytest
from django.utils import timezone

from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today
from analytics.services import heatmap_snapshot_current, rollups_refresh
from journeys.cycle_templates import AIRLINE
from journeys.models import ServiceCycle
from touchpoints.demo import DEMO_CYCLE_NAME, _generate_rows, demo_load
from touchpoints.demo_comments import _fill, demo_comment
from touchpoints.demo_phrases import GENERIC, THEMES
from touchpoints.models import Rating
from touchpoints.scales import SCALES

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
BAGGAGE_CLAIM = {"Baggage carousel wait", "Lost baggage desk", "Bag tracking in the app"}
BAG_WORDS = re.compile(r"\b(bags?|suitcases?|luggage|baggage|maletas?|equipajes?)\b", re.IGNORECASE)
WAIT_WORDS = re.compile(r"\b(wait\w*|esper\w*)\b", re.IGNORECASE)
KIOSK_WORDS = re.compile(r"\b(kiosks?|quioscos?)\b", re.IGNORECASE)


def opening_sentences() -> list[tuple[re.Pattern[str], str]]:
    """Every sentence a comment can start with, as a pattern, with its language."""
    sentences = [(sentence, language) for theme in THEMES.values() for language, voice in theme.items()
                 for sentence in (*voice.complaints, *voice.praise)]
    sentences += [(sentence, language) for language, register in GENERIC.items()
                  for sentence in (*register.openers, *register.complaints, *register.praise)]
    return [(re.compile("".join(re.escape(text) + (r"\S+" if slot else "")
                                for text, slot, _, _ in string.Formatter().parse(sentence))), language)
            for sentence, language in sentences]


OPENINGS = opening_sentences()


@pytest.fixture
def demo_rows():
    cycle = demo_load(ratings=0, stdout=lambda line: None)
    return _generate_rows(cycle, 4000, NOW)


def is_dissatisfied(row) -> bool:
    return SCALES[row["touchpoint"].scale].is_dissatisfied(row["score"])


def share(rows, pattern: re.Pattern[str]) -> float:
    return sum(bool(pattern.search(row["comment"])) for row in rows) / len(rows)


def languages(comment: str) -> set[str]:
    """The language a comment is written in, known from the sentence it opens with."""
    return {language for pattern, language in OPENINGS if pattern.match(comment)}


def test_most_unhappy_baggage_claim_ratings_speak_of_bags_and_waiting(demo_rows):
    unhappy = [row for row in demo_rows if row["touchpoint"].name in BAGGAGE_CLAIM and is_dissatisfied(row)]
    commented = [row for row in unhappy if row["comment"]]
    assert len(unhappy) > 150
    assert share(unhappy, BAG_WORDS) > 0.6  # most of them, counting those who left no comment
    assert share(commented, BAG_WORDS) > 0.85
    assert share(commented, WAIT_WORDS) > 0.3
    elsewhere = [row for row in demo_rows if row["touchpoint"].name not in BAGGAGE_CLAIM and row["comment"]]
    assert share(elsewhere, BAG_WORDS) < 0.05


def test_unhappy_kiosk_comments_speak_of_the_kiosk_and_only_there(demo_rows):
    kiosk = [row for row in demo_rows if row["touchpoint"].name == "Check-in kiosk" and row["comment"]]
    unhappy = [row for row in kiosk if is_dissatisfied(row)]
    assert len(unhappy) > 50
    assert share(unhappy, KIOSK_WORDS) > 0.85
    assert share(unhappy, re.compile(r"\b(passport|pasaporte|queue|cola|froze|colgado)\b", re.IGNORECASE)) > 0.5
    elsewhere = [row for row in demo_rows if row["touchpoint"].name != "Check-in kiosk" and row["comment"]]
    assert share(elsewhere, KIOSK_WORDS) == 0


@pytest.mark.parametrize(("touchpoint", "trouble"), [
    ("In-flight Wi-Fi", r"wi-?fi"),
    ("Phone support", r"hold|call|llam|teléfono|agent|personas"),
    ("Seat and cabin comfort", r"seat|asiento|legroom|piernas|cabin|cabina|tray|mesita"),
    ("Web checkout", r"pay|pag|fees|gastos|card|tarjeta|checkout|passenger|pasajeros"),
    ("Gate boarding", r"boarding|embarque|gate|puerta|jet bridge|pasarela"),
])
def test_other_touchpoints_complain_about_their_own_trouble(touchpoint, trouble):
    rng = random.Random(3)
    comments = [demo_comment(rng, touchpoint=touchpoint, dissatisfied=True) for _ in range(400)]
    commented = [comment for comment in comments if comment]
    assert sum(bool(re.search(trouble, comment, re.IGNORECASE)) for comment in commented) > 0.85 * len(commented)


def test_comments_come_in_spanish_and_english_about_half_each(demo_rows):
    found = [languages(row["comment"]) for row in demo_rows if row["comment"]]
    assert all(len(language) == 1 for language in found)
    spanish = sum(language == {"es"} for language in found) / len(found)
    assert 0.4 < spanish < 0.6
    # …and now and then both in one comment, as bilingual travellers write.
    spanish_closers = tuple(closer for closer in (*GENERIC["es"].complaint_closers, *GENERIC["es"].praise_closers)
                            if closer not in (*GENERIC["en"].complaint_closers, *GENERIC["en"].praise_closers))
    assert any(languages(row["comment"]) == {"en"} and row["comment"].endswith(spanish_closers) for row in demo_rows)


def test_comments_are_many_and_varied(demo_rows):
    comments = Counter(row["comment"] for row in demo_rows if row["comment"])
    assert len(comments) > 500
    assert comments.most_common(1)[0][1] / sum(comments.values()) < 0.03


def test_a_share_of_ratings_has_no_comment(demo_rows):
    empty = sum(not row["comment"] for row in demo_rows) / len(demo_rows)
    assert 0.3 < empty < 0.55


def test_comments_are_deterministic(demo_rows):
    again = _generate_rows(demo_load(ratings=0, stdout=lambda line: None), 4000, NOW)
    assert [row["comment"] for row in again] == [row["comment"] for row in demo_rows]


def test_comments_leave_every_other_draw_of_the_demo_unchanged():
    """The heatmap tests know the demo's figures: scores, touchpoints, times,
    segments and first-contact answers must be exactly what the generator made
    before comments had a generator of their own (recorded from that version)."""
    cycle = demo_load(ratings=0, stdout=lambda line: None)
    rows = _generate_rows(cycle, 500, NOW)
    first = [(row["touchpoint"].name, row["score"], row["occurred_at"].isoformat(), row["segment"].key)
             for row in rows[:5]]
    assert first == [
        ("Arrival information", 5, "2026-11-14T21:10:24.332973+00:00", "leisure"),
        ("Self-service bag drop", 1, "2026-10-02T04:48:21.280875+00:00", "leisure"),
        ("Check-in kiosk", 4, "2026-09-23T07:38:10.404395+00:00", "business"),
        ("Cabin crew", 4, "2026-09-04T06:34:28.279564+00:00", "business"),
        ("Review sites", 3, "2026-09-16T22:54:45.657446+00:00", "leisure"),
    ]
    everything_but_comments = [
        (row["touchpoint"].name, row["score"], row["occurred_at"].isoformat(),
         row["segment"].key if row["segment"] else None, row["first_contact_resolved"], row["external_id"])
        for row in rows
    ]
    digest = hashlib.sha256(json.dumps(everything_but_comments).encode()).hexdigest()
    assert digest == "abc07823337bf0b935da07dbeb193d9de811a879baf85b81fb530c56fe94dfc0"


def test_loaded_demo_stores_the_comments_with_its_ratings():
    cycle = demo_load(ratings=3000, stdout=lambda line: None)
    ratings = Rating.objects.filter(touchpoint__moment__cycle=cycle)
    unhappy_baggage = list(ratings.filter(touchpoint__moment__name="Baggage claim", dissatisfied=True)
                           .exclude(comment="").values_list("comment", flat=True))
    unhappy_kiosk = list(ratings.filter(touchpoint__name="Check-in kiosk", dissatisfied=True)
                         .exclude(comment="").values_list("comment", flat=True))
    assert sum(bool(BAG_WORDS.search(comment)) for comment in unhappy_baggage) > 0.85 * len(unhappy_baggage) > 50
    assert sum(bool(KIOSK_WORDS.search(comment)) for comment in unhappy_kiosk) > 0.85 * len(unhappy_kiosk) > 30


def test_every_airline_touchpoint_has_words_of_its_own():
    assert {touchpoint.name for moment in AIRLINE for touchpoint in moment.touchpoints} == set(THEMES)


def test_every_sentence_fills_its_numbers():
    rng = random.Random(1)
    sentences = {sentence for theme in THEMES.values() for voice in theme.values()
                 for sentence in (*voice.complaints, *voice.praise, *voice.details)}
    for sentence in sentences:
        filled = _fill(rng, sentence)
        assert "{" not in filled and "}" not in filled, sentence


def test_a_touchpoint_without_a_theme_gets_generic_words():
    rng = random.Random(2)
    comments = {demo_comment(rng, touchpoint="Somewhere new", dissatisfied=True) for _ in range(200)} - {""}
    generic_complaints = [sentence for register in GENERIC.values() for sentence in register.complaints]
    assert comments
    assert all(any(sentence in comment for sentence in generic_complaints) for comment in comments)


BAG_WORDS = re.compile(r"\b(bags?|suitcases?|luggage|maletas?|equipajes?)\b", re.IGNORECASE)
KIOSK_WORDS = re.compile(r"\b(kiosks?|quioscos?)\b", re.IGNORECASE)


def test_the_demo_dashboard_names_bags_at_baggage_claim_and_the_kiosk_at_check_in():
    demo_load(ratings=8000, stdout=lambda line: None)
    rollups_refresh()  # after the load's commit, as ingest schedules it
    cycle = ServiceCycle.objects.get(name=DEMO_CYCLE_NAME)
    unhappy_at_claim = Rating.objects.filter(touchpoint__name="Baggage carousel wait", dissatisfied=True,
                                             occurred_at__gte=timezone.now() - dt.timedelta(weeks=12)
                                             ).exclude(comment="").values_list("comment", flat=True)
    assert sum(1 for comment in unhappy_at_claim if BAG_WORDS.search(comment)) > 0.6 * len(unhappy_at_claim)
    period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone))
    snapshot, _structure = heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
    critical = {item["name"]: item["insights"] for item in snapshot.data["critical_moments"]}
    claim_terms = " ".join(term["term"] for term in critical["Baggage claim"]["terms"][:5])
    checkin_terms = " ".join(term["term"] for term in critical["Check-in"]["terms"][:5])
    assert BAG_WORDS.search(claim_terms) or "esper" in claim_terms or "wait" in claim_terms, claim_terms
    assert KIOSK_WORDS.search(checkin_terms) or "queue" in checkin_terms or "cola" in checkin_terms, checkin_terms
    assert critical["Baggage claim"]["examples"]
