"""Issue 16 items 4 and 5 in Chromium, English and Spanish, 1280 and 390 px: a review item says
whether its fix worked (and a resolved item the fix made worse is reopened from there), and the
dashboard shows NPS with its interval in the critical list and in a heatmap cell's hover."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from analytics.periods import local_today
from journeys.models import Membership
from reviews.models import ReviewItem, ReviewStatus
from reviews.selectors import iso_week_label
from tests.factories import MembershipFactory, MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory
from tests.reviews.conftest import (  # noqa: F401 - the review fixtures, shared with tests/reviews
    carousel,
    cycle,
    fast_password_hasher,
    gate,
    healthy_moment,
    moment,
    tasks_run_in_process,
    team_lead,
    week,
)
from tests.reviews.effect_support import fix, item_of, local, rate, refreshed, today

pytestmark = pytest.mark.browser
NBSP = "\u00a0"


def to_spanish(page):
    page.get_by_label("Language").select_option("es")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "es")


@pytest.fixture
def fixes(transactional_db, cycle, moment, carousel, gate, week):  # noqa: F811
    """Baggage claim's item of this week improved (43 % → 21 %); Boarding's gate, resolved four
    weeks ago, got worse (20 % → 45 %)."""
    planned, done = today(cycle) - dt.timedelta(days=20), today(cycle) - dt.timedelta(days=12)
    rate(carousel, at=local(cycle, planned - dt.timedelta(days=4)), n=200, dissatisfied=86)
    rate(carousel, at=local(cycle, done + dt.timedelta(days=2)), n=100, dissatisfied=21)
    rate(gate, at=local(cycle, planned - dt.timedelta(days=4)), n=100, dissatisfied=20)
    rate(gate, at=local(cycle, done + dt.timedelta(days=2)), n=100, dissatisfied=45)
    refreshed()
    improved = fix(item_of(moment, week_start=week), planned=local(cycle, planned, 10), done=local(cycle, done, 16))
    ReviewItem.objects.filter(pk=improved.pk).update(status=ReviewStatus.ACTION_PLANNED)
    worse = fix(item_of(gate.moment, touchpoint=gate, week_start=week - dt.timedelta(weeks=4)),
                planned=local(cycle, planned), done=local(cycle, done), resolved=local(cycle, done, 17))
    return improved, worse


def test_a_team_lead_sees_whether_fixes_worked_and_reopens_the_one_that_made_it_worse(
        page, shoot, log_in, team_lead, cycle, week, fixes):  # noqa: F811
    improved, worse = fixes
    log_in(team_lead)
    page.goto(f"/cycles/{cycle.pk}/reviews/?week={iso_week_label(week)}")

    effect = page.locator(f"#item-{improved.pk} .effect")
    expect(effect).to_contain_text(f"Baggage claim: 43{NBSP}% → 21{NBSP}%, improved")
    expect(effect).to_contain_text(f"86 of 200 dissatisfied · Wilson 95% 36{NBSP}% – 50{NBSP}%")
    fixed = page.locator("section", has=page.get_by_role("heading", name="Did the fixes work?"))
    expect(fixed.locator(f"#item-{worse.pk} .effect")).to_contain_text(f"20{NBSP}% → 45{NBSP}%, worse")
    expect(fixed.get_by_role("button", name="Reopen")).to_be_visible()
    page.locator(f"#item-{improved.pk}").scroll_into_view_if_needed()
    shoot("effects-review-en")

    to_spanish(page)
    expect(page.locator(f"#item-{improved.pk} .effect")).to_contain_text("¿Funcionó el arreglo?")
    expect(page.locator(f"#item-{improved.pk} .effect .verdict")).to_have_text("mejoró")
    expect(page.locator(f"#item-{worse.pk} .effect .verdict")).to_have_text("empeoró")
    reason = page.locator(f"#effect-reason-{worse.pk}")
    expect(reason).to_have_value(f"El arreglo lo empeoró: 20{NBSP}% → 45{NBSP}% de insatisfechos.")
    page.locator(f"#item-{worse.pk}").scroll_into_view_if_needed()
    shoot("effects-review-es")

    page.locator(f"#item-{worse.pk} .effect-reopen").get_by_role("button", name="Reabrir").click()
    page.wait_for_url(f"**#item-{worse.pk}")
    expect(page.locator(".messages")).to_contain_text("Elemento reabierto.")
    worse.refresh_from_db()
    assert worse.status == ReviewStatus.OPEN
    # Open again, it is among the items still open; its effect stays, without the offer.
    expect(page.locator(f"#item-{worse.pk} .effect .verdict")).to_have_text("empeoró")
    expect(page.locator(f"#item-{worse.pk} .effect-reopen")).to_have_count(0)


# Where a heatmap cell is on screen: Plotly's category axes put column i at c2p(i).
CELL_CENTRE = """([row, column]) => {
  const chart = document.getElementById("heatmap-chart");
  const box = chart.getBoundingClientRect();
  const x = chart._fullLayout.xaxis, y = chart._fullLayout.yaxis;
  return [box.left + x._offset + x.c2p(column), box.top + y._offset + y.c2p(row)];
}"""


@pytest.fixture
def nps_cycle(transactional_db, cx_manager):
    """"Post-trip" mixes an NPS survey (NPS +40 of 25) with a CSAT lounge; "Check-in" is CSAT only."""
    organization = cx_manager.memberships.get().organization
    airline = ServiceCycleFactory(organization=organization, name="Airline", timezone="UTC", min_sample=20)
    yesterday = dt.datetime.combine(local_today("UTC") - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    post_trip = MomentFactory(cycle=airline, name="Post-trip")
    survey = TouchpointFactory(moment=post_trip, name="Survey", scale="nps11", channel="email")
    lounge = TouchpointFactory(moment=post_trip, name="Lounge", channel="physical_place")
    kiosk = TouchpointFactory(moment=MomentFactory(cycle=airline, name="Check-in"), name="Kiosk", channel="kiosk")
    for score in [10] * 10 + [9] * 5 + [8] * 3 + [7] * 2 + [5] * 5:
        RatingFactory(touchpoint=survey, score=score, occurred_at=yesterday)
    for index in range(30):
        RatingFactory(touchpoint=lounge, score=1 if index < 20 else 5, occurred_at=yesterday)
    for index in range(40):
        RatingFactory(touchpoint=kiosk, score=1 if index < 30 else 5, occurred_at=yesterday)
    MembershipFactory(organization=organization, role=Membership.Role.VIEWER)
    refreshed()
    return airline


def _hover_the_nps_cell(page) -> None:
    figures = page.evaluate("JSON.parse(document.getElementById('dashboard-figures').textContent)")
    rows = figures["heatmap"]["moments"]["data"][0]["customdata"]
    row, column = next((r, c) for r, cells in enumerate(rows) for c, cell in enumerate(cells) if "NPS" in cell[0])
    page.locator("#heatmap-chart").scroll_into_view_if_needed()
    x, y = page.evaluate(CELL_CENTRE, [row, column])
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y)


def test_the_dashboard_shows_nps_with_its_interval(page, shoot, log_in, cx_manager, nps_cycle):
    log_in(cx_manager)
    page.goto(f"/cycles/{nps_cycle.pk}/dashboard/")
    expect(page.locator("body[data-charts-ready]")).to_be_attached()

    post_trip = page.locator(".critical-row", has_text="Post-trip")
    expect(post_trip.locator(".nps")).to_have_text("NPS +40 (+6 to +65)")
    expect(page.locator(".critical-row", has_text="Check-in").locator(".nps")).to_have_count(0)
    expect(page.locator(".nps-legend")).to_contain_text("adjusted-Wald")
    _hover_the_nps_cell(page)
    expect(page.locator(".hoverlayer .hovertext")).to_contain_text("NPS +40 (95% interval: +6 to +65)")
    shoot("nps-dashboard-hover-en", narrow=False)
    page.mouse.move(0, 0)
    shoot("nps-dashboard-en")

    to_spanish(page)
    expect(page.locator("body[data-charts-ready]")).to_be_attached()
    expect(page.locator(".critical-row", has_text="Post-trip").locator(".nps")).to_have_text("NPS +40 (+6 a +65)")
    _hover_the_nps_cell(page)
    expect(page.locator(".hoverlayer .hovertext")).to_contain_text(f"NPS +40 (intervalo del 95{NBSP}%: +6 a +65)")
    shoot("nps-dashboard-hover-es", narrow=False)
    page.mouse.move(0, 0)
    shoot("nps-dashboard-es")
