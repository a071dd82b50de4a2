"""Personas in Chromium (issue 19, items 3 and 7): a CX manager describes one (who they
are, goals, a quote) and renames it; in English and Spanish, at 1280 px and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from journeys.models import Membership
from tests.factories import SegmentFactory
from touchpoints.models import Segment

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"nav": "Personas", "name": "Name", "who": "Who they are", "goals": "Goals", "quote": "Quote",
           "create": "Create persona", "save": "Save persona", "created": "Persona “Business traveller” created."},
    "es": {"nav": "Personas", "name": "Nombre", "who": "Quiénes son", "goals": "Objetivos", "quote": "Cita",
           "create": "Crear persona", "save": "Guardar persona", "created": "Persona «Business traveller» creada."},
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_cx_manager_describes_and_renames_a_persona(page, shoot, log_in, cx_manager, language):
    organization = Membership.objects.get(user=cx_manager).organization
    SegmentFactory(organization=organization, name="Student on a budget",
                   description="Travels in the holidays, books months ahead.", goals="The cheapest fare.",
                   quote="I don't mind the layover if it saves me 50 euros.")
    words = WORDS[language]
    log_in(cx_manager)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)
    page.get_by_role("navigation", name="Main" if language == "en" else "Principal").get_by_role(
        "link", name=words["nav"]).click()
    form = page.locator(".create-persona form")
    form.get_by_label(words["name"], exact=True).fill("Business traveller")
    form.get_by_label(words["who"]).fill("Flies twice a month with hand luggage only; books through the company.")
    form.get_by_label(words["goals"]).fill("Arrive on time for the meeting.\nWork on the plane.")
    form.get_by_label(words["quote"], exact=True).fill("Just tell me the gate, and let me board.")
    form.get_by_role("button", name=words["create"]).click()
    expect(page.get_by_text(words["created"])).to_be_visible()
    card = page.locator(".persona").filter(has=page.locator(".persona-name", has_text="Business traveller"))
    expect(card.locator(".persona-quote")).to_have_text("“Just tell me the gate, and let me board.”")
    shoot(f"personas-{language}")

    card.locator("summary").click()
    card.get_by_label(words["name"], exact=True).fill("Frequent business traveller")
    card.get_by_role("button", name=words["save"]).click()
    expect(page.locator(".persona-name", has_text="Frequent business traveller")).to_be_visible()
    persona = Segment.objects.get(name="Frequent business traveller")
    assert persona.goals == "Arrive on time for the meeting.\nWork on the plane."
    assert persona.key == "business-traveller"
