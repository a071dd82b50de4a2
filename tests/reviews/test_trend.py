"""A review item compares with the week before only when that week had enough ratings:
otherwise it says "no earlier data" (page, digest, API, webhooks), never "steady"."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from reviews.emails import review_digest_send
from reviews.models import ReviewItem, Trend, Webhook
from reviews.selectors import iso_week_label
from reviews.services import review_week_open
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("previous, trend, worsening", [
    ((40, 8), "worsening", True),     # 8/40 → 20/40: z = 2.81
    ((40, 20), "steady", False),      # no change
    ((40, 34), "improving", False),   # 34/40 → 20/40: z = −3.38
    ((19, 2), "no_earlier_data", None),  # 19 < min_sample 20: nothing to compare with
    ((0, 0), "no_earlier_data", None),
])
def test_the_trend_is_stored_with_the_item(cycle, carousel, week, previous, trend, worsening):
    if previous[0]:
        add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=previous[0], dissatisfied=previous[1])
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    item = review_week_open(cycle=cycle, week_start=week)[0]

    assert (item.trend, item.worsening) == (trend, worsening)
    child = item.critical_touchpoints.get()
    assert (child.trend, child.worsening) == (trend, worsening)


@pytest.fixture
def thin_week_before(cycle, carousel, week):
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=5, dissatisfied=0)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    return ReviewItem.objects.get()


def test_the_page_says_no_earlier_data_never_steady(client, team_lead, cycle, week, thin_week_before):
    client.force_login(team_lead)

    html = client.get(reverse("reviews:week", args=[cycle.pk]) + f"?week={iso_week_label(week)}").content.decode()

    article = html[html.index(f'id="item-{thin_week_before.pk}"'):]
    assert "No earlier data" in article and "steady" not in article.lower()
    assert "5 ratings the week before" in article


def test_the_week_before_shows_its_share(client, team_lead, cycle, carousel, week):
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=184, dissatisfied=102)
    add_ratings(carousel, week_start=week, n=184, dissatisfied=120)
    review_week_open(cycle=cycle, week_start=week)
    client.force_login(team_lead)

    html = client.get(reverse("reviews:week", args=[cycle.pk]) + f"?week={iso_week_label(week)}").content.decode()

    assert "102 of 184 (55\u00a0%)" in html


def test_the_digest_says_no_earlier_data(settings, cycle, team_lead, week, thin_week_before):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    review_digest_send(cycle=cycle, week_start=week)

    message = mail.outbox[0]
    assert "no earlier data" in message.body and "steady" not in message.body.lower()
    assert "no earlier data" in message.alternatives[0][0]


def test_the_api_answers_worsening_null_with_the_trend_as_reason(team_lead, thin_week_before):
    client = APIClient()
    client.force_authenticate(user=team_lead)

    body = client.get(f"/api/v1/review-items/{thin_week_before.pk}/").json()

    assert body["worsening"] is None and body["trend"] == "no_earlier_data"
    assert body["critical_touchpoints"][0]["worsening"] is None
    assert body["critical_touchpoints"][0]["trend"] == "no_earlier_data"
    listed = client.get("/api/v1/review-items/", {"trend": "no_earlier_data"}).json()["results"]
    assert [row["id"] for row in listed] == [thin_week_before.pk]
    assert client.get("/api/v1/review-items/", {"worsening": "false"}).json()["results"] == []


def test_the_schema_declares_worsening_nullable_and_the_trend():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    item = schema["components"]["schemas"]["ReviewItem"]["properties"]
    assert item["worsening"].get("nullable") is True
    assert "trend" in item and "critical_touchpoints" in item
    assert set(schema["components"]["schemas"]["TrendEnum"]["enum"]) == set(Trend.values)


def test_webhook_payloads_carry_the_trend(cycle, carousel, week, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    webhooks = importlib.import_module("reviews.webhooks")
    monkeypatch.setattr(webhooks, "_enqueue", lambda webhook_id, event, event_id, envelope: sent.append(envelope))
    Webhook.objects.create(organization=cycle.organization, url="https://hooks.example.com/momento")
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=5, dissatisfied=0)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    with django_capture_on_commit_callbacks(execute=True):
        review_week_open(cycle=cycle, week_start=week)

    figures = sent[0]["data"]["figures"]
    assert figures["worsening"] is None and figures["trend"] == "no_earlier_data"
    touchpoint = sent[0]["data"]["critical_touchpoints"][0]
    assert touchpoint["key"] == carousel.key and touchpoint["trend"] == "no_earlier_data"
    assert touchpoint["worsening"] is None and touchpoint["n"] == 40


def test_existing_items_are_backfilled_with_a_trend():
    migration = importlib.import_module("reviews.migrations.0003_items_hold_touchpoints_and_trend")

    assert migration.trend_of(previous_d=0, previous_n=5, d=20, n=40, min_sample=20) == ("no_earlier_data", None)
    assert migration.trend_of(previous_d=8, previous_n=40, d=20, n=40, min_sample=20) == ("worsening", True)
    assert migration.trend_of(previous_d=20, previous_n=40, d=20, n=40, min_sample=20) == ("steady", False)
