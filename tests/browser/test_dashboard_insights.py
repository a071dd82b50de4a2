"""What customers say, in Chromium (issue 15, item 4), in English and Spanish, at
1280 px and 390 px: the critical moments show their words as chips and a
verbatim; a heatmap cell (clicked in the chart, or its button in the table, by
keyboard too) opens a panel of its words and verbatims; the comments page
paginates. Comments carrying markup are shown as text. The conftest fails any
test on a JavaScript error or a CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.models import Membership
from tests.analytics.comment_data import airline_with_comments
from tests.browser.conftest import NARROW, SCREENSHOTS, WIDE
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

TITLE = {"en": re.compile(r"^in \d+ comments · z = \d+\.\d$"), "es": re.compile(r"^en \d+ comentarios · z = \d+,\d$")}
HEADING = {"en": "What dissatisfied customers say", "es": "Lo que dicen los clientes insatisfechos"}
WHOLE = {"en": "whole period", "es": "todo el periodo"}


@pytest.fixture
def airline(transactional_db):
    membership = MembershipFactory(user=UserFactory(username="maria"), role=Membership.Role.VIEWER)
    cycle = airline_with_comments(organization=membership.organization, hostile=True)
    return cycle, membership.user


def _open(page, log_in, user, language, path):
    log_in(user)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", language)


def _open_dashboard(page, log_in, user, cycle, language):
    _open(page, log_in, user, language, f"/cycles/{cycle.pk}/dashboard/")
    expect(page.locator("body[data-charts-ready]")).to_be_attached()


def _shows_markup_as_text(node) -> None:
    expect(node).to_contain_text("<script>alert(1)</script> Mi maleta perdida <b>otra vez</b>")
    assert node.locator("script, b").count() == 0, "a comment's markup became elements"


def _check_panel(dialog, language) -> None:
    expect(dialog).to_be_visible()
    chip = dialog.locator(".term-chip").first
    expect(chip).to_be_visible()
    assert TITLE[language].match(chip.get_attribute("title")), chip.get_attribute("title")
    expect(dialog.locator(".term-chip", has_text="maleta perdida")).to_have_count(1)
    expect(dialog.locator(".verbatim")).to_have_count(3)
    _shows_markup_as_text(dialog.locator(".verbatim").first)
    link = dialog.locator("#cell-panel-comments")
    expect(link).to_have_text(re.compile(r"\(\d+\)$"))
    assert "/dashboard/comments/?" in link.get_attribute("href") and "moment=" in link.get_attribute("href")


@pytest.mark.parametrize("language", ["en", "es"])
def test_critical_moments_show_words_and_a_verbatim_and_a_cell_opens_its_panel(page, log_in, airline, language):
    cycle, user = airline
    _open_dashboard(page, log_in, user, cycle, language)
    rows = page.locator("tr.critical-insights")
    expect(rows).to_have_count(2)
    baggage = rows.first
    expect(baggage.locator(".insights-title")).to_have_text(HEADING[language])
    expect(baggage.locator(".term-chip", has_text="maleta perdida")).to_be_visible()
    assert TITLE[language].match(baggage.locator(".term-chip").first.get_attribute("title"))
    _shows_markup_as_text(baggage.locator(".verbatim"))
    expect(rows.nth(1).locator(".term-chip", has_text="kiosk froze")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"insights-{language}-critical.png", full_page=True)

    # A click on the chart's cell of Baggage claim in the last week opens its panel.
    chart = page.locator("#heatmap-chart")
    expect(chart.locator(".heatmaplayer .hm").first).to_be_attached()
    chart.scroll_into_view_if_needed()
    box = chart.locator(".nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 5, box["y"] + 5)
    dialog = page.locator("#cell-panel")
    _check_panel(dialog, language)
    expect(dialog.locator("#cell-panel-title")).to_be_focused()
    expect(dialog.locator("#cell-panel-figures")).to_contain_text("n = 41")
    page.screenshot(path=SCREENSHOTS / f"insights-{language}-panel.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # A row's name in the chart opens its whole period.
    chart.locator(".ytick text", has_text="Baggage claim").click()
    expect(dialog.locator("#cell-panel-title")).to_contain_text(WHOLE[language])
    _check_panel(dialog, language)
    dialog.locator("[data-close]").click()
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_a_phone_a_cell_of_the_table_opens_a_panel_that_fits(page, log_in, airline, language):
    cycle, user = airline
    page.set_viewport_size(NARROW)
    _open_dashboard(page, log_in, user, cycle, language)
    rows = page.locator("tr.critical-insights")
    rows.first.scroll_into_view_if_needed()
    expect(rows.first.locator(".term-chip").first).to_be_in_viewport()
    chips = rows.first.locator(".insights").bounding_box()
    assert chips["x"] >= 0 and chips["x"] + chips["width"] <= NARROW["width"], "the words need no sideways scroll"
    page.locator("section[aria-labelledby='critical-title']").screenshot(
        path=SCREENSHOTS / f"insights-{language}-phone-critical.png")
    table = page.locator("#heatmap-table table.heatmap-table")
    expect(table).to_be_visible()
    cell = table.locator("tbody tr").first.locator(".cell-button").last
    cell.click()
    dialog = page.locator("#cell-panel")
    _check_panel(dialog, language)
    panel = dialog.bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= NARROW["width"]
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.screenshot(path=SCREENSHOTS / f"insights-{language}-phone-panel.png")
    # Escape closes it and gives the focus back to the cell that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cell).to_be_focused()
    # By keyboard: a row's name opens its whole period.
    row_name = table.locator("tbody th .row-button").first
    row_name.focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("#cell-panel-title")).to_contain_text(WHOLE[language])
    _check_panel(dialog, language)
    dialog.locator("[data-close]").click()
    expect(row_name).to_be_focused()


def test_as_a_table_the_cells_are_reached_by_keyboard_on_a_desktop(page, log_in, airline):
    cycle, user = airline
    _open_dashboard(page, log_in, user, cycle, "en")
    toggle = page.locator("#heatmap-as-table")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    table = page.locator("#heatmap-table table.heatmap-table")
    expect(table).to_be_visible()
    expect(page.locator("#heatmap-chart")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Tab")  # the first row's name
    page.keyboard.press("Tab")  # its first week
    focused = table.locator("tbody tr").first.locator(".cell-button").first
    expect(focused).to_be_focused()
    expect(page.locator("#heatmap-table > .cell-details")).to_contain_text("n = ")
    page.locator("section[aria-labelledby='heatmap-title']").screenshot(path=SCREENSHOTS / "insights-as-table.png")
    for _ in range(7):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the last week: Baggage claim's comments
    _check_panel(page.locator("#cell-panel"), "en")
    page.keyboard.press("Escape")
    toggle.click()
    expect(page.locator("#heatmap-chart .heatmaplayer .hm").first).to_be_attached()
    expect(table).to_be_hidden()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_comments_page_paginates_and_its_filters_change(page, log_in, shoot, airline, language):
    cycle, user = airline
    _open_dashboard(page, log_in, user, cycle, language)
    page.locator("tr.critical-insights").first.locator("a.all-comments").click()
    page.wait_for_url(re.compile(r"/dashboard/comments/\?moment=\d+&weeks=8$"))
    items = page.locator(".comment-item")
    expect(items).to_have_count(41)
    _shows_markup_as_text(items.first.locator(".comment-text"))
    shoot(f"comments-{language}-moment")
    page.set_viewport_size(NARROW)
    page.screenshot(path=SCREENSHOTS / f"comments-{language}-moment-phone-top.png")
    page.set_viewport_size(WIDE)
    page.screenshot(path=SCREENSHOTS / f"comments-{language}-moment-top.png")

    # Every moment: three pages of 50, 50 and 21.
    page.locator("select[name='moment']").select_option("")
    page.locator(".comment-filters button[type='submit']").click()
    expect(items).to_have_count(50)
    first_page = items.first.get_attribute("data-rating-id")
    page.locator(".pagination a[rel='next']").click()
    expect(items).to_have_count(50)
    assert items.first.get_attribute("data-rating-id") != first_page
    expect(page.locator(".pagination")).to_contain_text("2")
    page.locator(".pagination a[rel='next']").click()
    expect(items).to_have_count(21)
    expect(page.locator(".pagination a[rel='next']")).to_have_count(0)
    shoot(f"comments-{language}-last-page")
    page.locator("#back-to-dashboard").click()
    expect(page.locator("body[data-charts-ready]")).to_be_attached()


def test_an_admin_switches_comment_analysis_off_and_the_dashboard_says_so(page, log_in, shoot, airline):
    cycle, user = airline
    Membership.objects.filter(user=user).update(role=Membership.Role.ADMIN)
    log_in(user)
    page.get_by_role("link", name="Organization settings").click()
    expect(page.get_by_label("Analyse customers' comments")).to_be_checked()
    shoot("organization-settings")
    page.get_by_label("Analyse customers' comments").uncheck()
    page.get_by_label("Spanish").check()
    page.get_by_role("region", name="Customers' comments").get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_contain_text("Settings saved: comment analysis is off.")
    expect(page.get_by_label("Spanish")).to_be_checked()
    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    expect(page.locator("tr.critical-insights").first).to_contain_text(
        "Comment analysis is off for this organization.")
    page.set_viewport_size(WIDE)
