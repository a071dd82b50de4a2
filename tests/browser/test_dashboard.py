"""From the map to the dashboard with the airline demo: the heatmap is drawn, the cards are coloured."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from touchpoints.demo import DEMO_USERNAME, demo_load

pytestmark = pytest.mark.browser


def test_dashboard_heatmap_is_drawn_and_the_map_shows_shares(page, shoot, log_in, transactional_db):
    from analytics.services import heatmaps_refresh_cycle, rollups_refresh

    cycle = demo_load(ratings=3000, stdout=lambda line: None)
    # With a Redis broker no worker runs in this test: do the worker's job here.
    rollups_refresh()
    heatmaps_refresh_cycle(cycle_id=cycle.pk)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(f'tr[data-cycle-id="{cycle.pk}"]')).to_be_visible()
    shoot("cycle-list-demo")

    page.get_by_role("link", name=cycle.name).click()
    page.get_by_role("link", name="Dashboard").click()
    chart = page.locator("#heatmap-chart")
    expect(chart.locator("svg.main-svg").first).to_be_visible(timeout=20_000)
    expect(chart.locator(".heatmaplayer .hm").first).to_be_attached()
    shoot("dashboard")

    # The snapshot now exists, so the map colours each card by its dissatisfied share.
    page.goto(f"/cycles/{cycle.pk}/")
    baggage = page.locator('#lane .moment-card:has(h2:text-is("Baggage claim"))')
    expect(baggage).to_have_class("moment-card share-bad")
    expect(baggage.locator(".share")).to_contain_text("% dissatisfied")
    shoot("editor-demo")
