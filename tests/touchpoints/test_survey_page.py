"""The public survey page /s/<token>/: what it shows, what it stores, and every bad input of issue 17."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import RatingFactory, SegmentFactory, TouchpointFactory
from touchpoints.ingest import MAX_COMMENT_LENGTH
from touchpoints.models import Rating, SurveyLink
from touchpoints.survey import form_stamp_new
from touchpoints.survey_links import survey_link_deactivate

from .survey_support import answer, hidden, old_stamp, survey_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(organization):
    return survey_link(organization)


def form_ratings():
    return Rating.objects.filter(source=Rating.Source.FORM)


# --- What the page shows ---------------------------------------------------------------------


def test_the_page_asks_the_touchpoints_question_in_the_browsers_language(client, link):
    english = client.get(f"/s/{link.token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = client.get(f"/s/{link.token}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "How satisfied are you with Bag drop kiosk?" in english and '<html lang="en">' in english
    assert "¿Cuál es su grado de satisfacción con Bag drop kiosk?" in spanish and '<html lang="es">' in spanish
    assert "Muy insatisfecho" in spanish and "Very dissatisfied" in english


def test_lang_in_the_address_switches_the_language_and_the_form_carries_it(client, link):
    html = client.get(f"/s/{link.token}/?lang=es", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in html and hidden(html, "lang") == "es"
    assert f'href="/s/{link.token}/?lang=en"' in html  # the switch to English


def test_a_written_question_replaces_the_default_in_its_language_only(client, organization):
    link = survey_link(organization, question_es="¿Qué tal la facturación?")
    assert "¿Qué tal la facturación?" in client.get(f"/s/{link.token}/?lang=es").content.decode()
    assert "How satisfied are you with" in client.get(f"/s/{link.token}/?lang=en").content.decode()


@pytest.mark.parametrize("scale, expected", [
    ("stars5", ["#star", "5 stars", "1 star"]),
    ("csat5", ["#face-1", "#face-5", "Very satisfied"]),
    ("nps11", ['value="0"', 'value="10"', "Not at all likely", "Extremely likely"]),
    ("ces7", ['value="1"', 'value="7"', "Very difficult", "Very easy"]),
    ("thumbs2", ["#thumb-down", "#thumb-up", "Thumbs up: Yes"]),
])
def test_each_scale_is_shown_as_customers_know_it(client, organization, scale, expected):
    link = survey_link(organization, scale=scale)
    html = client.get(f"/s/{link.token}/?lang=en").content.decode()
    for text in expected:
        assert text in html
    assert html.count('type="radio"') == {"stars5": 5, "csat5": 5, "nps11": 11, "ces7": 7, "thumbs2": 2}[scale]


def test_the_page_works_as_a_plain_form_and_loads_no_chart_library(client, link):
    html = client.get(f"/s/{link.token}/").content.decode()
    assert f'<form method="post" action="/s/{link.token}/"' in html and 'type="submit"' in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="stamp"' in html
    assert "plotly" not in html.lower() and "momento.css" not in html
    assert html.count("<script") == 1 and 'type="module"' in html


def test_the_page_shows_nothing_of_the_organization_beyond_the_question(client, organization, link):
    organization.name = "Secret Airways"
    organization.save()
    TouchpointFactory(moment=link.touchpoint.moment, name="Other counter")
    RatingFactory(touchpoint=link.touchpoint, comment="My passport number is X123")
    html = client.get(f"/s/{link.token}/").content.decode()
    for private in ("Secret Airways", "Other counter", "X123", "Airline", "Bag drop</", link.touchpoint.key):
        assert private not in html


def test_the_page_costs_one_query_and_is_never_cached(client, link):
    client.get(f"/s/{link.token}/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/s/{link.token}/")
    assert len(queries) == 1, [query["sql"] for query in queries]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


# --- A GET never writes; one-click links ----------------------------------------------------------


def test_a_one_click_link_shows_the_score_chosen_and_stores_nothing_until_confirmed(client, link):
    html = client.get(f"/s/{link.token}/?score=4&lang=en").content.decode()
    assert 'value="4" id="score-4" checked' in html
    assert "Confirm my rating" in html and "You chose: Satisfied" in html
    assert not form_ratings().exists()
    response = client.post(f"/s/{link.token}/", {"score": "4", "stamp": old_stamp(link), "lang": "en",
                                                 "csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken")})
    assert response.status_code == 200 and "Thank you!" in response.content.decode()
    rating = form_ratings().get()
    assert (rating.score, rating.touchpoint_id, rating.source) == (4, link.touchpoint_id, "form")


@pytest.mark.parametrize("score", ["9", "abc", "-1", "99999999999"])
def test_a_one_click_score_off_the_scale_chooses_nothing_and_says_so(client, link, score):
    html = client.get(f"/s/{link.token}/?score={score}&lang=en").content.decode()
    assert "checked" not in html and "That score is not on this scale" in html
    assert not form_ratings().exists()


def test_every_page_of_a_link_writes_nothing_on_get(client, link):
    for path in ("", "?score=5", "kiosk/", "embed/?score=1", "print/", "qr.png", "qr.svg"):
        assert client.get(f"/s/{link.token}/{path}").status_code == 200, path
    assert not Rating.objects.exists()


# --- Stored through the ingestion service ---------------------------------------------------------


def test_an_answer_is_a_form_rating_with_the_links_segment_and_comment(client, organization):
    segment = SegmentFactory(organization=organization)
    link = survey_link(organization, segment=segment)
    response = answer(client, link, "2", comment="Queue too long\r\nand slow")
    assert response.status_code == 200
    rating = form_ratings().get()
    assert (rating.score, rating.segment_id, rating.comment) == (2, segment.pk, "Queue too long\nand slow")
    assert rating.dissatisfied and rating.external_id.startswith("momento:")


def test_rollups_count_a_rating_from_the_page(client, link):
    from analytics.models import DailyRollup
    from analytics.services import rollups_refresh

    answer(client, link, "1")
    rollups_refresh()
    rollup = DailyRollup.objects.get(touchpoint=link.touchpoint)
    assert (rollup.n, rollup.dissatisfied) == (1, 1)


def test_a_comment_of_ten_thousand_characters_is_stored_whole(client, link):
    comment = "é" * MAX_COMMENT_LENGTH
    assert answer(client, link, "5", comment=comment).status_code == 200
    assert form_ratings().get().comment == comment


def test_a_100_kb_comment_is_refused_clearly_and_nothing_is_stored(client, link):
    response = answer(client, link, "5", comment="x" * 100_000, lang="en")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your comment is too long: at most 10,000 characters; it has 100,000." in html
    assert 'value="5" id="score-5" checked' in html  # the choice is kept
    assert not Rating.objects.exists()


def test_a_body_far_beyond_any_comment_is_a_413_page(client, link):
    response = answer(client, link, "5", comment="x" * 300_000, lang="es")
    assert response.status_code == 413 and "Su respuesta es demasiado larga" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_comment_is_ignored_where_the_link_asks_for_none(client, organization):
    link = survey_link(organization, comment_enabled=False)
    assert 'name="comment"' not in client.get(f"/s/{link.token}/").content.decode()
    answer(client, link, "3", comment="sneaked in")
    assert form_ratings().get().comment == ""


@pytest.mark.parametrize("score, message", [
    ("", "Choose a score first."), ("abc", "Choose one of the scores shown."), ("6", "Choose one of the scores shown."),
    ("0", "Choose one of the scores shown."), ("4.5", "Choose one of the scores shown."),
])
def test_a_missing_or_off_scale_score_is_asked_again_and_nothing_is_stored(client, link, score, message):
    response = answer(client, link, score, comment="kept", lang="en")
    html = response.content.decode()
    assert response.status_code == 400 and message in html and 'role="alert"' in html
    assert ">kept</textarea>" in html
    assert not Rating.objects.exists()


def test_a_null_character_in_a_comment_is_refused_not_a_500(client, link):
    response = answer(client, link, "4", comment="bad\x00byte", lang="en")
    assert response.status_code == 400 and "cannot be stored" in response.content.decode()
    assert not Rating.objects.exists()


# --- Unknown, ended, deleted -----------------------------------------------------------------------


def _assert_friendly_404(client, path: str) -> None:
    for language, text in (("en", "This survey is not available"), ("es", "Esta encuesta no está disponible")):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 404 and text in response.content.decode()
        post = client.post(path, {"score": "4"}, HTTP_ACCEPT_LANGUAGE=language)
        assert post.status_code == 404 and text in post.content.decode()


def test_an_unknown_token_gets_a_friendly_404_in_the_visitors_language(client, link):
    _assert_friendly_404(client, "/s/no-such-token/")
    _assert_friendly_404(client, "/s/" + "x" * 300 + "/")


def test_a_deactivated_link_gets_the_same_404_and_stores_nothing(client, link):
    survey_link_deactivate(link=link)
    _assert_friendly_404(client, f"/s/{link.token}/")
    assert answer(client, link, "4").status_code == 404
    for path in ("kiosk/", "embed/", "print/", "qr.png", "qr.svg"):
        assert client.get(f"/s/{link.token}/{path}").status_code == 404
    assert not Rating.objects.exists()


def test_an_expired_link_gets_the_same_404(client, link):
    SurveyLink.objects.filter(pk=link.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    _assert_friendly_404(client, f"/s/{link.token}/")
    assert not Rating.objects.exists()


def test_a_link_whose_touchpoint_was_deleted_gets_the_same_404(client, link):
    token = link.token
    link.touchpoint.delete()
    _assert_friendly_404(client, f"/s/{token}/")


# --- Abuse ----------------------------------------------------------------------------------------


def test_the_public_form_works_with_csrf_protection_on(link):
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(f"/s/{link.token}/").content.decode()
    data = {"score": "5", "stamp": old_stamp(link), "csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken")}
    assert browser.post(f"/s/{link.token}/", data).status_code == 200
    assert form_ratings().count() == 1


def test_a_post_without_the_csrf_token_is_refused_with_a_friendly_page(link):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(f"/s/{link.token}/", {"score": "5", "stamp": old_stamp(link)},
                            HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert response.status_code == 403 and "No se ha podido enviar su respuesta" in html
    assert f'href="/s/{link.token}/"' in html
    assert not Rating.objects.exists()


def test_a_bot_that_fills_the_honeypot_is_thanked_and_nothing_is_stored(client, link):
    response = answer(client, link, "5", website="http://spam.example")
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert not Rating.objects.exists()


def test_an_answer_under_two_seconds_is_refused_then_the_second_tap_counts(client, link, settings):
    stamp = form_stamp_new(link, now=timezone.now() - dt.timedelta(seconds=1))
    response = answer(client, link, "4", stamp=stamp, lang="en")
    html = response.content.decode()
    assert response.status_code == 400 and "That was quick!" in html
    assert hidden(html, "stamp") == stamp and 'value="4" id="score-4" checked' in html
    assert not Rating.objects.exists()
    # The same form a moment later (its stamp now over two seconds old) is accepted.
    settings.MOMENTO_SURVEY_MIN_SECONDS = 0.5
    assert answer(client, link, "4", stamp=stamp).status_code == 200
    assert form_ratings().count() == 1


@pytest.mark.parametrize("stamp", ["", "garbage", "eyJsIjoxLCJ0IjoxfQ:1x:forged"])
def test_a_missing_or_forged_stamp_shows_the_form_again_and_stores_nothing(client, link, stamp):
    response = answer(client, link, "4", stamp=stamp, lang="en")
    assert response.status_code == 400 and "This form had expired" in response.content.decode()
    assert hidden(response.content.decode(), "stamp") != stamp
    assert not Rating.objects.exists()


def test_a_stamp_of_another_link_or_older_than_a_day_is_refused(client, organization, link):
    other = survey_link(organization, touchpoint_name="Gate")
    assert answer(client, link, "4", stamp=old_stamp(other)).status_code == 400
    assert answer(client, link, "4", stamp=old_stamp(link, seconds=25 * 3600)).status_code == 400
    assert not Rating.objects.exists()


def test_an_address_over_the_limit_gets_a_friendly_429_in_its_language(client, organization, settings):
    settings.MOMENTO_SURVEY_ADDRESS_LIMIT = 3
    link, other = survey_link(organization), survey_link(organization, touchpoint_name="Gate")
    for score in ("1", "2"):
        assert answer(client, link, score).status_code == 200
    assert answer(client, other, "3").status_code == 200  # the address limit counts every link
    response = answer(client, other, "4", lang="es")
    assert response.status_code == 429
    assert "Demasiadas respuestas" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= settings.MOMENTO_SURVEY_LIMIT_WINDOW_SECONDS
    assert answer(client, link, "5", address="198.51.100.7").status_code == 200  # another address is not limited
    assert form_ratings().count() == 4


def test_a_link_over_its_limit_refuses_every_address(client, link, settings):
    settings.MOMENTO_SURVEY_LINK_LIMIT = 2
    assert [answer(client, link, "4", address=f"192.0.2.{n}").status_code for n in range(4)] == [200, 200, 429, 429]
    assert form_ratings().count() == 2


def test_one_rating_per_device_per_day_is_stated_and_kept_by_a_cookie(client, organization):
    link = survey_link(organization, one_per_device=True)
    assert "One rating per device per day" in client.get(f"/s/{link.token}/?lang=en").content.decode()
    first = answer(client, link, "4")
    cookie = first.cookies["momento_rated"]
    assert cookie["path"] == f"/s/{link.token}/" and cookie["httponly"] and int(cookie["max-age"]) == 24 * 3600
    again = client.get(f"/s/{link.token}/?lang=en")
    assert "You have already rated this" in again.content.decode() and "<form" not in again.content.decode()
    assert "You have already rated this" in answer(client, link, "1", lang="en").content.decode()
    assert form_ratings().count() == 1
    client.cookies.clear()  # another device
    assert answer(client, link, "1").status_code == 200 and form_ratings().count() == 2


def test_a_link_without_the_device_limit_sets_no_cookie(client, link):
    assert "momento_rated" not in answer(client, link, "4").cookies
    assert "One rating per device" not in client.get(f"/s/{link.token}/?lang=en").content.decode()
