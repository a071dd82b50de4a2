"""Playwright fixtures: Debian's Chromium, headless, against pytest-django's live_server.

Every page the tests visit is also screenshotted into SCREENSHOTS (gitignored),
whose path is printed at the end of the run so a person can look at them.
Every response gets a strict Content-Security-Policy (no 'unsafe-inline'
scripts), and any JavaScript error or CSP violation fails the test.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

from journeys.models import Membership
from tests.conftest import skip_or_fail
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make there are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PASSWORD = "correct horse battery staple"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
# The editor's endpoints answer 400/404/409 on purpose in some tests, and tests of polling
# cut the connection (route.abort("internetdisconnected")); Chromium logs those.
EXPECTED_HTTP_ERROR = re.compile(r"the server responded with a status of (400|404|409)|net::ERR_INTERNET_DISCONNECTED")
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        # Session-scoped, so set up before require_chromium: decide skip vs fail here too.
        skip_or_fail("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


def _with_csp(route):
    from playwright.sync_api import Error as PlaywrightError

    try:
        # max_redirects=0: the browser must see redirects itself, or its URL would stay on the POST.
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        if headers.get("content-type", "").startswith("text/html"):
            headers["content-security-policy"] = CSP
        route.fulfill(response=response, headers=headers)
    except PlaywrightError as error:
        # The test ended and closed the page while this request was in flight.
        if "disposed" not in str(error) and "closed" not in str(error):
            raise


@pytest.fixture
def page(require_chromium, browser, live_server):
    context = browser.new_context(viewport=WIDE, locale="en-GB", base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.route(re.compile(r".*"), _with_csp)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and not EXPECTED_HTTP_ERROR.search(message.text) else None)
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def shoot(page):
    """shoot(name): screenshot the page at 1280×800 and at a phone's width."""
    def shoot(name: str, narrow: bool = True) -> None:
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        if narrow:
            page.set_viewport_size(NARROW)
            page.wait_for_timeout(500)  # charts redraw for the new width after a short debounce
            # Usable on a phone: nothing pushes the page sideways (wide tables
            # scroll inside their card; charts follow the window, after a moment).
            from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

            fits = "document.documentElement.scrollWidth <= window.innerWidth + 1"
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_function(fits, timeout=3000)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            page.screenshot(path=SCREENSHOTS / f"{name}-narrow.png", full_page=True)
            page.set_viewport_size(WIDE)
            assert overflow <= 1, f"{name} is {overflow}px wider than a {NARROW['width']}px screen"
    return shoot


@pytest.fixture
def cx_manager(transactional_db):
    organization = OrganizationFactory(name="Iberia Demo")
    user = UserFactory(username="maria")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.CX_MANAGER)
    return user


@pytest.fixture
def log_in(page):
    def log_in(user) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/$"))
    return log_in
