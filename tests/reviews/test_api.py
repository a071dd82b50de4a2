"""Review items and webhooks through /api/v1/: scoping, roles, workflow, validation, schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from journeys.models import Membership
from reviews.models import ActionItem, ReviewItem, Webhook
from reviews.selectors import iso_week_label
from reviews.services import review_week_open
from tests.api_support import member_client, token_client
from tests.factories import MembershipFactory
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(cycle, carousel, gate, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(gate, week_start=week, n=100, dissatisfied=45)
    review_week_open(cycle=cycle, week_start=week)
    return list(ReviewItem.objects.order_by("-severity"))


def lead_client(organization, team_lead):
    client = APIClient()
    client.force_authenticate(user=team_lead)
    return client


def test_anonymous_gets_401():
    assert APIClient().get("/api/v1/review-items/").status_code == 401


def test_list_holds_only_the_callers_organization_and_filters_by_week(organization, other_organization, items,
                                                                      week, django_assert_max_num_queries):
    client = member_client(organization, role=Membership.Role.VIEWER)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/review-items/", {"week": iso_week_label(week)})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["id"] for row in results] == [item.pk for item in items]
    assert results[0]["week"] == iso_week_label(week)
    assert {"n", "dissatisfied", "wilson_low", "wilson_high", "worsening", "reach", "severity", "streak",
            "allowed_transitions", "events", "actions", "moment_protocol"} <= set(results[0])
    assert member_client(other_organization).get("/api/v1/review-items/").json()["results"] == []


def test_a_bad_week_filter_is_400(organization, items):
    response = member_client(organization).get("/api/v1/review-items/", {"week": "47"})
    assert response.status_code == 400 and "week" in response.json()


def test_another_organizations_item_is_404_for_every_method(items, other_organization):
    client = member_client(other_organization)
    url = f"/api/v1/review-items/{items[0].pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"status": "acknowledged"}, format="json").status_code == 404
    assert client.post(url + "actions/", {"text": "x"}, format="json").status_code == 404


def test_a_team_lead_moves_an_item_and_sets_owner_and_notes(organization, items, team_lead):
    client = lead_client(organization, team_lead)
    url = f"/api/v1/review-items/{items[0].pk}/"

    response = client.patch(url, {"status": "acknowledged", "owner": team_lead.pk, "notes": "On it"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["owner"], body["notes"]) == ("acknowledged", team_lead.pk, "On it")
    assert body["allowed_transitions"] == ["action_planned", "dismissed"]
    assert [event["kind"] for event in body["events"]] == ["opened", "owner", "notes", "status"]
    assert body["events"][-1]["actor"] == team_lead.username


def test_an_out_of_order_status_is_400_and_nothing_in_the_request_is_written(organization, items, team_lead):
    client = lead_client(organization, team_lead)
    item = items[0]

    response = client.patch(f"/api/v1/review-items/{item.pk}/", {"notes": "Should not stay", "status": "resolved"},
                            format="json")

    assert response.status_code == 400 and "status" in response.json()
    item.refresh_from_db()
    assert item.status == "open" and item.notes == ""
    assert item.events.count() == 1


def test_dismissing_without_a_reason_is_400(organization, items, team_lead):
    client = lead_client(organization, team_lead)
    response = client.patch(f"/api/v1/review-items/{items[0].pk}/", {"status": "dismissed"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()


def test_an_owner_from_another_organization_is_400(organization, items, team_lead, outsider):
    client = lead_client(organization, team_lead)
    response = client.patch(f"/api/v1/review-items/{items[0].pk}/", {"owner": outsider.pk}, format="json")
    assert response.status_code == 400 and "owner" in response.json()


def test_viewers_and_tokens_read_but_cannot_change(organization, items):
    url = f"/api/v1/review-items/{items[0].pk}/"
    viewer = member_client(organization, role=Membership.Role.VIEWER)
    token = token_client(organization, scopes=["read"])
    for client in (viewer, token):
        assert client.get(url).status_code == 200
        assert client.patch(url, {"status": "acknowledged"}, format="json").status_code == 403
    ingest_only = token_client(organization, scopes=["ingest"])
    assert ingest_only.get("/api/v1/review-items/").status_code == 403
    items[0].refresh_from_db()
    assert items[0].status == "open"


def test_action_items_are_added_and_ticked_off(organization, items, team_lead):
    client = lead_client(organization, team_lead)
    url = f"/api/v1/review-items/{items[0].pk}/actions/"

    created = client.post(url, {"text": "Call the handling agent", "due_date": "2030-02-01"}, format="json")
    assert created.status_code == 201
    done = client.patch(f"{url}{created.json()['id']}/", {"done": True}, format="json")

    assert done.status_code == 200 and done.json()["done"] is True
    assert client.post(url, {"text": ""}, format="json").status_code == 400
    assert ActionItem.objects.count() == 1


# --- Webhooks --------------------------------------------------------------------------------------


def test_admins_register_a_webhook_and_see_its_secret_once(organization):
    client = member_client(organization, role=Membership.Role.ADMIN)

    response = client.post("/api/v1/webhooks/", {"organization": organization.pk,
                                                 "url": "https://hooks.example.com/momento"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["secret"]) == 64 and body["events"] == ["review_item.opened", "review_item.status_changed",
                                                          "alert.opened", "alert.closed"]
    assert (body["kind"], body["language"]) == ("momento", "en")
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]] and "secret" not in listed[0]
    rotated = client.post(f"/api/v1/webhooks/{body['id']}/rotate-secret/").json()["secret"]
    assert rotated != body["secret"]


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/x", "not a url", "file:///etc/passwd"])
def test_a_webhook_url_that_is_not_http_or_https_is_400(organization, url):
    client = member_client(organization)
    response = client.post("/api/v1/webhooks/", {"organization": organization.pk, "url": url}, format="json")
    assert response.status_code == 400 and "url" in response.json()
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.CX_MANAGER, Membership.Role.TEAM_LEAD, Membership.Role.VIEWER])
def test_only_admins_manage_webhooks(organization, role):
    webhook = Webhook.objects.create(organization=organization, url="https://hooks.example.com/a")
    client = member_client(organization, role=role)
    assert client.get("/api/v1/webhooks/").status_code == 403
    assert client.post("/api/v1/webhooks/", {"organization": organization.pk, "url": "https://x.example"},
                       format="json").status_code == 403
    assert client.delete(f"/api/v1/webhooks/{webhook.pk}/").status_code == 403
    assert Webhook.objects.count() == 1


def test_another_organizations_webhook_is_404(organization, other_organization):
    webhook = Webhook.objects.create(organization=organization, url="https://hooks.example.com/a")
    client = member_client(other_organization)
    for method in ("get", "patch", "delete"):
        assert getattr(client, method)(f"/api/v1/webhooks/{webhook.pk}/").status_code == 404
    response = client.post("/api/v1/webhooks/", {"organization": organization.pk, "url": "https://x.example"},
                           format="json")
    assert response.status_code == 400 and "organization" in response.json()


def test_webhook_updates_and_deliveries(organization):
    client = member_client(organization)
    webhook = Webhook.objects.create(organization=organization, url="https://hooks.example.com/a")

    bad = client.patch(f"/api/v1/webhooks/{webhook.pk}/", {"url": "gopher://x"}, format="json")
    good = client.patch(f"/api/v1/webhooks/{webhook.pk}/", {"active": False, "events": ["review_item.opened"]},
                        format="json")

    assert bad.status_code == 400
    assert good.status_code == 200 and good.json()["active"] is False
    assert client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").json()["results"] == []
    assert client.delete(f"/api/v1/webhooks/{webhook.pk}/").status_code == 204


def test_the_schema_documents_reviews_and_webhooks(organization):
    client = member_client(organization)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/review-items/", "/api/v1/review-items/{id}/", "/api/v1/review-items/{id}/actions/",
                 "/api/v1/webhooks/", "/api/v1/webhooks/{id}/deliveries/"):
        assert path in schema["paths"], path
    assert "ReviewStatusEnum" in schema["components"]["schemas"]


def test_team_lead_of_another_org_cannot_change_items_here(organization, other_organization, items):
    lead_elsewhere = MembershipFactory(organization=other_organization, role=Membership.Role.TEAM_LEAD).user
    MembershipFactory(user=lead_elsewhere, organization=organization, role=Membership.Role.VIEWER)
    client = APIClient()
    client.force_authenticate(user=lead_elsewhere)
    response = client.patch(f"/api/v1/review-items/{items[0].pk}/", {"status": "acknowledged"}, format="json")
    assert response.status_code == 403


def test_the_schema_says_an_events_actor_may_be_null():
    """Events Momento made itself (opening by the schedule) have no actor: the schema must allow it."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    actor = schema["components"]["schemas"]["ReviewEvent"]["properties"]["actor"]
    assert actor.get("nullable") is True


def test_an_event_made_by_the_schedule_has_a_null_actor(organization, items):
    body = member_client(organization).get(f"/api/v1/review-items/{items[0].pk}/").json()
    assert body["events"][0]["kind"] == "opened" and body["events"][0]["actor"] is None
    assert body["opened_by"] is None


@pytest.mark.parametrize("request_body, field, spanish", [
    ({}, "detail", "Indica al menos uno de estos campos: status, owner, notes."),
    ({"owner": 999999}, "owner", ("El responsable debe ser jefe de equipo, responsable de CX o administrador "
                                  "de esta organización.")),
    ({"status": "dismissed"}, "reason", "Indica por qué se descarta el elemento."),
])
def test_review_api_errors_answer_in_the_callers_language(organization, items, team_lead, request_body, field,
                                                          spanish):
    client = lead_client(organization, team_lead)
    response = client.patch(f"/api/v1/review-items/{items[0].pk}/", request_body, format="json",
                            HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    message = response.json()[field]
    assert (message if isinstance(message, str) else message[0]) == spanish


def test_refusing_a_viewer_is_said_in_the_callers_language(organization, items):
    client = member_client(organization, role=Membership.Role.VIEWER)
    response = client.patch(f"/api/v1/review-items/{items[0].pk}/", {"status": "acknowledged"}, format="json",
                            HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Solo los jefes de equipo")
