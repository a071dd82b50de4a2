"""The CX manager's job in Chromium: log in, create a cycle from the template, reorder it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.cycle_templates import AIRLINE as AIRLINE_CYCLE
from journeys.models import Moment, ServiceCycle
from journeys.services import moment_reorder

pytestmark = pytest.mark.browser

TEMPLATE_NAMES = [spec[0] for spec in AIRLINE_CYCLE]


def lane_names(page) -> list[str]:
    return page.locator("#lane .moment-name").all_inner_texts()


def editor_ready(page) -> None:
    """Wait for editor.js: after a form's redirect the lane is visible before
    the scripts at the end of the page have run (the Spanish catalogue first)."""
    expect(page.locator("#lane-region[data-ready='true']")).to_be_attached()


def db_names(cycle) -> list[str]:
    return list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("name", flat=True))


def test_create_from_template_then_reorder_by_keyboard_and_drag_and_drop(page, shoot, log_in, cx_manager):
    log_in(cx_manager)
    expect(page.get_by_role("heading", name="Service cycles")).to_be_visible()
    page.get_by_label("Name").fill("Our airline")
    page.get_by_label("Airline passenger journey").check()
    shoot("cycle-list-empty")
    page.get_by_role("button", name="Create cycle").click()

    expect(page.get_by_role("heading", name="Our airline")).to_be_visible()
    expect(page.locator("#lane .moment-card")).to_have_count(len(TEMPLATE_NAMES))
    assert lane_names(page) == TEMPLATE_NAMES
    shoot("editor")
    editor_ready(page)
    cycle = ServiceCycle.objects.get(name="Our airline")

    # Keyboard: focus "Move Ticket purchase left" and press Enter.
    page.get_by_role("button", name="Move Ticket purchase left").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#editor-status")).to_have_text("New order saved.")
    assert lane_names(page)[:2] == ["Ticket purchase", "Flight search"]
    # Focus stays with the moved card ("left" is disabled at the start, so it is
    # on "right"): the next key press moves the same card on.
    expect(page.get_by_role("button", name="Move Ticket purchase right")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#lane .moment-name").nth(1)).to_have_text("Ticket purchase")
    page.get_by_role("button", name="Move Ticket purchase left").click()
    expect(page.locator("#lane .moment-name").first).to_have_text("Ticket purchase")

    # Drag and drop: Bag drop onto the right half of the first card → second place.
    source = page.locator('#lane .moment-card:has(h2:text-is("Bag drop"))')
    target = page.locator("#lane .moment-card").first
    box = target.bounding_box()
    source.drag_to(target, target_position={"x": box["width"] * 0.8, "y": 40})
    expect(page.locator("#editor-status")).to_have_text("New order saved.")
    expected = ["Ticket purchase", "Bag drop", "Flight search"]
    assert lane_names(page)[:3] == expected

    page.reload()
    assert lane_names(page)[:3] == expected
    assert db_names(cycle)[:3] == expected
    shoot("editor-reordered")


def test_add_edit_delete_moment_and_add_touchpoint(page, shoot, log_in, cx_manager):
    from journeys.services import cycle_create, moment_add

    cycle = cycle_create(organization=cx_manager.memberships.get().organization, name="Hotel stay")
    moment_add(cycle=cycle, name="Booking", kind="FMOT")
    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/")
    editor_ready(page)

    # An empty name and a 500-character name are refused; nothing is saved.
    page.get_by_role("button", name="Add moment").click()
    expect(page.locator('[data-error-for="name"]').first).to_have_text("Give the moment a name.")
    assert db_names(cycle) == ["Booking"]
    # The field itself stops at 120 characters (the server refuses 500 too:
    # tests/journeys/test_pages_editor.py).
    page.get_by_label("Name of the new moment").fill("x" * 500)
    expect(page.get_by_label("Name of the new moment")).to_have_value("x" * 120)

    page.get_by_label("Name of the new moment").fill("Check-in at the front desk")
    page.locator("#add-moment-form").get_by_label("Kind").select_option("SMOT")
    page.get_by_role("button", name="Add moment").click()
    expect(page.locator("#lane .moment-card")).to_have_count(2)

    # Touchpoint through the dialog.
    page.get_by_role("button", name="Add a touchpoint to Check-in at the front desk").click()
    dialog = page.locator("#touchpoint-dialog")
    dialog.get_by_label("Name").fill("Reception desk")
    dialog.get_by_label("Channel").select_option("in_person")
    dialog.get_by_label("Human or digital").select_option("human")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    card = page.locator('#lane .moment-card:has(h2:text-is("Check-in at the front desk"))')
    expect(card.locator(".touchpoint-name")).to_have_text("Reception desk")
    expect(card.locator("svg.channel-icon")).to_have_attribute("aria-label", "In person")

    # Edit kind, protocol and owner.
    page.get_by_role("button", name="Edit Booking").click()
    dialog = page.locator("#moment-dialog")
    dialog.get_by_label("Protocol").fill("Confirm by e-mail within a minute.")
    dialog.get_by_label("Owner").select_option(label=cx_manager.username)
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator('#lane .moment-card:has(h2:text-is("Booking")) .protocol')).to_contain_text(
        "Confirm by e-mail within a minute.")
    shoot("editor-edited")

    # Delete asks first; Cancel keeps the moment, Delete removes it.
    page.get_by_role("button", name="Delete Booking").click()
    expect(page.locator("#delete-dialog")).to_contain_text("“Booking” and its touchpoints")
    shoot("editor-delete-confirmation", narrow=False)
    page.locator("#delete-dialog").get_by_role("button", name="Cancel").click()
    assert db_names(cycle) == ["Booking", "Check-in at the front desk"]
    page.get_by_role("button", name="Delete Booking").click()
    page.locator("#delete-dialog").get_by_role("button", name="Delete moment").click()
    expect(page.locator("#lane .moment-card")).to_have_count(1)
    page.reload()
    assert lane_names(page) == ["Check-in at the front desk"]


def test_stale_order_says_so_and_shows_the_true_order(page, log_in, cx_manager):
    from journeys.services import cycle_create, moment_add

    cycle = cycle_create(organization=cx_manager.memberships.get().organization, name="Shop")
    for name in ("Browse", "Buy", "Use"):
        moment_add(cycle=cycle, name=name, kind="SMOT")
    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/")
    editor_ready(page)
    # Another editor reverses the order meanwhile.
    moment_reorder(cycle=cycle, order=list(cycle.moments.order_by("-position").values_list("pk", flat=True)))
    page.get_by_role("button", name="Move Buy right").click()
    expect(page.locator("#editor-status")).to_contain_text("Someone else changed this cycle meanwhile")
    assert lane_names(page) == ["Use", "Buy", "Browse"]
    assert db_names(cycle) == ["Use", "Buy", "Browse"]


def test_switch_to_spanish(page, shoot, log_in, cx_manager):
    log_in(cx_manager)
    page.get_by_label("Language").select_option("es")
    expect(page.get_by_role("heading", name="Ciclos de servicio")).to_be_visible()
    expect(page.get_by_role("button", name="Crear ciclo")).to_be_visible()
    page.get_by_label("Nombre").fill("Aerolínea")
    page.get_by_label(re.compile("Viaje del pasajero de una aerolínea")).check()
    page.get_by_role("button", name="Crear ciclo").click()
    expect(page.get_by_role("button", name="Añadir momento")).to_be_visible()
    editor_ready(page)
    # Made in Spanish, the template's moments are in Spanish (issue 19).
    page.get_by_role("button", name="Mover Compra del billete a la izquierda").click()
    expect(page.locator("#editor-status")).to_have_text("Nuevo orden guardado.")
    shoot("editor-es")
