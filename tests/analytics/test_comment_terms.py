"""Comment terms: counted by the rollups' watermark pass, the same on PostgreSQL and SQLite (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from analytics import text
from analytics.models import CORPUS, TermCount, TermForm
from analytics.services import rollups_rebuild, rollups_refresh
from tests.factories import RatingFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def _counts(touchpoint) -> dict[str, tuple[int, int, int, int]]:
    """term → (occurrences, documents, dissatisfied occurrences, dissatisfied documents), summed over days."""
    summed: dict[str, list[int]] = {}
    for term, *counts in TermCount.objects.filter(touchpoint=touchpoint).values_list(
            "term", "occurrences", "documents", "dissatisfied_occurrences", "dissatisfied_documents"):
        row = summed.setdefault(term, [0, 0, 0, 0])
        for index, value in enumerate(counts):
            row[index] += value
    return {term: tuple(row) for term, row in summed.items()}


def test_words_and_pairs_are_counted_per_comment_with_stems_and_forms():
    touchpoint = TouchpointFactory()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Perdieron mi maleta. ¡La maleta llegó rota!")
    RatingFactory(touchpoint=touchpoint, score=2, comment="Maletas perdidas otra vez")
    RatingFactory(touchpoint=touchpoint, score=5, comment="The staff found my suitcase quickly")
    rollups_refresh()
    counts = _counts(touchpoint)
    # "maleta" twice in one comment, "maletas" once in another: 3 occurrences, 2 comments, all dissatisfied.
    assert counts["malet"] == (3, 2, 3, 2)
    assert counts["perd"] == (2, 2, 2, 2)           # perdieron, perdidas (Spanish stemmer)
    assert counts["suitcas"] == (1, 1, 0, 0)        # English comment, satisfied customer
    assert "mi" not in counts and "la" not in counts and "the" not in counts and "my" not in counts
    assert counts["malet lleg"] == (1, 1, 1, 1)     # pairs skip stop words and cross punctuation
    # The corpus row: every comment, and every term counted.
    terms = sum(occurrences for term, (occurrences, *_rest) in counts.items() if term != CORPUS)
    assert counts[CORPUS] == (terms, 3, counts[CORPUS][2], 2)
    forms = dict(TermForm.objects.filter(touchpoint=touchpoint, term="malet").values_list("form", "occurrences"))
    assert forms == {"maleta": 2, "maletas": 1}


def test_a_refresh_counts_each_comment_once_and_a_rebuild_counts_the_same():
    touchpoint = TouchpointFactory()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Waited an hour for my bag")
    rollups_refresh()
    rollups_refresh()
    RatingFactory(touchpoint=touchpoint, score=1, comment="Bag lost, waited at the carousel")
    rollups_refresh()
    before = _counts(touchpoint)
    assert before["bag"] == (2, 2, 2, 2)
    assert before["wait"] == (2, 2, 2, 2)
    rollups_rebuild()
    assert _counts(touchpoint) == before
    rollups_rebuild(cycle_id=touchpoint.moment.cycle_id)
    assert _counts(touchpoint) == before


@pytest.mark.parametrize("comment", ["", "   ", "\n\t", "👍👍🎉", "!!! ???", "12345 678", "<b></b>"])
def test_comments_without_words_count_as_comments_with_no_terms(comment):
    touchpoint = TouchpointFactory()
    RatingFactory(touchpoint=touchpoint, score=1, comment=comment)
    rollups_refresh()
    counts = _counts(touchpoint)
    if comment.strip():
        assert counts == {CORPUS: (0, 1, 0, 1)}
    else:
        assert counts == {}


def test_days_segments_and_touchpoints_are_kept_apart():
    touchpoint, other = TouchpointFactory(), TouchpointFactory()
    now = timezone.now()
    RatingFactory(touchpoint=touchpoint, score=1, comment="kiosk broken", occurred_at=now - dt.timedelta(days=3))
    RatingFactory(touchpoint=touchpoint, score=1, comment="kiosk broken", occurred_at=now - dt.timedelta(days=1))
    RatingFactory(touchpoint=other, score=1, comment="kiosk broken")
    rollups_refresh()
    rows = TermCount.objects.filter(touchpoint=touchpoint, term="kiosk")
    assert rows.count() == 2 and all(row.documents == 1 for row in rows)
    assert TermCount.objects.filter(touchpoint=other, term="kiosk").count() == 1


def test_a_long_mixed_language_comment_with_markup_is_counted_without_error():
    touchpoint = TouchpointFactory()
    long_comment = ("La maleta no llegó and the bag was lost <script>alert(1)</script> " * 200)[:10_000]
    RatingFactory(touchpoint=touchpoint, score=1, comment=long_comment)
    rollups_refresh()
    counts = _counts(touchpoint)
    # More English stop words than Spanish ones: stemmed as English ("bag", "lost"; "maleta" as it is).
    assert counts["bag"] == (long_comment.count(" bag "), 1, long_comment.count(" bag "), 1)
    assert counts["maleta"][1] == 1
    assert all(len(term) <= text.MAX_TERM_LENGTH for term in counts)


def test_comment_analysis_off_counts_nothing_for_that_organization():
    touchpoint, other = TouchpointFactory(), TouchpointFactory()
    organization = touchpoint.organization
    organization.comment_analysis = False
    organization.save()
    RatingFactory(touchpoint=touchpoint, score=1, comment="lost bag")
    RatingFactory(touchpoint=other, score=1, comment="lost bag")
    rollups_refresh()
    assert not TermCount.objects.filter(touchpoint=touchpoint).exists()
    assert TermCount.objects.filter(touchpoint=other, term="lost bag").exists()


CORPUS_SAMPLES = [
    "Perdieron mi maleta y nadie me atendió en el mostrador.",
    "¡Esperé 45 minutos en la cinta! El equipaje salió mojado.",
    "The kiosk froze twice and wouldn't read my passport.",
    "Long queue at the kiosks, only one agent working",
    "QUIOSCO ESTROPEADO. Colas larguísimas, ¿por qué?",
    "Muy amable la tripulación, but the seat was uncomfortable",
    "Wi-Fi didn't work; couldn't even load my e-mail.",
    "Todo perfecto 👍 gracias", "Great crew!!! 10/10", "Über-slow check-in, naïve staff, café frío",
    "no no no no", "El embarque fue un caos: puertas cambiadas sin avisar",
    "Lost baggage desk closed at 23:00; waited until the morning",
    "supercalifragilisticexpialidociousandevenlongerwordthanthat bag",
]


def test_the_counts_are_what_the_rules_find_in_each_comment():
    """The counted terms are `analytics.text`'s (which the examples use too), term for term."""
    touchpoint = TouchpointFactory()
    for index, comment in enumerate(CORPUS_SAMPLES * 2):
        RatingFactory(touchpoint=touchpoint, score=1 + index % 5, comment=comment)
    rollups_refresh()
    expected: dict[str, list[int]] = {}
    for comment in CORPUS_SAMPLES * 2:
        found = text.comment_terms(comment)
        for term, _form in found:
            expected.setdefault(term, [0, 0])[0] += 1
        for term in {term for term, _form in found}:
            expected[term][1] += 1
    counted = {term: [occurrences, documents] for term, (occurrences, documents, *_d) in _counts(touchpoint).items()
               if term != CORPUS}
    assert counted == expected
    forms = {(term, form) for term, form in TermForm.objects.filter(touchpoint=touchpoint).values_list("term", "form")}
    assert forms == {pair for comment in CORPUS_SAMPLES for pair in text.comment_terms(comment)}


def test_switching_analysis_off_forgets_the_words_and_on_counts_them_again(celery_in_process,
                                                                             django_capture_on_commit_callbacks):
    from journeys.services import organization_comment_settings_update

    touchpoint = TouchpointFactory()
    organization = touchpoint.organization
    RatingFactory(touchpoint=touchpoint, score=1, comment="lost bag again")
    rollups_refresh()
    before = _counts(touchpoint)
    assert before["lost bag"][1] == 1
    with django_capture_on_commit_callbacks(execute=True):
        organization_comment_settings_update(organization=organization, comment_analysis=False)
    assert not TermCount.objects.filter(touchpoint=touchpoint).exists()
    assert not TermForm.objects.filter(touchpoint=touchpoint).exists()
    RatingFactory(touchpoint=touchpoint, score=1, comment="lost bag once more")
    rollups_refresh()
    assert not TermCount.objects.filter(touchpoint=touchpoint).exists()
    with django_capture_on_commit_callbacks(execute=True):
        organization_comment_settings_update(organization=organization, comment_analysis=True)
    assert _counts(touchpoint)["lost bag"] == (2, 2, 2, 2)
    # Fixing the language counts again in it: Spanish stems for English words.
    with django_capture_on_commit_callbacks(execute=True):
        organization_comment_settings_update(organization=organization, comment_language="es")
    assert "lost bag" in _counts(touchpoint) and _counts(touchpoint)[CORPUS][1] == 2


def test_the_organization_setting_refuses_unknown_languages():
    from django.core.exceptions import ValidationError

    from journeys.services import organization_comment_settings_update

    organization = TouchpointFactory().organization
    with pytest.raises(ValidationError):
        organization_comment_settings_update(organization=organization, comment_language="fr")
    with pytest.raises(ValidationError):
        organization_comment_settings_update(organization=organization, name="renamed")


def test_the_stems_and_stop_words_are_postgresql_snowball_dictionaries(require_postgres):
    """`analytics.text` stems as PostgreSQL's own Snowball dictionaries (`spanish_stem`,
    `english_stem`) do, and its stop words are the ones they drop."""
    from django.db import connection

    found = sorted({word for comment in CORPUS_SAMPLES for word in text.words(comment)}
                   | text.stop_words(text.SPANISH) | text.stop_words(text.ENGLISH) | {"maletas", "perdieron"})
    with connection.cursor() as cursor:
        for language, dictionary in ((text.SPANISH, "spanish_stem"), (text.ENGLISH, "english_stem")):
            cursor.execute("SELECT w, ts_lexize(%s::regdictionary, w) FROM unnest(%s::text[]) AS w",
                           [dictionary, found])
            for word, lexemes in cursor.fetchall():
                assert (lexemes == []) == (word in text.stop_words(language)), (language, word)
                if lexemes:
                    assert text.stem(word, language) == lexemes[0], (language, word)
