"""Exports and read-only share links in Chromium (issue 19, items 5–7), in English and
Spanish, at 1280 px and 390 px: the dashboard's PDF report is made by the task with its
progress and downloaded, and the PDF names the cycle and every critical moment; the
charts and the ratings come as files; a share link made on its page opens the map and
the dashboard in a fresh browser context with no session, and once revoked gives the
friendly 404. The conftest fails any test on a JavaScript error or a CSP violation."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import expect

from journeys.models import Membership
from tests.analytics.report_data import pdf_text, report_airline
from tests.browser.conftest import NARROW, SCREENSHOTS, WIDE, _with_csp
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"report": "PDF report", "ready": "The PDF report is ready", "critical": "Critical moments",
           "share": "Share a read-only link", "make": "Make the link", "revoke": "Revoke", "dead": "This link does not work",
           "dashboard": "Dashboard", "map": "Map", "locale": "en-GB"},
    "es": {"report": "Informe PDF", "ready": "El informe PDF está listo", "critical": "Momentos críticos",
           "share": "Compartir un enlace de solo lectura", "make": "Crear el enlace", "revoke": "Revocar",
           "dead": "Este enlace no funciona", "dashboard": "Panel", "map": "Mapa", "locale": "es-ES"},
}


@pytest.fixture
def airline(transactional_db):
    membership = MembershipFactory(user=UserFactory(username="maria"), role=Membership.Role.CX_MANAGER)
    cycle = report_airline(organization=membership.organization, owner=membership.user)
    return cycle, membership.user


def _in_language(page, log_in, user, language):
    log_in(user)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_pdf_report_is_made_with_progress_and_downloaded(page, shoot, log_in, airline, language,
                                                             celery_in_process):
    cycle, user = airline
    words = WORDS[language]
    _in_language(page, log_in, user, language)
    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    expect(page.locator("body[data-charts-ready]")).to_be_attached()
    with page.expect_download() as downloading:
        page.get_by_role("button", name=words["report"]).click()
    download = downloading.value
    assert download.suggested_filename.startswith("momento-aerolinea-nandu-2026-") and \
        download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        content = file.read()
    text = " ".join(pdf_text(content).split())
    assert "Aerolínea Ñandú → ≥ 2026" in text and words["critical"] in text
    for name in ("Baggage claim", "Check-in"):
        assert name in text, f"{name} missing from the PDF"
    expect(page.locator("#report-status")).to_contain_text(words["ready"])
    expect(page.locator("#report-progress")).to_be_hidden()
    page.locator(".dashboard-exports").scroll_into_view_if_needed()
    shoot(f"exports-dashboard-{language}")
    # The charts and the ratings as files.
    with page.expect_download() as downloading:
        page.locator(".downloads a", has_text="PNG").first.click()
    with open(downloading.value.path(), "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as downloading:
        page.locator(".dashboard-exports a[download]").click()
    with open(downloading.value.path(), encoding="utf-8") as file:
        lines = file.read().splitlines()
    assert lines[0].startswith("id,touchpoint_key,") and len(lines) == 1 + 121, "the period's ratings"


def _fresh_context(browser, live_server, language, viewport):
    """A browser with no cookie at all, as a visitor who was sent the link."""
    context = browser.new_context(viewport=viewport, locale=WORDS[language]["locale"], base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.route(re.compile(r".*"), _with_csp)
    visitor = context.new_page()
    problems: list[str] = []
    visitor.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    visitor.on("console", lambda message: problems.append(message.text)
               if message.type == "error" and "status of 404" not in message.text else None)
    return context, visitor, problems


def _shoot(visitor, name: str) -> None:
    visitor.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    overflow = visitor.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name} is {overflow}px wider than the screen"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_share_link_opens_read_only_without_a_session_and_dies_when_revoked(
        page, shoot, log_in, airline, language, browser, live_server):
    cycle, user = airline
    words = WORDS[language]
    _in_language(page, log_in, user, language)
    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    page.get_by_role("link", name=words["share"]).click()
    page.locator("#id_name").fill("Consejo · diciembre")
    page.get_by_role("button", name=words["make"]).click()
    url = page.locator("#share-url").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/shared/shr_[\w-]{{43}}/", url), url
    shoot(f"share-links-{language}")

    for viewport, suffix in ((WIDE, ""), (NARROW, "-narrow")):
        context, visitor, problems = _fresh_context(browser, live_server, language, viewport)
        with contextlib.closing(context):
            visitor.goto(url)
            expect(visitor.locator("html")).to_have_attribute("lang", language)
            expect(visitor.locator("h1")).to_have_text("Aerolínea Ñandú → ≥ 2026")
            expect(visitor.locator(".moment-card")).to_have_count(3)
            expect(visitor.locator("[data-action]")).to_have_count(0)
            expect(visitor.get_by_text("maria")).to_have_count(0)
            topbar_links = visitor.locator(".topbar a")
            expect(topbar_links).to_have_count(2)
            _shoot(visitor, f"shared-map-{language}{suffix}")
            visitor.locator("nav").get_by_role("link", name=words["dashboard"]).click()
            expect(visitor.locator("body[data-charts-ready]")).to_be_attached()
            expect(visitor.locator(".critical-row")).to_have_count(2)
            expect(visitor.locator(".critical-insights")).to_have_count(0)
            expect(visitor.locator("#recompute-form, #report-form, .cell-panel")).to_have_count(0)
            visitor.wait_for_timeout(300)  # the charts settle to the width
            _shoot(visitor, f"shared-dashboard-{language}{suffix}")
            assert "sessionid" not in {cookie["name"] for cookie in visitor.context.cookies()}
            assert not problems, problems

    page.get_by_role("button", name=re.compile(words["revoke"])).click()
    context, visitor, problems = _fresh_context(browser, live_server, language, WIDE)
    with contextlib.closing(context):
        response = visitor.goto(url)
        assert response.status == 404
        expect(visitor.locator("h1")).to_have_text(words["dead"])
        expect(visitor.locator(".topbar a")).to_have_count(0)
        _shoot(visitor, f"shared-revoked-{language}")
        assert not problems, problems
