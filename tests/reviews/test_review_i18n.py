"""The review page, its messages and the digest speak the reader's language (Spanish here),
including the status buttons that used to stay English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from reviews.emails import review_digest_send
from reviews.models import ReviewItem
from reviews.selectors import iso_week_label
from reviews.services import review_item_transition, review_week_open
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(cycle, carousel, lost_desk, week):
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=5, dissatisfied=1)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=40, dissatisfied=30)
    review_week_open(cycle=cycle, week_start=week)
    return ReviewItem.objects.get()


def spanish_page(client, cycle, week=None) -> str:
    url = reverse("reviews:week", args=[cycle.pk]) + (f"?week={iso_week_label(week)}" if week else "")
    return client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_the_status_buttons_and_figures_are_in_spanish(client, team_lead, cycle, week, opened):
    client.force_login(team_lead)

    html = spanish_page(client, cycle, week)

    for spanish in ("Reconocer", "Descartar…", "Puntos de contacto críticos de este momento", "Sin datos anteriores",
                    "Sin datos anteriores (5 valoraciones la semana anterior)", "Apertura de la revisión"):
        assert spanish in html, spanish
    for english in (">Acknowledge<", "No earlier data", "Critical touchpoints in this moment"):
        assert english not in html, english
    review_item_transition(item=opened, status="acknowledged", actor=team_lead)
    assert "Marcar acción planificada" in spanish_page(client, cycle, week)


def test_reopening_is_in_spanish(client, team_lead, cycle, week, opened):
    for status in ("acknowledged", "action_planned", "resolved"):
        review_item_transition(item=opened, status=status, actor=team_lead)
    client.force_login(team_lead)

    html = spanish_page(client, cycle, week)
    assert "Reabrir…" in html and "¿Por qué se reabre?" in html

    response = client.post(reverse("reviews:item_status", args=[cycle.pk, opened.pk]),
                           {"status": "open", "reason": ""}, HTTP_ACCEPT_LANGUAGE="es", follow=True)
    assert "Indica por qué se reabre el elemento." in response.content.decode()


def test_the_open_week_button_and_its_message_are_in_spanish(client, team_lead, cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    client.force_login(team_lead)
    assert "Abrir la revisión de esta semana" in spanish_page(client, cycle)

    response = client.post(reverse("reviews:open_week", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="es", follow=True)

    assert f"Semana {iso_week_label(week)} abierta: 1 elemento crítico." in response.content.decode()


def test_the_digest_is_in_the_sites_language(settings, cycle, team_lead, week, opened):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "es"

    review_digest_send(cycle=cycle, week_start=week)

    body = mail.outbox[0].body
    assert "20 de 40 insatisfechos (50\u00a0%)" in body and "sin datos anteriores" in body
    assert "Estado: Abierto" in body or "Estado: Abierta" in body
    assert "dissatisfied" not in body and "no earlier data" not in body
