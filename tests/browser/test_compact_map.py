"""The whole cycle at a glance in Chromium (issue 19, items 2 and 7): 15 moments fit a
1280 px window with the emotion curve above them, each point over its card; touchpoint
names end in an ellipsis (the whole name in their title) rather than breaking; the
view is remembered; a phone scrolls the lane sideways, never the page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from analytics.models import DailyRollup
from analytics.periods import local_today
from analytics.services import heatmaps_refresh_cycle
from journeys.models import Membership
from tests.browser.conftest import WIDE
from tests.factories import MomentFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.browser

NAMES = ("Búsqueda del especialista", "Petición de cita", "Recordatorios y preparación", "Llegada y registro",
         "Sala de espera", "Consulta", "Pruebas y resultados", "Pago y trámites", "Seguimiento",
         "Opinión del paciente", "Identificación", "Recomendación", "Check-in", "Reconocimiento médico",
         "Support between purchase and flight")
KINDS = ["ZMOT", "FMOT"] + ["SMOT"] * 12 + ["TMOT"]
TOUCHPOINT_NAMES = ("Resultados en el portal del paciente con la videoidentificación", "Web", "Cita de revisión")

# Where each curve slice and each card sit, and what overflows.
LAYOUT = """() => {
  const cards = [...document.querySelectorAll("#lane .moment-card")].map((node) => node.getBoundingClientRect());
  const slices = [...document.querySelectorAll(".lane-curve-column")].map((node) => node.getBoundingClientRect());
  const scroller = document.querySelector(".lane-scroll");
  const clipped = [...document.querySelectorAll("#lane .moment-name-compact")]
    .filter((node) => node.scrollWidth > node.clientWidth + 1).map((node) => node.textContent);
  const names = [...document.querySelectorAll("#lane .touchpoint-name")].map((node) => {
    const style = getComputedStyle(node);
    return [node.title === node.textContent, style.whiteSpace, style.textOverflow, style.overflowWrap,
            style.hyphens];
  });
  return {cards: cards.map((box) => [box.left, box.right]), slices: slices.map((box) => (box.left + box.right) / 2),
          scrolls: scroller.scrollWidth > scroller.clientWidth + 1, clipped, names,
          page: document.documentElement.scrollWidth};
}"""


@pytest.fixture
def cycle(cx_manager):
    organization = Membership.objects.get(user=cx_manager).organization
    family = SegmentFactory(organization=organization, name="Familias", key="family")
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", name="Consulta externa")
    today = local_today("UTC")
    for index, (name, kind) in enumerate(zip(NAMES, KINDS, strict=True)):
        moment = MomentFactory(cycle=cycle, name=name, kind=kind)
        for number in range(1 + index % 3):
            touchpoint = TouchpointFactory(moment=moment, name=TOUCHPOINT_NAMES[number])
            for days_ago, segment_key, mean in ((1, 0, 75 - 3 * (index % 6)), (2, family.pk, 60 + 2 * (index % 5))):
                DailyRollup.objects.create(touchpoint=touchpoint, day=today - dt.timedelta(days=days_ago),
                                           segment_key=segment_key, n=30, dissatisfied=3 + index % 9,
                                           sum_normalized=30 * mean)
    heatmaps_refresh_cycle(cycle_id=cycle.pk)
    return cycle


@pytest.mark.parametrize("language", ["en", "es"])
def test_fifteen_moments_fit_at_1280_with_the_curve_above_them(page, shoot, log_in, cx_manager, cycle, language):
    log_in(cx_manager)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)
    page.goto(f"/cycles/{cycle.pk}/")
    expect(page.locator("#lane-region")).to_have_attribute("data-view", "cards")
    page.locator("#map-view-toggle [data-view='compact']").click()
    expect(page.locator("#lane-region")).to_have_class("lane-region lane-compact")
    assert page.url.endswith("?view=compact")

    layout = page.evaluate(LAYOUT)
    assert len(layout["cards"]) == 15
    assert all(left >= 0 and right <= WIDE["width"] for left, right in layout["cards"]), layout["cards"]
    assert not layout["scrolls"] and layout["page"] <= WIDE["width"]
    centres = [(left + right) / 2 for left, right in layout["cards"]]
    assert all(abs(slice_ - card) <= 2 for slice_, card in zip(layout["slices"], centres, strict=True))
    assert layout["clipped"] == []
    assert all(name == [True, "nowrap", "ellipsis", "normal", "none"] for name in layout["names"])
    curve = page.locator(".lane-curve-row").get_attribute("aria-label")
    assert curve.startswith({"en": "Emotion curve: mean satisfaction", "es": "Curva emocional: satisfacción media"}[
        language]) and "15. Support between purchase and flight" in curve
    shoot(f"compact-map-15-{language}")

    # Remembered: back without the parameter, the whole cycle again.
    page.goto(f"/cycles/{cycle.pk}/")
    expect(page.locator("#lane-region")).to_have_attribute("data-view", "compact")
    page.wait_for_function("location.search === '?view=compact'")
    page.locator("#map-view-toggle [data-view='cards']").click()
    expect(page.locator("#lane-region")).to_have_attribute("data-view", "cards")
    page.goto(f"/cycles/{cycle.pk}/")
    expect(page.locator("#lane-region")).to_have_attribute("data-view", "cards")


def test_a_persona_gets_its_line_along_the_lane(page, shoot, log_in, cx_manager, cycle):
    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/?view=compact")
    page.locator(".lane-curve-segments summary").click()
    page.get_by_label("Familias").check()
    page.locator(".lane-curve-segments").get_by_role("button").click()
    expect(page.locator(".lane-curve-legend li")).to_have_text(["All customers", "Familias"])
    first = page.locator(".lane-curve-column svg title").first.text_content()
    assert first.startswith("All customers · 1. Búsqueda del especialista: mean")
    assert " · Familias · 1. Búsqueda del especialista: mean 60.0/100" in first
    shoot("compact-map-15-persona")
