"""Key drivers in Chromium (issue 18): the priority matrix beside the emotion curve, the
effect column, the customer's path; and a CX manager erasing a customer on the erasure
page. English and Spanish, 1280 and 390 px (the `shoot` fixture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from analytics.services import rollups_refresh
from journeys.models import Membership
from tests.analytics.drivers_data import Journey, traveller_ratings
from tests.browser.test_dashboard_insights import _open
from tests.factories import MembershipFactory, UserFactory
from touchpoints.models import CustomerErasure, Rating
from touchpoints.services import ratings_record

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"matrix": "Priority matrix: which moments drive loyalty", "fix": "Fix first", "path": "The customer's path",
           "effect": "Effect on “Recommendation”", "erasure": "Erasure requests", "reference": "The customer's reference",
           "confirm": "I understand that every rating of this customer is deleted for good.",
           "erase": "Erase this customer's ratings", "done": "Erasure done"},
    "es": {"matrix": "Matriz de prioridad: qué momentos impulsan la lealtad", "fix": "Arreglar primero",
           "path": "El recorrido del cliente", "effect": "Efecto en «Recommendation»",
           "erasure": "Solicitudes de supresión", "reference": "La referencia del cliente",
           "confirm": "Entiendo que todas las valoraciones de este cliente se borran para siempre.",
           "erase": "Suprimir las valoraciones de este cliente", "done": "Supresión hecha"},
}


@pytest.fixture
def travellers(transactional_db):
    journey = Journey()
    ratings_record(organization=journey.organization,
                   rows=traveller_ratings(journey, driver="Baggage claim", travellers=500, seed=18, bad_share=0.35))
    rollups_refresh()
    user = UserFactory(username="maria")
    MembershipFactory(user=user, organization=journey.organization, role=Membership.Role.CX_MANAGER)
    return journey, user


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_priority_matrix_sits_beside_the_emotion_curve_and_names_the_driver(page, log_in, shoot, travellers,
                                                                                language):
    journey, user = travellers
    words = WORDS[language]
    _open(page, log_in, user, language, f"/cycles/{journey.cycle.pk}/dashboard/")
    expect(page.locator("body[data-charts-ready]")).to_be_attached()
    expect(page.get_by_role("heading", name=words["matrix"])).to_be_visible()
    chart = page.locator("#priority-chart")
    expect(chart.locator(".main-svg").first).to_be_attached()
    expect(chart.locator(".annotation-text", has_text=words["fix"])).to_have_count(1)
    expect(page.locator(".drivers-list tbody tr").first).to_contain_text("Baggage claim")
    expect(page.locator(".critical-list thead")).to_contain_text(words["effect"])
    expect(page.get_by_role("heading", name=words["path"])).to_be_visible()
    expect(page.locator("#paths-chart .main-svg").first).to_be_attached()
    # Side by side at 1280 px: the matrix's card starts level with the emotion curve's.
    emotion = page.locator("#emotion-chart").bounding_box()
    matrix = chart.bounding_box()
    assert matrix["x"] > emotion["x"] + emotion["width"] - 1, (emotion, matrix)
    page.locator("#drivers-title").scroll_into_view_if_needed()
    shoot(f"key-drivers-{language}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_cx_manager_erases_a_customer_from_the_erasure_page(page, log_in, shoot, travellers, language):
    _journey, user = travellers
    words = WORDS[language]
    before = Rating.objects.count()
    _open(page, log_in, user, language, "/")
    page.get_by_role("link", name=words["erasure"]).click()
    expect(page.get_by_role("heading", name=words["erasure"], exact=True)).to_be_visible()
    page.get_by_label(words["reference"]).fill("traveller-3")
    page.get_by_role("button", name=words["erase"]).click()  # not confirmed: refused, nothing erased
    expect(page.locator(".field-error").first).to_be_visible()
    assert Rating.objects.count() == before
    page.get_by_label(words["reference"]).fill("traveller-3")
    page.get_by_label(words["confirm"]).check()
    page.get_by_role("button", name=words["erase"]).click()
    expect(page.locator(".messages")).to_contain_text(words["done"])
    removed = CustomerErasure.objects.get().ratings
    assert removed > 0 and Rating.objects.count() == before - removed
    row = page.locator(".erasure-list tbody tr").first
    expect(row).to_contain_text("maria")
    expect(row).to_contain_text(str(removed))
    assert "traveller-3" not in page.content()
    shoot(f"erasure-{language}")
    assert re.search(r"/organizations/\d+/erasure/$", page.url)
