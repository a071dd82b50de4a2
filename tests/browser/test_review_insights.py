"""What dissatisfied customers said, on the review page in Chromium: English and Spanish, 1280 and
390 px. Terms as chips, the line of changes since last week, three verbatims (a script among them
shown as text) and the link to all the comments of that moment and week."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from reviews.models import ReviewItem
from reviews.services import review_week_open
from tests.browser.conftest import NARROW, SCREENSHOTS
from tests.browser.test_review_week import review_url, to_spanish
from tests.reviews.conftest import (  # noqa: F401 - the review fixtures, shared with tests/reviews
    carousel,
    cycle,
    fast_password_hasher,
    gate,
    healthy_moment,
    lost_desk,
    moment,
    tasks_run_in_process,
    team_lead,
    week,
)
from tests.reviews.test_review_insights import SCRIPT, add_comments, baggage_weeks

pytestmark = pytest.mark.browser

LONG = ("La cinta de equipajes se paró dos veces y nadie del personal sabía cuándo saldrían las maletas; "
        "esperamos más de una hora en la sala sin ninguna información, con niños cansados y un vuelo de "
        "conexión que perdimos por el retraso. the belt")


@pytest.fixture
def said_week(transactional_db, cycle, carousel, lost_desk, gate, week):  # noqa: F811
    baggage_weeks(carousel, gate, week, extra=[LONG, SCRIPT], times=2)
    add_comments(lost_desk, week_start=week, comments=["Nadie en el mostrador de equipaje perdido"] * 2)
    review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=1))
    review_week_open(cycle=cycle, week_start=week)
    return week


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_team_lead_reads_what_customers_said_that_week(page, shoot, log_in, cycle, team_lead, said_week,  # noqa: F811
                                                         language):
    item = ReviewItem.objects.get(week_start=said_week)
    log_in(team_lead)
    page.goto(review_url(cycle, said_week))
    if language == "es":
        to_spanish(page)
    said = page.locator(f"#item-{item.pk} .said")

    expect(said.locator("h4")).to_contain_text("What dissatisfied customers said in" if language == "en"
                                               else "Lo que dijeron los clientes insatisfechos en")
    chips = said.locator(".term-chip")
    expect(chips).to_have_count(3)
    expect(chips.first).to_contain_text("belt")
    expect(chips.first).to_have_attribute("title", "in 30 comments of dissatisfied customers (30 mentions)"
                                          if language == "en"
                                          else "en 30 comentarios de clientes insatisfechos (30 menciones)")
    line = said.locator(".since-last-week")
    expect(line).to_contain_text("new: smell" if language == "en" else "nuevos: smell")
    expect(line).to_contain_text("gone: staff" if language == "en" else "ya no: staff")
    expect(line).to_contain_text("belt (12 → 30)")
    expect(line).to_contain_text("queue (24 → 16)")
    verbatims = said.locator(".verbatim blockquote")
    expect(verbatims).to_have_count(3)
    expect(verbatims.first).to_have_text(SCRIPT)  # as text: no script ran, no element was made
    assert said.locator("blockquote script").count() == 0
    expect(said.locator(".verbatim-meta").first).to_contain_text("score 1/5" if language == "en"
                                                                 else "puntuación 1/5")
    link = said.get_by_role("link", name="All comments" if language == "en" else "Todos los comentarios")
    expect(link).to_have_attribute(
        "href", f"/cycles/{cycle.pk}/dashboard/comments/?moment={item.moment_id}&start={said_week.isoformat()}"
                f"&end={(said_week + dt.timedelta(days=6)).isoformat()}&dissatisfied=true")
    shoot(f"reviews-insights-{language}")
    # The section alone, wide and narrow, to look at closely.
    said.screenshot(path=SCREENSHOTS / f"reviews-insights-section-{language}.png")
    page.set_viewport_size(NARROW)
    said.screenshot(path=SCREENSHOTS / f"reviews-insights-section-{language}-narrow.png")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
