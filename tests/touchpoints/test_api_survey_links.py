"""Survey links through /api/v1/survey-links/: made by CX managers, read by members and read
tokens, per-recipient links for ingest tokens; another organization's are 404."""

from __future__ import annotations

import pytest
from django.test import Client

from journeys.models import Membership
from tests.api_support import member_client, token_client
from tests.factories import OrganizationFactory, SegmentFactory, TouchpointFactory
from touchpoints.models import Rating, SurveyLink

from .survey_support import answer, survey_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def touchpoint(organization):
    return TouchpointFactory(moment__cycle__organization=organization, name="Baggage claim", scale="stars5")


def test_a_cx_manager_makes_a_link_and_gets_everything_needed_to_use_it(touchpoint, settings):
    settings.MOMENTO_SITE_URL = "https://cx.example.com"
    segment = SegmentFactory(organization=touchpoint.organization)
    client = member_client(touchpoint.organization, role=Membership.Role.CX_MANAGER)
    created = client.post("/api/v1/survey-links/", {
        "touchpoint": touchpoint.pk, "question": {"es": "¿Qué tal la recogida?"}, "segment": segment.pk,
        "name": "Poster", "one_per_device": True,
    }, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    token = SurveyLink.objects.get().token
    assert body["url"] == f"https://cx.example.com/s/{token}/"
    assert body["qr_png_url"] == f"https://cx.example.com/s/{token}/qr.png"
    assert body["qr_svg_url"] == f"https://cx.example.com/s/{token}/qr.svg"
    assert body["kiosk_url"].endswith(f"/s/{token}/kiosk/") and body["print_url"].endswith(f"/s/{token}/print/")
    assert f'src="https://cx.example.com/s/{token}/embed/"' in body["embed_html"]
    assert set(body["email_html"]) == {"es", "en"} and "?score=5&amp;lang=es" in body["email_html"]["es"]
    assert body["question"] == {"es": "¿Qué tal la recogida?", "en": ""}
    assert body["shown"]["question"] == {"es": "¿Qué tal la recogida?", "en": "How would you rate Baggage claim?"}
    assert (body["segment"], body["is_open"], body["one_per_device"], body["cycle"]) == (
        segment.pk, True, True, touchpoint.moment.cycle_id)
    assert SurveyLink.objects.get().created_by == client.user


def test_links_are_listed_by_touchpoint_and_read_with_a_read_token(organization, touchpoint):
    first = survey_link(organization)
    mine = SurveyLink.objects.create(organization=organization, touchpoint=touchpoint)
    survey_link(OrganizationFactory())  # another organization's
    client = token_client(organization, scopes=["read"])
    listed = client.get("/api/v1/survey-links/").json()["results"]
    assert {item["id"] for item in listed} == {first.pk, mine.pk}
    assert [item["id"] for item in client.get("/api/v1/survey-links/", {"touchpoint": touchpoint.pk}).json()[
        "results"]] == [mine.pk]
    assert client.get(f"/api/v1/survey-links/{mine.pk}/").json()["url"].endswith(f"/s/{mine.token}/")


def test_another_organizations_link_and_touchpoint_are_out_of_reach(organization, touchpoint):
    theirs = survey_link(OrganizationFactory())
    client = member_client(organization)
    assert client.get(f"/api/v1/survey-links/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/survey-links/{theirs.pk}/", {"active": False}, format="json").status_code == 404
    assert client.post(f"/api/v1/survey-links/{theirs.pk}/deactivate/").status_code == 404
    made = client.post("/api/v1/survey-links/", {"touchpoint": theirs.touchpoint_id}, format="json")
    assert made.status_code == 400 and "touchpoint" in made.json()
    foreign_segment = SegmentFactory(organization=theirs.organization)
    made = client.post("/api/v1/survey-links/", {"touchpoint": touchpoint.pk, "segment": foreign_segment.pk},
                       format="json")
    assert made.status_code == 400 and "segment" in made.json()
    assert SurveyLink.objects.filter(organization=organization).count() == 0
    theirs.refresh_from_db()
    assert theirs.active


@pytest.mark.parametrize("body, field", [
    ({"ends_at": "2000-01-01T00:00:00Z"}, "ends_at"),
    ({"question": {"en": "x" * 301}}, "question"),
    ({"question": "not an object"}, "question"),
    ({"name": "x" * 121}, "name"),
    ({"active": "maybe"}, "active"),
])
def test_bad_input_is_a_400_by_field_and_nothing_is_written(touchpoint, body, field):
    client = member_client(touchpoint.organization)
    response = client.post("/api/v1/survey-links/", {"touchpoint": touchpoint.pk, **body}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not SurveyLink.objects.exists()


def test_viewers_and_tokens_cannot_make_or_change_links(organization, touchpoint):
    link = survey_link(organization)
    for client in (member_client(organization, role=Membership.Role.VIEWER),
                   member_client(organization, role=Membership.Role.TEAM_LEAD),
                   token_client(organization, scopes=["ingest", "read"])):
        assert client.post("/api/v1/survey-links/", {"touchpoint": touchpoint.pk}, format="json").status_code == 403
        assert client.patch(f"/api/v1/survey-links/{link.pk}/", {"active": False}, format="json").status_code == 403
    link.refresh_from_db()
    assert link.active and SurveyLink.objects.count() == 1


def test_update_changes_texts_and_deactivate_closes_the_public_page(organization):
    link = survey_link(organization)
    client = member_client(organization, role=Membership.Role.CX_MANAGER)
    changed = client.patch(f"/api/v1/survey-links/{link.pk}/", {"question": {"en": "How was bag drop?"}},
                           format="json").json()
    assert changed["shown"]["question"]["en"] == "How was bag drop?" and changed["url"].endswith(f"/s/{link.token}/")
    assert Client().get(f"/s/{link.token}/").status_code == 200
    ended = client.post(f"/api/v1/survey-links/{link.pk}/deactivate/")
    assert ended.status_code == 200 and ended.json()["active"] is False and ended.json()["is_open"] is False
    assert Client().get(f"/s/{link.token}/").status_code == 404


def test_an_ingest_token_makes_per_recipient_links_that_rate_once(organization):
    link = survey_link(organization)
    client = token_client(organization, scopes=["ingest"])
    response = client.post(f"/api/v1/survey-links/{link.pk}/recipient-links/",
                           {"recipients": ["ticket-1", "ticket-2"], "language": "es"}, format="json")
    assert response.status_code == 200, response.content
    links = response.json()["links"]
    assert [item["recipient"] for item in links] == ["ticket-1", "ticket-2"]
    assert "?score=5&amp;lang=es" in links[0]["email_html"]
    path = links[0]["url"].split("127.0.0.1:8000", 1)[-1]
    browser = Client()
    assert answer(browser, link, "5", path=path).status_code == 200
    assert "already" in answer(browser, link, "1", path=path, lang="en").content.decode()
    assert Rating.objects.count() == 1


@pytest.mark.parametrize("body", [{}, {"recipients": []}, {"recipients": ["ok", ""]}, {"recipients": ["x" * 201]},
                                  {"recipients": ["a\tb"]}, {"recipients": ["ok"] * 1001},
                                  {"recipients": ["ok"], "language": "fr"}])
def test_bad_recipients_are_a_400(organization, body):
    link = survey_link(organization)
    response = token_client(organization, scopes=["ingest"]).post(
        f"/api/v1/survey-links/{link.pk}/recipient-links/", body, format="json")
    assert response.status_code == 400, (body, response.content)


def test_a_read_token_cannot_make_recipient_links(organization):
    link = survey_link(organization)
    response = token_client(organization, scopes=["read"]).post(
        f"/api/v1/survey-links/{link.pk}/recipient-links/", {"recipients": ["ticket-1"]}, format="json")
    assert response.status_code == 403
