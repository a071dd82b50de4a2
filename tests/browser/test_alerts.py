"""Alerts in Chromium (issue 16, item 3), in English and Spanish, at 1280 px and 390 px:
the navigation leads to the alerts page, which lists the open alerts (with the words their
dissatisfied customers use) and the recently closed one; the dashboard marks the alerting
moments with a badge and ⚠ before their heatmap row. The conftest fails any test on a
JavaScript error or a CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from analytics.services import alerts_scan
from journeys.models import Membership
from tests.analytics.alert_data import make_alert
from tests.analytics.comment_data import airline_with_comments
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"nav": "Alerts", "open": "2 open alerts", "closed": "Closed in the last 30 days", "badge": "Open",
           "reason": "recovered: the upper end of its interval fell below the critical share", "alert": "Alert"},
    "es": {"nav": "Alertas", "open": "2 alertas abiertas", "closed": "Cerradas en los últimos 30 días",
           "badge": "Abierta", "reason": "recuperado: el extremo superior de su intervalo bajó del porcentaje crítico",
           "alert": "Alerta"},
}


@pytest.fixture
def alerting(transactional_db, celery_in_process):
    membership = MembershipFactory(user=UserFactory(username="maria"), role=Membership.Role.VIEWER)
    cycle = airline_with_comments(organization=membership.organization)
    opened = alerts_scan(cycle_ids=[cycle.pk]).opened  # baggage claim and check-in
    assert len(opened) == 2
    make_alert(cycle.moments.get(name="Flight"), closed_reason="recovered", n=40, dissatisfied=22,
               latest_n=300, latest_dissatisfied=30)
    return cycle, membership.user


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_alerts_page_and_the_dashboard_badge(page, log_in, shoot, alerting, language):
    cycle, user = alerting
    words = WORDS[language]
    log_in(user)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)
    page.get_by_role("navigation", name=re.compile("Main|Principal")).get_by_role("link", name=words["nav"]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(words["nav"])
    expect(page.locator("#open-title")).to_have_text(words["open"])
    cards = page.locator("article.alert-card.alert-open")
    expect(cards).to_have_count(2)
    baggage = cards.filter(has_text="Baggage claim")
    expect(baggage.locator(".alert-badge")).to_have_text(words["badge"])
    expect(baggage.locator(".term-chip", has_text="maleta perdida")).to_be_visible()
    expect(baggage.locator(".figures")).to_contain_text(re.compile(r"\d+\s?% \(\d+–\d+\s?%\)"))
    expect(page.locator("#recent-title")).to_have_text(words["closed"])
    expect(page.locator("article.alert-closed")).to_contain_text(words["reason"])
    shoot(f"alerts-{language}")

    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    expect(page.locator("body[data-charts-ready]")).to_be_attached()
    badge = page.locator("tr.critical-row a.alerting-badge").first
    expect(badge).to_have_text(f"⚠ {words['alert']}")
    expect(page.locator(".alerting-now a.alerting-badge")).to_have_count(2)
    expect(page.locator("#heatmap-chart .ytick text", has_text="⚠").first).to_be_attached()
    shoot(f"alerts-dashboard-{language}")
    badge.click()
    expect(page).to_have_url(re.compile(r"/organizations/\d+/alerts/\?moment=\d+$"))
    expect(page.locator("article.alert-card")).to_have_count(1)
