"""The public survey page in Chromium: a customer rates at 390 px and 1280 px, in English and
Spanish, with JavaScript on and off; the one-click confirm from an e-mail (through the real
2-second bot guard); the kiosk that resets after an answer and after idling; the embedded
widget (framed, the rest of Momento not); a CX manager's Collect page from the map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CSP, EXPECTED_HTTP_ERROR, NARROW, SCREENSHOTS, WIDE, _with_csp
from tests.factories import SegmentFactory
from tests.touchpoints.survey_support import survey_link
from touchpoints.models import Rating, SurveyLink
from touchpoints.survey_links import embed_html, survey_link_update

pytestmark = pytest.mark.browser

QUESTION = {"en": "How satisfied are you with Baggage claim?", "es": "¿Cuál es su grado de satisfacción con Baggage claim?"}
THANKS = {"en": "Thank you!", "es": "¡Gracias!"}
SEND = {"en": "Send", "es": "Enviar"}
SATISFIED = {"en": "Satisfied", "es": "Satisfecho"}


@pytest.fixture
def link(transactional_db, organization, settings):
    settings.MOMENTO_SURVEY_MIN_SECONDS = 0  # the walk-throughs; the one-click test keeps the real 2 s
    return survey_link(organization, touchpoint_name="Baggage claim",
                       segment=SegmentFactory(organization=organization, name="Leisure"))


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px wider than the screen"


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and not EXPECTED_HTTP_ERROR.search(message.text) else None)
    return problems


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_customer_rates_on_a_phone_and_a_desktop_with_javascript(page, shoot, link, language):
    page.goto(f"/s/{link.token}/?lang={language}")
    expect(page.get_by_role("heading", name=QUESTION[language])).to_be_visible()
    shoot(f"survey-page-{language}")
    page.set_viewport_size(NARROW)
    # Keyboard: the scale is one radio group, reachable and changed with the arrow keys.
    page.get_by_role("radio", name=SATISFIED[language], exact=True).focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name=f"Very {SATISFIED['en'].lower()}" if language == "en"
                            else "Muy satisfecho")).to_be_checked()
    page.locator("label[for=score-2]").click()  # a tap on a face
    expect(page.locator(".caption-2")).to_be_visible()  # the chosen answer, in words
    box = page.locator("label[for=score-2]").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box  # a finger's target
    page.get_by_label(re.compile("tell us more|contarnos algo más")).fill("The belt stopped twice")
    page.screenshot(path=SCREENSHOTS / f"survey-page-chosen-{language}-narrow.png", full_page=True)
    fits(page)
    page.get_by_role("button", name=SEND[language]).click()
    expect(page.get_by_role("heading", name=THANKS[language])).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"survey-thanks-{language}-narrow.png", full_page=True)
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.source, rating.segment.name) == (2, "The belt stopped twice",
                                                                                  "form", "Leisure")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_customer_rates_without_javascript(browser, live_server, link, language):
    context = browser.new_context(viewport=NARROW, locale="es-ES" if language == "es" else "en-GB",
                                  base_url=live_server.url, java_script_enabled=False)
    context.route(re.compile(r".*"), _with_csp)
    page = context.new_page()
    try:
        page.goto(f"/s/{link.token}/")  # the language from the browser's Accept-Language
        expect(page.get_by_role("heading", name=QUESTION[language])).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"survey-nojs-{language}-narrow.png", full_page=True)
        fits(page)
        page.get_by_role("button", name=SEND[language]).click()  # nothing chosen: asked again
        expect(page.get_by_role("alert")).to_have_text(
            "Choose a score first." if language == "en" else "Elija primero una puntuación.")
        page.locator("label[for=score-5]").click()
        page.get_by_role("button", name=SEND[language]).click()
        expect(page.get_by_role("heading", name=THANKS[language])).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"survey-nojs-thanks-{language}-narrow.png", full_page=True)
        page.set_viewport_size(WIDE)
        page.goto(f"/s/{link.token}/?lang={'en' if language == 'es' else 'es'}")  # the other language, by link
        page.screenshot(path=SCREENSHOTS / f"survey-nojs-{language}-switched.png", full_page=True)
    finally:
        context.close()
    assert Rating.objects.get().score == 5


def test_a_one_click_email_link_shows_the_choice_and_a_tap_confirms_it(page, link, settings):
    settings.MOMENTO_SURVEY_MIN_SECONDS = 2  # the real bot guard
    page.set_viewport_size(NARROW)
    page.goto(f"/s/{link.token}/?score=4&lang=en")
    expect(page.get_by_role("radio", name="Satisfied", exact=True)).to_be_checked()
    expect(page.get_by_text("You chose: Satisfied.")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "survey-one-click-narrow.png", full_page=True)
    assert not Rating.objects.exists()  # the GET wrote nothing
    confirm = page.get_by_role("button", name="Confirm my rating")
    confirm.click()  # at once: faster than a person reads, so asked once more
    expect(page.get_by_text("That was quick!")).to_be_visible()
    assert not Rating.objects.exists()
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Confirm my rating").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert Rating.objects.get().score == 4


def test_the_kiosk_resets_after_an_answer_and_after_idling(page, link, settings):
    settings.MOMENTO_SURVEY_KIOSK_IDLE_SECONDS = 2
    page.goto(f"/s/{link.token}/kiosk/?lang=es")
    expect(page.get_by_role("heading", name=QUESTION["es"])).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)  # no comment keyboard on a kiosk
    expect(page.get_by_role("button", name="Enviar")).to_be_hidden()  # a tap is the answer
    page.screenshot(path=SCREENSHOTS / "survey-kiosk-es.png", full_page=True)
    page.locator("label[for=score-5]").click()
    expect(page.get_by_role("heading", name="¡Gracias!")).to_be_visible()
    assert Rating.objects.get().score == 5
    # Ready for the next customer by itself.
    expect(page.get_by_role("heading", name=QUESTION["es"])).to_be_visible(timeout=8000)
    expect(page.locator("input[name=score]:checked")).to_have_count(0)
    # With the comment box asked for, someone who chose and walked away is forgotten after the idle time.
    survey_link_update(link=link, kiosk_comment=True)
    page.reload()
    page.locator("label[for=score-1]").click()
    expect(page.locator("#score-1")).to_be_checked()
    page.set_viewport_size(NARROW)
    page.screenshot(path=SCREENSHOTS / "survey-kiosk-comment-es-narrow.png", full_page=True)
    expect(page.locator("input[name=score]:checked")).to_have_count(0, timeout=6000)
    assert Rating.objects.count() == 1


def test_the_embedded_survey_is_framed_and_answers_while_the_rest_of_momento_refuses_frames(browser, live_server,
                                                                                            link, settings):
    settings.MOMENTO_SITE_URL = live_server.url
    context = browser.new_context(viewport=WIDE, base_url=live_server.url, locale="en-GB")
    # A page of the customer's website (same site here: over plain HTTP a browser sends the
    # form's cookie to a framed page of the same site only; across sites it needs HTTPS).
    host = f"{live_server.url}/a-customers-website/"
    snippet = embed_html(link)
    # Another page of the link (the poster: it sets no cookie that would race the survey's own).
    refused = f'<iframe id="page" src="{live_server.url}/s/{link.token}/print/" title="not embeddable"></iframe>'

    def serve(route):
        if route.request.url == host:
            route.fulfill(status=200, content_type="text/html",
                          body=f"<!DOCTYPE html><html><body><h1>Our airline</h1>{snippet}{refused}</body></html>")
        elif "/embed/" in route.request.url or route.request.method == "POST":
            route.continue_()  # the framed survey keeps its own policy (frame-ancestors *)
        else:
            _with_csp(route)

    context.route(re.compile(r".*"), serve)
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(host)
        frame = page.frame_locator("iframe[data-momento-survey]")
        expect(frame.get_by_role("heading", name=QUESTION["en"])).to_be_visible()
        # The widget script sized the frame to the survey inside it.
        page.wait_for_function("document.querySelector('iframe[data-momento-survey]').height !== '420'")
        # Any other page is not embeddable (X-Frame-Options: DENY, frame-ancestors 'none'): its frame stays empty.
        assert page.frame_locator("#page").get_by_role("heading", name=QUESTION["en"]).count() == 0
        frame.locator("label[for=score-4]").click()
        frame.get_by_role("button", name="Send").click()
        expect(frame.get_by_role("heading", name="Thank you!")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "survey-embedded.png", full_page=True)
    finally:
        context.close()
    assert Rating.objects.get().score == 4
    assert not [problem for problem in problems if "refused to" not in problem.lower()
                and "x-frame-options" not in problem.lower() and "frame-ancestors" not in problem.lower()], problems
    assert CSP  # the strict policy above was applied to every other page


def test_a_cx_manager_opens_collect_from_the_map_and_makes_a_link(page, shoot, log_in, cx_manager):
    from journeys.services import cycle_create, moment_add
    from tests.factories import TouchpointFactory

    organization = cx_manager.memberships.get().organization
    cycle = cycle_create(organization=organization, name="Airline")
    touchpoint = TouchpointFactory(moment=moment_add(cycle=cycle, name="Baggage claim", kind="SMOT"),
                                   name="Carousel", scale="nps11")
    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/")
    page.get_by_role("link", name="Collect ratings of Carousel: survey link, QR code, kiosk").click()
    expect(page.get_by_role("heading", name="Collect ratings: Carousel")).to_be_visible()
    page.get_by_label("Name (for your team)").fill("Poster at the carousel")
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", name="Poster at the carousel")).to_be_visible()
    link = SurveyLink.objects.get(touchpoint=touchpoint)
    expect(page.get_by_label("Public address")).to_have_value(re.compile(rf"/s/{link.token}/$"))
    page.get_by_text("E-mail buttons", exact=True).click()
    shoot("survey-collect")
    page.get_by_role("button", name="End this link").click()
    expect(page.get_by_text("Ended by hand")).to_be_visible()


def test_every_scale_fits_a_phone_with_targets_a_finger_can_hit(page, organization, link):
    for scale in ("nps11", "stars5", "ces7", "thumbs2"):
        other = survey_link(organization, scale=scale, touchpoint_name=f"Gate ({scale})")
        for viewport, suffix in ((NARROW, "-narrow"), (WIDE, "")):
            page.set_viewport_size(viewport)
            page.goto(f"/s/{other.token}/?lang=es")
            highest = page.locator("label.survey-option").last
            highest.click()
            fits(page)
            for box in (option.bounding_box() for option in page.locator("label.survey-option").all()):
                assert box["width"] >= 40 and box["height"] >= 44, (scale, box)
            page.screenshot(path=SCREENSHOTS / f"survey-scale-{scale}{suffix}.png", full_page=True)
