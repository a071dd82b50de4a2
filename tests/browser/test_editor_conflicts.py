"""The map editor when changes cross: an edit made while a reorder is being saved
waits for it and is saved after it (never dropped), and a moment or touchpoint
deleted in another tab is reported as deleted and the lane redrawn."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.models import Moment
from journeys.services import cycle_create, moment_add, moment_remove
from tests.factories import TouchpointFactory
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.browser

TEXT = {
    "en": {"move": "Move Buy right", "edit": "Edit Browse", "name": "Name", "save": "Save",
           "waiting": "Waiting for the previous change to be saved…",
           "saved": "Moment “Browse the catalogue” saved."},
    "es": {"move": "Mover Buy a la derecha", "edit": "Editar Browse", "name": "Nombre", "save": "Guardar",
           "waiting": "Esperando a que se guarde el cambio anterior…",
           "saved": "Momento «Browse the catalogue» guardado."},
}


@pytest.fixture
def cycle(cx_manager):
    cycle = cycle_create(organization=cx_manager.memberships.get().organization, name="Shop")
    for name in ("Browse", "Buy", "Use"):
        moment_add(cycle=cycle, name=name, kind="SMOT")
    TouchpointFactory(moment=cycle.moments.get(name="Use"), name="Delivery app", channel="app")
    return cycle


def open_editor(page, log_in, user, cycle, language: str = "en") -> None:
    log_in(user)
    if language == "es":
        page.get_by_label("Language").select_option("es")
        expect(page.locator("html")).to_have_attribute("lang", "es")
    page.goto(f"/cycles/{cycle.pk}/")
    expect(page.locator("#lane-region[data-ready='true']")).to_be_attached()


class HeldReorders:
    """Holds the editor's reorder requests unanswered (a slow server) until released."""

    PATTERN = re.compile(r".*/editor/reorder/$")

    def __init__(self, page):
        self.page, self.routes = page, []
        page.route(self.PATTERN, self._hold)

    def _hold(self, route) -> None:
        if self.routes:  # only the first is held; later ones (sent after it) go through
            route.continue_()
        else:
            self.routes.append(route)

    def wait(self) -> None:
        while not self.routes:
            self.page.wait_for_timeout(50)

    def release(self) -> None:
        for route in self.routes:
            route.continue_()
        self.page.unroute(self.PATTERN)


def db_names(cycle) -> list[str]:
    return list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("name", flat=True))


def lane_names(page) -> list[str]:
    return page.locator("#lane .moment-name").all_inner_texts()


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_edit_submitted_while_a_reorder_is_saving_is_saved_after_it(page, shoot, log_in, cx_manager, cycle,
                                                                       language):
    text = TEXT[language]
    open_editor(page, log_in, cx_manager, cycle, language)
    held = HeldReorders(page)  # the reorder's answer is slow
    page.get_by_role("button", name=text["move"]).click()
    held.wait()

    page.get_by_role("button", name=text["edit"]).click()
    dialog = page.locator("#moment-dialog")
    dialog.get_by_label(text["name"], exact=True).fill("Browse the catalogue")
    dialog.get_by_role("button", name=text["save"]).click()
    # The dialog stays open with the input, saying it waits; nothing is lost or sent out of order.
    expect(dialog.locator("[data-dialog-status]")).to_have_text(text["waiting"])
    expect(dialog.get_by_label(text["name"], exact=True)).to_have_value("Browse the catalogue")
    expect(dialog.get_by_role("button", name=text["save"])).to_be_disabled()
    shoot(f"editor-edit-waits-for-reorder-{language}", narrow=False)
    assert db_names(cycle) == ["Browse", "Buy", "Use"]

    held.release()
    expect(dialog).to_be_hidden()
    expect(page.locator("#editor-status")).to_have_text(text["saved"])
    assert lane_names(page) == ["Browse the catalogue", "Use", "Buy"]
    assert db_names(cycle) == ["Browse the catalogue", "Use", "Buy"]
    shoot(f"editor-edit-saved-after-reorder-{language}")


def test_two_moves_in_a_row_are_both_saved(page, log_in, cx_manager, cycle):
    open_editor(page, log_in, cx_manager, cycle)
    held = HeldReorders(page)
    page.get_by_role("button", name="Move Browse right").click()
    held.wait()
    page.get_by_role("button", name="Move Use left").click()  # made before the first move is saved
    held.release()
    expect(page.locator("#editor-status")).to_have_text("New order saved.")
    expect(page.locator("#lane .moment-name")).to_have_text(["Buy", "Use", "Browse"])
    assert db_names(cycle) == ["Buy", "Use", "Browse"]


def test_editing_a_moment_deleted_in_another_tab_says_so_and_redraws_the_lane(page, shoot, log_in, cx_manager,
                                                                              cycle):
    open_editor(page, log_in, cx_manager, cycle)
    moment_remove(moment=cycle.moments.get(name="Buy"))  # in another tab
    page.get_by_role("button", name="Edit Buy").click()
    dialog = page.locator("#moment-dialog")
    dialog.get_by_label("Name", exact=True).fill("Buy now")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#editor-status")).to_contain_text("This moment no longer exists: it was deleted")
    expect(page.locator("#lane .moment-name")).to_have_text(["Browse", "Use"])
    assert db_names(cycle) == ["Browse", "Use"]
    shoot("editor-moment-deleted-elsewhere")


def test_deleting_a_moment_or_touchpoint_deleted_in_another_tab_says_so(page, log_in, cx_manager, cycle):
    open_editor(page, log_in, cx_manager, cycle)
    Touchpoint.objects.filter(name="Delivery app").delete()
    page.get_by_role("button", name="Delete touchpoint Delivery app").click()
    page.locator("#touchpoint-delete-dialog").get_by_role("button", name="Delete touchpoint").click()
    expect(page.locator("#editor-status")).to_contain_text("This touchpoint no longer exists: it was deleted")
    expect(page.locator("#lane .touchpoint-name")).to_have_count(0)

    moment_remove(moment=cycle.moments.get(name="Browse"))
    page.get_by_role("button", name="Delete Browse").click()
    page.locator("#delete-dialog").get_by_role("button", name="Delete moment").click()
    expect(page.locator("#editor-status")).to_contain_text("This moment no longer exists: it was deleted")
    expect(page.locator("#lane .moment-name")).to_have_text(["Buy", "Use"])
