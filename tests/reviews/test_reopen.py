"""A resolved item can be reopened, with a reason, by whoever may change its status."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from reviews.models import ReviewItem, Webhook
from reviews.services import action_item_add, allowed_transitions, review_item_transition, review_week_open
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(cycle, carousel, week, team_lead):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    item = review_week_open(cycle=cycle, week_start=week)[0]
    for status in ("acknowledged", "action_planned", "resolved"):
        item = review_item_transition(item=item, status=status, actor=team_lead)
    return item


def test_a_resolved_item_may_only_be_reopened():
    assert allowed_transitions("resolved") == ["open"]
    assert allowed_transitions("dismissed") == []


def test_reopening_records_the_reason_and_who_in_the_history(resolved, team_lead):
    item = review_item_transition(item=resolved, status="open", actor=team_lead, reason="  Belt broke again  ")

    item.refresh_from_db()
    assert item.status == "open" and item.closed_at is None and not item.is_final
    event = item.events.filter(kind="status").last()
    assert (event.actor_id, event.from_value, event.to_value) == (team_lead.pk, "resolved", "open: Belt broke again")
    assert event.to_display == "Open: Belt broke again"
    action_item_add(item=item, text="Replace the belt motor", actor=team_lead)  # open again: takes actions


def test_reopening_needs_a_reason_and_writes_nothing_without_one(resolved, team_lead):
    with pytest.raises(ValidationError) as error:
        review_item_transition(item=resolved, status="open", actor=team_lead, reason=" ")

    assert "reason" in error.value.message_dict
    resolved.refresh_from_db()
    assert resolved.status == "resolved" and resolved.events.filter(kind="status").count() == 3


def test_viewers_cannot_reopen(resolved, viewer):
    with pytest.raises(PermissionDenied):
        review_item_transition(item=resolved, status="open", actor=viewer, reason="Still bad")
    resolved.refresh_from_db()
    assert resolved.status == "resolved"


def test_a_dismissed_item_stays_closed(cycle, carousel, week, team_lead):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    item = review_week_open(cycle=cycle, week_start=week)[0]
    review_item_transition(item=item, status="dismissed", actor=team_lead, reason="Duplicate")

    with pytest.raises(ValidationError):
        review_item_transition(item=item, status="open", actor=team_lead, reason="Oops")


def test_reopening_fires_the_status_webhook(resolved, team_lead, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    webhooks = importlib.import_module("reviews.webhooks")
    monkeypatch.setattr(webhooks, "_enqueue", lambda webhook_id, event, event_id, envelope: sent.append(envelope))
    Webhook.objects.create(organization=resolved.organization, url="https://hooks.example.com/momento")

    with django_capture_on_commit_callbacks(execute=True):
        review_item_transition(item=resolved, status="open", actor=team_lead, reason="Belt broke again")

    assert [envelope["event"] for envelope in sent] == ["review_item.status_changed"]
    data = sent[0]["data"]
    assert (data["status"], data["previous_status"], data["reason"]) == ("open", "resolved", "Belt broke again")


def test_the_page_reopens_with_a_reason(client, team_lead, cycle, resolved):
    client.force_login(team_lead)
    url = reverse("reviews:item_status", args=[cycle.pk, resolved.pk])
    page = client.get(reverse("reviews:week", args=[cycle.pk]) + f"?week={resolved.iso_week}").content.decode()
    assert "Reopen…" in page and "Why is it reopened?" in page

    refused = client.post(url, {"status": "open", "reason": ""}, follow=True).content.decode()
    assert "Say why the item is reopened." in refused
    client.post(url, {"status": "open", "reason": "Belt broke again"})

    resolved.refresh_from_db()
    assert resolved.status == "open"


def test_viewers_see_no_reopen_form(client, viewer, cycle, resolved):
    client.force_login(viewer)
    page = client.get(reverse("reviews:week", args=[cycle.pk]) + f"?week={resolved.iso_week}").content.decode()
    assert "Reopen…" not in page
    response = client.post(reverse("reviews:item_status", args=[cycle.pk, resolved.pk]),
                           {"status": "open", "reason": "x"})
    assert response.status_code == 403
    assert ReviewItem.objects.get(pk=resolved.pk).status == "resolved"


def test_the_api_reopens_with_a_reason(team_lead, resolved):
    client = APIClient()
    client.force_authenticate(user=team_lead)
    url = f"/api/v1/review-items/{resolved.pk}/"

    assert client.get(url).json()["allowed_transitions"] == ["open"]
    refused = client.patch(url, {"status": "open"}, format="json")
    reopened = client.patch(url, {"status": "open", "reason": "Belt broke again"}, format="json")

    assert refused.status_code == 400 and "reason" in refused.json()
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert reopened.json()["closed_at"] is None
