"""The review page in Chromium: a team lead works an item with the keyboard alone."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.db.models import F
from playwright.sync_api import expect

from journeys.models import Membership
from reviews.models import ReviewItem, Webhook, WebhookDelivery
from reviews.selectors import iso_week_label
from reviews.services import review_week_open
from tests.factories import MembershipFactory, UserFactory
from tests.reviews.conftest import (  # noqa: F401 - the review fixtures, shared with tests/reviews
    add_ratings,
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

pytestmark = pytest.mark.browser


def test_a_team_lead_acknowledges_and_dismisses_items_with_the_keyboard(
    page, shoot, log_in, transactional_db, cycle, carousel, gate, team_lead, week  # noqa: F811
):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(gate, week_start=week, n=30, dissatisfied=15)
    review_week_open(cycle=cycle, week_start=week)
    first = ReviewItem.objects.order_by("-severity", F("touchpoint_id").asc(nulls_first=True)).first()
    log_in(team_lead)

    page.goto(f"/cycles/{cycle.pk}/reviews/?week={iso_week_label(week)}")
    assert page.locator("[data-review-item]").count() == 2
    assert page.locator("svg.sparkline").count() == 2
    shoot("reviews-week")

    page.keyboard.press("j")  # focus the first (most severe) item
    assert page.evaluate("document.activeElement.id") == f"item-{first.pk}"
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.textContent.trim()") != "Acknowledge":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"#item-{first.pk}$"))
    assert page.locator(".messages").inner_text() == "Status changed to “Acknowledged”."
    assert page.evaluate("document.activeElement.id") == f"item-{first.pk}"

    other = page.locator("[data-review-item]").nth(1)
    other.locator("summary", has_text="Dismiss").focus()
    page.keyboard.press("Enter")
    other.get_by_label("Why is it dismissed?").fill("Works at the gate all week")
    other.get_by_role("button", name="Dismiss", exact=True).press("Enter")
    page.wait_for_load_state()
    shoot("reviews-week-after", narrow=False)

    statuses = dict(ReviewItem.objects.values_list("pk", "status"))
    assert statuses[first.pk] == "acknowledged"
    assert sorted(statuses.values()) == ["acknowledged", "dismissed"]


def test_an_admin_registers_a_webhook_and_sees_its_deliveries(page, shoot, log_in, transactional_db):
    admin = UserFactory(username="marta")
    MembershipFactory(user=admin, role=Membership.Role.ADMIN)
    log_in(admin)
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    page.get_by_label("Endpoint URL").fill("ftp://hooks.example/momento")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".field-error").first).to_contain_text("Enter an http:// or https:// URL.")
    assert not Webhook.objects.exists()
    page.get_by_label("Endpoint URL").fill("http://169.254.169.254/latest/meta-data/")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".field-error").first).to_contain_text("Momento sends events only to public internet")
    shoot("webhook-internal-address-refused")
    assert not Webhook.objects.exists()
    page.get_by_label("Endpoint URL").fill("https://hooks.example/momento")
    page.get_by_label("Description").fill("Ops channel")
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator("#secret-value")
    webhook = Webhook.objects.get()
    expect(secret).to_have_value(webhook.secret)
    shoot("webhook-added", narrow=False)

    now = dt.datetime.now(dt.UTC)
    WebhookDelivery.objects.create(webhook=webhook, event="review_item.opened", event_id=uuid.uuid4(), payload={},
                                   attempt=1, status_code=503, started_at=now, finished_at=now, duration_ms=41)
    page.get_by_role("link", name="See the webhook").click()
    expect(page.locator("table.deliveries")).to_contain_text("Refused (503)")
    expect(page.locator("body")).not_to_contain_text(webhook.secret)
    page.get_by_label("Active: send events to this endpoint").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Webhook saved.")
    webhook.refresh_from_db()
    assert webhook.active is False
    shoot("webhook-detail")


def test_an_internal_webhook_address_is_refused_in_spanish(page, shoot, log_in, transactional_db):
    admin = UserFactory(username="marta")
    MembershipFactory(user=admin, role=Membership.Role.ADMIN)
    log_in(admin)
    page.locator("#language-select").select_option("es")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL del destino").fill("http://10.0.0.5:8080/hooks")
    page.get_by_role("button", name="Añadir webhook").click()
    expect(page.locator(".field-error").first).to_contain_text(
        "Momento solo envía eventos a direcciones públicas de internet")
    shoot("webhook-internal-address-refused-es")
    assert not Webhook.objects.exists()
