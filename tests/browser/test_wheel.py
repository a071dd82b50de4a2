"""The service-cycle wheel in Chromium (issue 19, items 1 and 7): with 1, 10 and 40
moments (names of 120 characters), in English and Spanish, at 1280 px and 390 px.

Every text the browser draws stays inside the picture and none covers another;
each moment is a link reached by keyboard that opens the moment on the map.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from analytics.models import DailyRollup
from analytics.periods import local_today
from journeys.models import Membership
from tests.factories import MomentFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.browser

KINDS = ("ZMOT", "FMOT", "SMOT", "TMOT")
LONG = ("Support between the purchase and the flight, when the customer changes the booking, asks and waits "
        "for the airline")

# Boxes of the texts drawn in each wheel: outside the picture, or on top of one another.
TEXT_PROBLEMS = """() => {
  const problems = [];
  for (const svg of document.querySelectorAll("svg.wheel-svg")) {
    const frame = svg.getBoundingClientRect();
    const boxes = [...svg.querySelectorAll("text")].map((node) => [node.textContent, node.getBoundingClientRect()])
      .filter(([text, box]) => text.trim() && box.width);
    for (const [text, box] of boxes) {
      if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1
          || box.bottom > frame.bottom + 1) problems.push("outside: " + text);
    }
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, p] = boxes[i], [b, q] = boxes[j];
      if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
        problems.push("overlap: " + a + " / " + b);
    }
  }
  return problems;
}"""


def _cycle(organization, count: int, *, long_names: bool, segment=None):
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", min_sample=20,
                                name=f"Wheel of {count}")
    today = local_today("UTC")
    for index in range(count):
        name = (f"{index + 1} {LONG}")[:120] if long_names else (
            "Flight search", "Ticket purchase", "Support between purchase and flight", "Check-in", "Bag drop",
            "Boarding", "Flight", "Arrival", "Baggage claim", "Reviews and social posts")[index % 10]
        moment = MomentFactory(cycle=cycle, name=name, kind=KINDS[min(3, index * 4 // count)] if count > 1 else "SMOT")
        touchpoint = TouchpointFactory(moment=moment)
        if index % 7 == 5:
            continue  # a moment without ratings: grey
        share = (0.05, 0.12, 0.22, 0.35, 0.55)[index % 5]
        for days_ago, segment_key in ((1, segment.pk if segment else 0), (2, 0)):
            DailyRollup.objects.create(touchpoint=touchpoint, day=today - dt.timedelta(days=days_ago),
                                       segment_key=segment_key, n=40, dissatisfied=round(40 * share),
                                       sum_normalized=40 * (90 - 100 * share))
    return cycle


@pytest.fixture
def cycles(cx_manager):
    organization = Membership.objects.get(user=cx_manager).organization
    business = SegmentFactory(organization=organization, name="Business travellers", key="business")
    return {1: _cycle(organization, 1, long_names=True), 10: _cycle(organization, 10, long_names=False,
                                                                   segment=business),
            40: _cycle(organization, 40, long_names=True), "business": business}


def _switch_language(page, language):
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_wheel_reads_with_one_ten_and_forty_moments(page, shoot, log_in, cx_manager, cycles, language):
    log_in(cx_manager)
    _switch_language(page, language)
    for count in (1, 10, 40):
        cycle = cycles[count]
        page.goto(f"/cycles/{cycle.pk}/wheel/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("a.wheel-moment")).to_have_count(count)
        assert page.evaluate(TEXT_PROBLEMS) == []
        expect(page.locator(".wheel-table tbody tr")).to_have_count(count)
        shoot(f"wheel-{count}-{language}")
        assert page.evaluate(TEXT_PROBLEMS) == []  # and after the phone's width

    # Side by side with a persona: a wheel each, the legend once.
    ten, business = cycles[10], cycles["business"]
    page.goto(f"/cycles/{ten.pk}/wheel/?segment={business.pk}")
    expect(page.locator("figure.wheel")).to_have_count(2)
    expect(page.locator(".wheel-legend")).to_have_count(1)
    assert page.evaluate(TEXT_PROBLEMS) == []
    shoot(f"wheel-10-personas-{language}")


def test_a_moment_of_the_wheel_is_reached_by_keyboard_and_opens_on_the_map(page, log_in, cx_manager, cycles):
    log_in(cx_manager)
    cycle = cycles[10]
    page.goto(f"/cycles/{cycle.pk}/wheel/")
    first = page.locator("a.wheel-moment").first
    expect(first).to_have_attribute("aria-label", re.compile(r"^1\. Flight search · ZMOT · \d+% dissatisfied"))
    page.locator("#wheel-title").click()  # start the tab order just before the wheels
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('a.wheel-moment')"):
            break
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("1. Flight search")
    moment = cycle.moments.order_by("position").first()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cycles/{cycle.pk}/#moment-{moment.pk}")
    expect(page.locator(f"#moment-{moment.pk}")).to_be_visible()


def test_the_dashboard_shows_the_wheel_and_links_to_its_page(page, log_in, cx_manager, cycles):
    log_in(cx_manager)
    cycle = cycles[10]
    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    expect(page.locator("#wheel-title")).to_be_visible()
    expect(page.locator("a.wheel-moment")).to_have_count(10)
    page.get_by_role("link", name="Open the wheel with its table").click()
    page.wait_for_url(f"**/cycles/{cycle.pk}/wheel/?weeks=8")
    expect(page.locator(".wheel-table")).to_be_visible()
