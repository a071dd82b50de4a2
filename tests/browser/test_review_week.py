"""The review page in Chromium, English and Spanish, 1280 and 390 px: a moment's item with its
critical touchpoints inside it, opening the week with the button, and reopening a resolved item."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from reviews.models import ReviewItem, ReviewRun
from reviews.services import review_item_transition, review_week_open
from tests.factories import TouchpointFactory
from tests.reviews.conftest import (  # noqa: F401 - the review fixtures, shared with tests/reviews
    add_ratings,
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

pytestmark = pytest.mark.browser


@pytest.fixture
def baggage_week(transactional_db, cycle, moment, carousel, lost_desk, gate, week):  # noqa: F811
    """Baggage claim critical with two critical touchpoints (one worsening, one with no earlier
    data), a healthy third; boarding critical on its own."""
    screen = TouchpointFactory(moment=moment, name="Baggage information screen", channel="kiosk")
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=184, dissatisfied=46)
    add_ratings(carousel, week_start=week, n=184, dissatisfied=102)
    add_ratings(lost_desk, week_start=week - dt.timedelta(weeks=1), n=6, dissatisfied=1)
    add_ratings(lost_desk, week_start=week, n=60, dissatisfied=45)
    add_ratings(screen, week_start=week, n=100, dissatisfied=3)
    add_ratings(gate, week_start=week, n=50, dissatisfied=20)
    return week


@pytest.fixture(autouse=True)
def embedded(settings):
    """As `make run` serves it: no broker, so no beat (the page says so)."""
    from django.core.cache import cache

    from reviews.selectors import SCHEDULE_STATUS_CACHE_KEY

    settings.CELERY_TASK_ALWAYS_EAGER = True
    cache.delete(SCHEDULE_STATUS_CACHE_KEY)


def review_url(cycle, week=None):  # noqa: F811
    from reviews.selectors import iso_week_label

    return f"/cycles/{cycle.pk}/reviews/" + (f"?week={iso_week_label(week)}" if week else "")


def to_spanish(page):
    page.get_by_label("Language").select_option("es")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "es")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_team_lead_opens_the_week_and_sees_one_item_per_problem(page, shoot, log_in, cycle, team_lead,  # noqa: F811
                                                                  baggage_week, language):
    log_in(team_lead)
    page.goto(review_url(cycle))
    if language == "es":
        to_spanish(page)
    opening = page.locator("[data-review-opening]")
    expect(opening).to_contain_text("embedded mode" if language == "en" else "modo integrado")
    shoot(f"reviews-before-opening-{language}")

    page.locator("[data-open-week]").click()

    expect(page.locator(".messages")).to_contain_text(
        "opened: 2 critical items." if language == "en" else "abierta: 2 elementos críticos.")
    items = page.locator("[data-review-item]")
    expect(items).to_have_count(2)
    baggage = items.filter(has_text="Baggage claim")
    inside = baggage.locator(".inside-touchpoints li")
    expect(inside).to_have_count(2)
    # The most severe first: 102 unhappy of 184 outrank 45 of 60.
    expect(inside.first).to_contain_text("Baggage carousel wait")
    expect(inside.first).to_contain_text("week before: 46 of 184 (25\u00a0%)" if language == "en"
                                         else "semana anterior: 46 de 184 (25\u00a0%)")
    expect(inside.first).to_contain_text("worsening" if language == "en" else "empeorando")
    expect(inside.nth(1)).to_contain_text("Lost baggage desk")
    expect(inside.nth(1)).to_contain_text("No earlier data (6 ratings the week before)" if language == "en"
                                          else "Sin datos anteriores (6 valoraciones la semana anterior)")
    expect(baggage).not_to_contain_text("Baggage information screen")
    expect(opening).to_contain_text(team_lead.username)
    assert page.locator("[data-open-week]").count() == 0
    run = ReviewRun.objects.get(cycle=cycle, week_start=baggage_week)
    assert run.opened_by == team_lead
    baggage.locator("summary", has_text="History" if language == "en" else "Historial").click()
    expect(baggage.locator(".history")).to_contain_text(team_lead.username)
    shoot(f"reviews-moment-with-touchpoints-{language}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_team_lead_reopens_a_resolved_item_with_a_reason(page, shoot, log_in, cycle, team_lead,  # noqa: F811
                                                           baggage_week, language):
    review_week_open(cycle=cycle, week_start=baggage_week)
    item = ReviewItem.objects.get(moment__name="Baggage claim")
    for status in ("acknowledged", "action_planned", "resolved"):
        item = review_item_transition(item=item, status=status, actor=team_lead)
    log_in(team_lead)
    page.goto(review_url(cycle, baggage_week))
    if language == "es":
        to_spanish(page)
    article = page.locator(f"#item-{item.pk}")

    article.locator("summary", has_text="Reopen" if language == "en" else "Reabrir").click()
    article.get_by_label("Why is it reopened?" if language == "en" else "¿Por qué se reabre?").fill(
        "The belt broke again on Sunday")
    shoot(f"reviews-reopen-form-{language}")
    article.get_by_role("button", name="Reopen" if language == "en" else "Reabrir", exact=True).click()

    expect(page.locator(".messages")).to_contain_text("Item reopened." if language == "en" else "Elemento reabierto.")
    item.refresh_from_db()
    assert item.status == "open" and item.closed_at is None
    article = page.locator(f"#item-{item.pk}")
    article.locator("summary", has_text="History" if language == "en" else "Historial").click()
    expect(article.locator(".history")).to_contain_text("The belt broke again on Sunday")
    shoot(f"reviews-reopened-{language}")


def test_the_home_of_a_team_lead_leads_to_their_items(page, shoot, log_in, cycle, team_lead,  # noqa: F811
                                                      baggage_week):
    review_week_open(cycle=cycle, week_start=baggage_week)
    log_in(team_lead)

    panel = page.locator("[data-review-open-items]")
    expect(panel.locator("li")).to_have_count(2)
    shoot("home-open-review-items")
    panel.get_by_role("link", name="Baggage claim").click()

    item = ReviewItem.objects.get(moment__name="Baggage claim")
    expect(page.locator(f"#item-{item.pk}")).to_be_focused()
    page.get_by_role("link", name="Weekly review", exact=True).first.click()
    expect(page).to_have_url(f"{page.url.split('/cycles/')[0]}/cycles/{cycle.pk}/reviews/")
