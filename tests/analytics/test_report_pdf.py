"""The PDF report of a cycle for a period (issue 19, item 5): what it says, in both
languages, for a period with ratings and without, and GET /cycles/<id>/report.pdf."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from analytics.periods import Period, last_weeks, local_today
from analytics.report import CORE_SECTIONS, report_pdf, report_sections
from tests.analytics.report_data import PROTOCOLS, pdf_pages, pdf_text, report_airline
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def airline(organization, member):
    return report_airline(organization=organization, owner=member)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def _period(cycle) -> Period:
    return last_weeks(weeks=8, today=local_today(cycle.timezone))


def _flat(text: str) -> str:
    """The text with its line breaks as spaces (a long line wraps in the PDF)."""
    return " ".join(text.split())


def test_the_report_names_the_cycle_every_critical_moment_its_protocol_customers_words_and_review(airline, member):
    """One report read through (each PDF takes seconds to draw)."""
    content = report_pdf(cycle=airline, period=_period(airline))
    assert content.startswith(b"%PDF-")
    text = _flat(pdf_text(content))
    assert "Aerolínea Ñandú → ≥ 2026" in text, "the cycle's name, accents and signs included"
    for name in ("1. Baggage claim · SMOT", "2. Check-in · SMOT"):
        assert name in text
    for protocol in PROTOCOLS.values():
        assert _flat(protocol) in text
    # The service-cycle wheel comes before the heatmap, its moments named around it.
    wheel = text.split("Service-cycle wheel")[1].split("Heatmap: dissatisfied share")[0]
    assert "Baggage claim" in wheel and "Check-in" in wheel and "Flight" in wheel
    critical = text.split("Critical moments")[-1].split("Weekly review")[0]
    assert "3. Flight" not in critical, "not critical"
    assert "Words that stand out:" in critical and "maleta perdida (in 31 comments" in critical
    assert "kiosk froze (in 28 comments" in critical
    # Verbatims, the customer's markup as plain text.
    assert "<script>alert(1)</script> Mi maleta perdida" in critical
    assert "score 1/5 · Carousel" in critical
    # The week's review items: status, owner, notes, actions.
    review = text.split("Weekly review")[-1]
    assert "1. Baggage claim" in review
    assert "Status: Action planned" in review
    assert f"Owner: {member.get_username()}" in review
    assert "Carousel 3 jams since Monday" in review
    assert "○ Second carousel team on Sundays (due" in review and "· to do" in review
    assert "✓ Call the carousel supplier · done" in review
    # Two raster charts (the wheel is vectors), a bookmark per section, and one embedded font
    # that has every sign.
    reader = PdfReader(io.BytesIO(content))
    assert len([image for page in reader.pages for image in page.images]) == 2, "the heatmap and the emotion curve"
    assert [entry.title for entry in reader.outline] == [
        "Service-cycle wheel", "Heatmap: dissatisfied share", "Emotion curve", "Critical moments", "Weekly review"]
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts and all("DejaVuSans" in font for font in fonts), fonts


def test_the_report_is_written_in_spanish_with_its_dates_and_numbers(airline):
    with translation.override("es"):
        text = _flat(pdf_text(report_pdf(cycle=airline, period=_period(airline))))
    assert "Informe del ciclo de servicio" in text
    assert "Momentos críticos" in text and "Curva emocional" in text and "Revisión semanal" in text
    assert "Estado: Acción planificada" in text
    assert "75 %" in text, "Spanish percentages"


def test_a_period_without_ratings_gives_a_report_that_says_so(airline):
    period = Period(start=dt.date(2020, 1, 6), end=dt.date(2020, 2, 2))
    content = report_pdf(cycle=airline, period=period)
    text = _flat(pdf_text(content))
    assert "No ratings in this period" in text and "there is nothing to chart" in text
    assert "Nothing to draw: no ratings in this period." in text
    assert "No critical moments in this period." in text
    assert "No weekly review was opened for a week of this period." in text
    assert not [image for page in PdfReader(io.BytesIO(content)).pages for image in page.images]


def test_a_cycle_without_moments_gives_a_report_that_says_so(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Empty")
    text = _flat(pdf_text(report_pdf(cycle=cycle, period=_period(cycle))))
    assert "Empty" in text and "This cycle has no moments of truth yet." in text


def test_forty_moments_with_names_of_120_characters_still_make_a_report(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Long")
    names = [f"{index:02d} " + "Recogida de equipaje en la cinta número tres " * 3 for index in range(40)]
    for name in names:
        TouchpointFactory(moment=MomentFactory(cycle=cycle, name=name[:120]))
    from tests.factories import RatingFactory

    touchpoint = cycle.moments.get(position=0).touchpoints.get()
    for _ in range(3):
        RatingFactory(touchpoint=touchpoint, score=1)
    from analytics.services import rollups_refresh

    rollups_refresh()
    content = report_pdf(cycle=cycle, period=_period(cycle))
    assert 2 <= pdf_pages(content) <= 8
    text = _flat(pdf_text(content))
    assert "Moments of truth: 40" in text and "Too few ratings to judge" in text


def test_the_sections_are_the_cores_and_the_contributed_ones_in_order(airline):
    sections = report_sections(cycle=airline, period=_period(airline))
    assert [type(section).__name__ for section in sections] == [
        *(factory.__name__ for factory in CORE_SECTIONS), "ReviewItemsSection"]
    assert [section.order for section in sections] == sorted(section.order for section in sections)


def test_get_report_pdf_downloads_the_report_of_the_period_asked_for(signed_in, airline):
    response = signed_in.get(reverse("analytics:report_pdf", args=[airline.pk]), {"weeks": "4"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    start = _period(airline).end - dt.timedelta(days=local_today(airline.timezone).weekday() + 21)
    assert response["Content-Disposition"] == (
        f'attachment; filename="momento-aerolinea-nandu-2026-{start.isoformat()}-'
        f'{local_today(airline.timezone).isoformat()}.pdf"')
    text = _flat(pdf_text(response.content))
    assert "Baggage claim" in text and "Check-in" in text


def test_get_report_pdf_in_the_visitors_language(signed_in, organization):
    cycle = ServiceCycleFactory(organization=organization, name="Vacío")
    response = signed_in.get(reverse("analytics:report_pdf", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="es")
    assert "Este ciclo aún no tiene momentos de la verdad." in _flat(pdf_text(response.content))


@pytest.mark.parametrize("params, message", [
    ({"start": "2026-13-01", "end": "2026-12-01"}, "Give both start and end as dates (YYYY-MM-DD)."),
    ({"start": "2026-02-01", "end": "2026-01-01"}, "The period ends before it starts."),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "The period is too long"),
    ({"weeks": "many"}, "The number of weeks must be a whole number."),
])
def test_a_bad_period_is_a_400_page_that_says_why(signed_in, organization, params, message):
    cycle = ServiceCycleFactory(organization=organization)
    response = signed_in.get(reverse("analytics:report_pdf", args=[cycle.pk]), params)
    assert response.status_code == 400 and message in response.content.decode()


def test_another_organizations_cycle_is_not_found(client, organization, outsider):
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(outsider)
    assert client.get(reverse("analytics:report_pdf", args=[cycle.pk])).status_code == 404


def test_a_viewer_may_export_the_report(client, organization):
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(MembershipFactory(organization=organization, role="viewer").user)
    response = client.get(reverse("analytics:report_pdf", args=[cycle.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_signed_out_visitors_are_sent_to_log_in(client, organization):
    response = client.get(reverse("analytics:report_pdf", args=[ServiceCycleFactory(organization=organization).pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_svg_drawing_keeps_its_words_in_the_documents_font():
    """How the service-cycle wheel (an SVG) can join the report: as vectors, its labels
    in DejaVu whatever family it names (fpdf2's fallback core fonts have no "→")."""
    from analytics.report_document import ReportDocument

    document = ReportDocument(title="t", footer_text="f", language="es", created_at=dt.datetime(2026, 12, 7))
    document.svg_chart(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">'
        '<path d="M100 100 L180 100 A80 80 0 0 1 100 180 Z" fill="#1a9850"/>'
        '<text x="100" y="60" font-family="Arial, sans-serif" font-size="12">Facturación → ≥ 25 %</text>'
        '<text x="100" y="90" style="font-family: Helvetica; font-size: 10px">Embarque ●</text></svg>',
        width=90, alt_text="wheel")
    text = pdf_text(document.pdf_bytes())
    assert "Facturación → ≥ 25 %" in text and "Embarque ●" in text
