"""The dashboard in Chromium, in English and Spanish, at 1280 px and 390 px
(issue 13, items 5, 19 and 25): Plotly's toolbar offers no cloud, share or
edit button and no logo, and covers no label; on a phone the heatmap is a
table whose row labels stay while its columns scroll, and the emotion curve's
labels do not overlap."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import NARROW, SCREENSHOTS, WIDE
from touchpoints.demo import DEMO_USERNAME, demo_load

pytestmark = pytest.mark.browser

# Every text Plotly draws that the toolbar could hide.
LABELS = (".xtick text, .ytick text, .annotation-text, .cbtitle text, .colorbar text, .g-xtitle text, "
          ".g-ytitle text")

OVERLAPS = """([selector, within]) => {
  const boxes = [...document.querySelectorAll(within + " " + selector)]
    .map((node) => [node.textContent, node.getBoundingClientRect()])
    .filter(([text, box]) => text.trim() && box.width && box.height);
  const clash = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1) clash.push([a, b]);
  }
  return clash;
}"""

TOOLBAR_CLASHES = """([chart, labels]) => {
  const bar = document.querySelector(chart + " .modebar");
  if (!bar) return ["no toolbar"];
  const p = bar.getBoundingClientRect();
  return [...document.querySelectorAll(chart + " :is(" + labels + ")")].filter((node) => {
    const q = node.getBoundingClientRect();
    return q.width && p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom;
  }).map((node) => node.textContent);
}"""


@pytest.fixture
def demo(transactional_db):
    from analytics.services import heatmaps_refresh_cycle, rollups_refresh

    cycle = demo_load(ratings=3000, stdout=lambda line: None)
    rollups_refresh()
    heatmaps_refresh_cycle(cycle_id=cycle.pk)
    return cycle


def _open_dashboard(page, cycle, language):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)
    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("body[data-charts-ready]")).to_be_attached()


def _check_toolbar(page, chart):
    page.locator(chart).hover(position={"x": 200, "y": 150})
    bar = page.locator(f"{chart} .modebar")
    expect(bar).to_be_visible()
    titles = page.eval_on_selector_all(f"{chart} .modebar-btn", "nodes => nodes.map(n => n.dataset.title)")
    assert titles == ["Download plot as a PNG"], titles
    assert page.locator(f"{chart} .modebar-btn--logo").count() == 0
    assert page.locator(f"{chart} [data-title*='Cloud'], {chart} [data-title*='hare'], "
                        f"{chart} [data-title*='Chart Studio'], {chart} a[href*='plotly']").count() == 0
    assert page.evaluate(TOOLBAR_CLASHES, [chart, LABELS]) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_dashboard_reads_well_on_a_desktop_and_a_phone(page, shoot, demo, language):
    _open_dashboard(page, demo, language)
    chart = page.locator("#heatmap-chart")
    expect(chart.locator(".heatmaplayer .hm").first).to_be_attached()
    expect(page.locator("#heatmap-table")).to_be_hidden()
    for selector in ("#heatmap-chart", "#emotion-chart"):
        _check_toolbar(page, selector)
    assert page.evaluate(OVERLAPS, [".xtick text, .annotation-text", "#emotion-chart"]) == []
    share = "%" if language == "en" else "\u00a0%"
    assert share in page.locator(".critical-list tbody td.num").first.inner_text()
    page.mouse.move(0, 0)
    shoot(f"dashboard-{language}")

    page.set_viewport_size(NARROW)
    table = page.locator("#heatmap-table table.heatmap-table")
    expect(table).to_be_visible()
    expect(chart).to_be_hidden()
    first_cell = table.locator("tbody td").first
    assert first_cell.inner_text().endswith("%"), first_cell.inner_text()
    assert page.evaluate(OVERLAPS, [".xtick text, .annotation-text", "#emotion-chart"]) == []
    for card in ("critical-title", "heatmap-title", "emotion-title"):
        page.locator(f"section[aria-labelledby='{card}']").screenshot(
            path=SCREENSHOTS / f"dashboard-{language}-phone-{card.split('-')[0]}.png")

    # The touchpoint rows: wider than the phone, so the columns scroll and the row labels stay.
    page.locator(".level-toggle [data-level='touchpoints']").click()
    wrap = page.locator("#heatmap-table .heatmap-scroll")
    label = table.locator("tbody th").first
    expect(label).to_contain_text("›")
    before = label.bounding_box()["x"]
    assert wrap.evaluate("node => node.scrollWidth > node.clientWidth")
    wrap.evaluate("node => { node.scrollLeft = node.scrollWidth; }")
    page.wait_for_timeout(100)
    assert wrap.evaluate("node => node.scrollLeft") > 0
    # Sticky at the scroller's left edge (the table's 2 px border spacing aside).
    assert abs(label.bounding_box()["x"] - before) <= 3, "the row label stays while the columns scroll"
    assert abs(label.bounding_box()["x"] - wrap.bounding_box()["x"]) <= 3
    corner = table.locator("thead th").first.bounding_box()
    assert abs(corner["x"] - wrap.bounding_box()["x"]) <= 3, "scrolled column labels slide under the corner"
    last_header = table.locator("thead th").last.bounding_box()
    assert last_header["x"] + last_header["width"] <= NARROW["width"] + 1, "the last column can be reached"

    # No hover on a phone: touching a cell tells its figures.
    table.locator("tbody td").nth(2).click()
    details = page.locator("#heatmap-table > .cell-details")
    expect(details).to_contain_text("n = ")
    box = details.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], "the details do not scroll away"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.locator("section[aria-labelledby='heatmap-title']").screenshot(
        path=SCREENSHOTS / f"dashboard-{language}-phone-touchpoints-scrolled.png")

    page.set_viewport_size(WIDE)
    expect(chart.locator(".heatmaplayer .hm").first).to_be_attached()
    expect(page.locator("#heatmap-table")).to_be_hidden()
