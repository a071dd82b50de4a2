"""A CX manager changes a touchpoint's key in the map editor; once ratings use it,
the key is refused beside the field and the dialog keeps what was typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from journeys.services import cycle_create, moment_add
from tests.factories import RatingFactory
from touchpoints.models import Touchpoint
from touchpoints.services import touchpoint_add

pytestmark = pytest.mark.browser

TEXT = {
    "en": {"edit": "Edit touchpoint Kiosk", "key": "Key", "save": "Save",
           "refused": "The key cannot change once the touchpoint has ratings"},
    "es": {"edit": "Editar el punto de contacto Kiosk", "key": "Clave", "save": "Guardar",
           "refused": "La clave no puede cambiar una vez que el punto de contacto tiene valoraciones"},
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_key_is_edited_in_the_dialog_until_ratings_use_it(page, shoot, log_in, cx_manager, language):
    text = TEXT[language]
    cycle = cycle_create(organization=cx_manager.memberships.get().organization, name="Airport")
    touchpoint = touchpoint_add(moment=moment_add(cycle=cycle, name="Check-in", kind="SMOT"), name="Kiosk",
                                channel="kiosk")
    log_in(cx_manager)
    if language == "es":
        page.get_by_label("Language").select_option("es")
        expect(page.locator("html")).to_have_attribute("lang", "es")
    page.goto(f"/cycles/{cycle.pk}/")
    expect(page.locator("#lane-region[data-ready='true']")).to_be_attached()

    page.get_by_role("button", name=text["edit"]).click()
    dialog = page.locator("#touchpoint-dialog")
    key = dialog.get_by_label(text["key"], exact=True)
    expect(key).to_have_value("check-in-kiosk")
    key.fill("airport-kiosk")
    dialog.get_by_role("button", name=text["save"]).click()
    expect(dialog).to_be_hidden()
    assert Touchpoint.objects.get(pk=touchpoint.pk).key == "airport-kiosk"

    RatingFactory(touchpoint=touchpoint)
    page.get_by_role("button", name=text["edit"]).click()
    key.fill("kiosk")
    dialog.get_by_role("button", name=text["save"]).click()
    expect(dialog.locator('[data-error-for="key"]')).to_contain_text(text["refused"])
    expect(dialog).to_be_visible()
    expect(key).to_have_value("kiosk")
    shoot(f"editor-touchpoint-key-refused-{language}")
    assert Touchpoint.objects.get(pk=touchpoint.pk).key == "airport-kiosk"
