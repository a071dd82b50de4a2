"""The cycle list on a phone (390 px) and a desktop, in English and Spanish: every
row's name link and actions are on screen, none cut off or scrolled away."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from journeys.models import Membership
from journeys.services import cycle_create, moment_add
from tests.browser.conftest import NARROW, WIDE
from tests.factories import MembershipFactory, OrganizationFactory, RatingFactory, TouchpointFactory

pytestmark = pytest.mark.browser

NAMES = ["Airline passenger journey from search to baggage claim", "Hotel stay", "Car rental at the airport"]


@pytest.fixture
def cycles(cx_manager):
    organization = cx_manager.memberships.get().organization
    # A second organization: the list then shows an organization column too.
    other = OrganizationFactory(name="Compañía de Seguros del Atlántico")
    MembershipFactory(user=cx_manager, organization=other, role=Membership.Role.CX_MANAGER)
    made = []
    for index, name in enumerate(NAMES):
        cycle = cycle_create(organization=other if index == 2 else organization, name=name)
        touchpoint = TouchpointFactory(moment=moment_add(cycle=cycle, name="Check-in", kind="SMOT"))
        RatingFactory.create_batch(3, touchpoint=touchpoint)
        made.append(cycle)
    return made


def assert_row_fits(page, cycle, width: int) -> None:
    row = page.locator(f'tr[data-cycle-id="{cycle.pk}"]')
    targets = [row.get_by_role("link", name=cycle.name), *row.get_by_role("button").all()]
    assert len(targets) == 3  # open (the name), duplicate, archive
    for target in targets:
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (target, box)
    # Nothing of the list hides in a sideways scroll.
    assert page.evaluate("() => { const w = document.querySelector('.table-wrap');"
                         " return w.scrollWidth - w.clientWidth; }") <= 1


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_action_of_every_cycle_is_on_screen_on_a_phone_and_a_desktop(page, shoot, log_in, cx_manager,
                                                                          cycles, language):
    log_in(cx_manager)
    if language == "es":
        page.get_by_label("Language").select_option("es")
        expect(page.get_by_role("heading", name="Ciclos de servicio")).to_be_visible()
    for cycle in cycles:
        assert_row_fits(page, cycle, WIDE["width"])
    shoot(f"cycle-list-{language}")
    page.set_viewport_size(NARROW)
    for cycle in cycles:
        assert_row_fits(page, cycle, NARROW["width"])
    # The actions still work from there.
    duplicate = "Duplicate" if language == "en" else "Duplicar"
    page.locator(f'tr[data-cycle-id="{cycles[1].pk}"]').get_by_role("button", name=duplicate).click()
    expect(page.get_by_role("heading", name="Copy of Hotel stay" if language == "en"
                            else "Copia de Hotel stay")).to_be_visible()
