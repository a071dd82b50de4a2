"""Survey links as services: making and changing them, their snippets, per-recipient links
(one answer per recipient, signatures that cannot be altered or moved), QR codes, framing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.factories import OrganizationFactory, SegmentFactory
from touchpoints.models import Rating, SurveyLink
from touchpoints.survey_links import (
    email_buttons_html,
    embed_html,
    recipient_external_id,
    recipient_from_signed,
    recipient_signed,
    recipient_url,
    survey_link_create,
    survey_link_update,
)
from touchpoints.survey_texts import texts_by_language

from .survey_support import answer, survey_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(organization):
    return survey_link(organization)


# --- Making and changing ---------------------------------------------------------------------


def test_a_new_link_is_open_with_an_unguessable_token_and_default_texts(link):
    assert link.is_open() and len(link.token) == 22
    assert texts_by_language(link) == {
        "question": {"es": "¿Cuál es su grado de satisfacción con Bag drop kiosk?",
                     "en": "How satisfied are you with Bag drop kiosk?"},
        "comment_prompt": {"es": "¿Quiere contarnos algo más? (opcional)",
                           "en": "Would you like to tell us more? (optional)"},
    }


def test_a_segment_of_another_organization_is_refused(organization):
    with pytest.raises(ValidationError) as refused:
        survey_link(organization, segment=SegmentFactory(organization=OrganizationFactory()))
    assert "segment" in refused.value.message_dict
    assert not SurveyLink.objects.exists()


def test_an_end_in_the_past_is_refused_and_a_question_too_long_too(link):
    with pytest.raises(ValidationError) as refused:
        survey_link_update(link=link, ends_at=timezone.now() - dt.timedelta(hours=1))
    assert "ends_at" in refused.value.message_dict
    with pytest.raises(ValidationError):
        survey_link_update(link=link, question_en="x" * 301)
    link.refresh_from_db()
    assert link.ends_at is None and link.question_en == ""


def test_an_unknown_field_is_refused(link):
    with pytest.raises(ValidationError):
        survey_link_create(touchpoint=link.touchpoint, token="chosen")
    with pytest.raises(ValidationError):
        survey_link_update(link=link, touchpoint=link.touchpoint)


def test_changing_a_link_keeps_its_address(link):
    token = link.token
    changed = survey_link_update(link=link, question_en="  How was bag drop?  ", one_per_device=True)
    assert changed.token == token and changed.question_en == "How was bag drop?" and changed.one_per_device


def test_a_link_past_its_end_is_closed(link):
    SurveyLink.objects.filter(pk=link.pk).update(ends_at=timezone.now() - dt.timedelta(seconds=1))
    link.refresh_from_db()
    assert not link.is_open()


# --- Snippets ------------------------------------------------------------------------------------


def test_the_embed_snippet_frames_the_embedded_form_and_loads_the_widget_from_momento(link, settings):
    settings.MOMENTO_SITE_URL = "https://cx.example.com/"
    snippet = embed_html(link)
    assert f'<iframe src="https://cx.example.com/s/{link.token}/embed/"' in snippet
    assert 'data-momento-survey' in snippet and 'title="How satisfied are you with Bag drop kiosk?"' in snippet
    assert '<script type="module" src="https://cx.example.com/static/js/survey_widget.js"></script>' in snippet


def test_the_email_buttons_open_the_page_with_each_score_and_the_language(organization, settings):
    settings.MOMENTO_SITE_URL = "https://cx.example.com"
    link = survey_link(organization, scale="nps11")
    html = email_buttons_html(link, language="es")
    for score in range(11):
        assert f'href="https://cx.example.com/s/{link.token}/?score={score}&amp;lang=es"' in html
    assert "recomendaría" in html and "<script" not in html


def test_the_email_buttons_of_a_recipient_carry_the_signed_reference(link):
    html = email_buttons_html(link, language="en", recipient="ticket-4711")
    signed = recipient_signed(link, "ticket-4711")
    assert html.count(f"/s/{link.token}/r/{signed}/?score=") == 5
    assert "ticket-4711" not in html.replace(signed, "")  # readable only inside the signed part


# --- Per-recipient links ---------------------------------------------------------------------------


def test_a_signed_recipient_part_gives_back_its_reference_and_nothing_else(organization, link):
    signed = recipient_signed(link, "ticket-4711")
    assert recipient_from_signed(link, signed) == "ticket-4711"
    other = survey_link(organization, touchpoint_name="Gate")
    assert recipient_from_signed(other, signed) is None  # bound to its link
    assert recipient_from_signed(link, signed[:-1] + ("A" if signed[-1] != "A" else "B")) is None
    assert recipient_from_signed(link, "garbage") is None


def test_the_rating_key_of_a_recipient_is_stable_and_shows_no_reference(link):
    key = recipient_external_id(link, "ticket-4711")
    assert key == recipient_external_id(link, "ticket-4711") != recipient_external_id(link, "ticket-4712")
    assert "4711" not in key and len(key) <= 128


@pytest.mark.parametrize("recipient", ["", "   ", "x" * 201, "bad\nline", 42])
def test_a_recipient_reference_must_be_short_printable_text(link, recipient):
    with pytest.raises(ValidationError):
        recipient_signed(link, recipient)


def test_a_recipient_rates_once_and_a_replay_says_already_rated(client, link):
    path = recipient_url(link, "ticket-4711").split("127.0.0.1:8000", 1)[-1]
    assert client.get(path).status_code == 200
    assert answer(client, link, "2", path=path, comment="slow").status_code == 200
    rating = Rating.objects.get()
    assert rating.external_id == recipient_external_id(link, "ticket-4711") and rating.source == "form"
    for score in ("2", "5"):  # the same answer again, or another one
        again = answer(client, link, score, path=path, lang="en")
        assert again.status_code == 200 and "You have already rated this" in again.content.decode()
    page = client.get(path + "?score=5&lang=en").content.decode()
    assert "You have already rated this" in page and "<form" not in page
    assert Rating.objects.count() == 1 and Rating.objects.get().score == 2


def test_another_recipient_of_the_same_link_rates_too(client, link):
    for recipient in ("ticket-1", "ticket-2"):
        path = recipient_url(link, recipient).split("127.0.0.1:8000", 1)[-1]
        assert answer(client, link, "4", path=path).status_code == 200
    assert Rating.objects.count() == 2


def test_a_tampered_or_moved_recipient_link_is_a_friendly_404_that_stores_nothing(client, organization, link):
    signed = recipient_signed(link, "ticket-4711")
    tampered = signed.replace(signed.split(":")[0], recipient_signed(link, "ticket-4712").split(":")[0])
    other = survey_link(organization, touchpoint_name="Gate")
    for path in (f"/s/{link.token}/r/{tampered}/", f"/s/{other.token}/r/{signed}/", f"/s/{link.token}/r/x/"):
        for language, text in (("en", "This personal link is damaged"), ("es", "Este enlace personal está dañado")):
            assert text in client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        response = answer(client, link, "4", path=path)
        assert response.status_code == 404
    assert not Rating.objects.exists()


def test_a_recipient_link_ignores_the_device_limit(client, organization):
    link = survey_link(organization, one_per_device=True)
    assert answer(client, link, "4").status_code == 200  # sets the device cookie
    path = recipient_url(link, "ticket-9").split("127.0.0.1:8000", 1)[-1]
    assert "<form" in client.get(path).content.decode()
    assert answer(client, link, "4", path=path).status_code == 200
    assert Rating.objects.count() == 2


# --- Kiosk, embed, QR, print -------------------------------------------------------------------------


def test_the_kiosk_shows_no_comment_box_unless_asked_and_is_not_limited_per_device(client, organization):
    link = survey_link(organization, one_per_device=True)
    kiosk = client.get(f"/s/{link.token}/kiosk/").content.decode()
    assert 'name="comment"' not in kiosk and 'data-autosubmit' in kiosk and 'value="kiosk"' in kiosk
    assert 'data-idle-seconds="20"' in kiosk and f'data-reset-url="/s/{link.token}/kiosk/?lang=en"' in kiosk
    for score in ("5", "4"):
        done = answer(client, link, score, mode="kiosk", comment="not asked")
        assert done.status_code == 200 and "momento_rated" not in done.cookies
        assert f'<meta http-equiv="refresh" content="5;url=/s/{link.token}/kiosk/?lang=en">' in done.content.decode()
    assert list(Rating.objects.values_list("comment", flat=True)) == ["", ""]
    survey_link_update(link=link, kiosk_comment=True)
    assert 'name="comment"' in client.get(f"/s/{link.token}/kiosk/").content.decode()


def test_only_the_embedded_form_may_be_framed(client, link):
    embedded = client.get(f"/s/{link.token}/embed/")
    assert "X-Frame-Options" not in embedded
    assert "frame-ancestors *" in embedded["Content-Security-Policy"]
    assert "script-src 'self';" in embedded["Content-Security-Policy"]
    assert f'action="/s/{link.token}/"' in embedded.content.decode()  # posts to the public page's address
    thanked = answer(client, link, "4", mode="embed")
    assert "X-Frame-Options" not in thanked and "frame-ancestors *" in thanked["Content-Security-Policy"]
    for path in ("", "kiosk/", "print/", "?mode=embed"):
        response = client.get(f"/s/{link.token}/{path}")
        assert response["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert answer(client, link, "4")["X-Frame-Options"] == "DENY"


def test_over_https_the_embedded_form_sends_its_csrf_cookie_to_other_sites(link, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get(f"/s/{link.token}/embed/", HTTP_X_FORWARDED_PROTO="https")
    cookie = response.cookies["csrftoken"]
    assert cookie["samesite"] == "None" and cookie["secure"]
    page = Client().get(f"/s/{link.token}/", HTTP_X_FORWARDED_PROTO="https")
    assert page.cookies["csrftoken"]["samesite"] == "Lax"


def test_qr_codes_are_a_png_and_an_svg_of_the_public_address(client, link):
    png = client.get(f"/s/{link.token}/qr.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = client.get(f"/s/{link.token}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg") and b"<path" in svg.content
    assert "max-age=3600" in png["Cache-Control"]


def test_the_printable_poster_has_the_qr_code_with_the_question_under_it(client, link):
    html = client.get(f"/s/{link.token}/print/?lang=es").content.decode()
    assert html.index(f'src="/s/{link.token}/qr.svg"') < html.index(
        '<h1 class="survey-question">¿Cuál es su grado de satisfacción con')
    assert f"http://127.0.0.1:8000/s/{link.token}/" in html and "Escanee el código" in html
