"""Personas (issue 19, item 3): customer segments with who they are, goals and a quote.

Every member reads the page; CX managers and admins create, rename and describe;
the API carries the same fields. Bad input is shown beside its field (400) and
writes nothing; another organization's page or segment is 404.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from journeys.models import Membership
from tests.factories import MembershipFactory, SegmentFactory
from touchpoints.models import QUOTE_MAX_LENGTH, Segment

pytestmark = pytest.mark.django_db

PERSONA = {"name": "Business traveller", "key": "", "description": "Flies twice a month, hand luggage only.",
           "goals": "Get to the meeting on time.\nWork on the plane.", "quote": "Just tell me the gate."}


def _login(client, organization, role):
    user = MembershipFactory(organization=organization, role=role).user
    client.force_login(user)
    return user


def _page(organization) -> str:
    return reverse("touchpoints:segments", args=[organization.pk])


def test_a_cx_manager_creates_a_persona_with_goals_and_a_quote(client, organization):
    _login(client, organization, Membership.Role.CX_MANAGER)
    response = client.post(_page(organization), PERSONA)
    assert response.status_code == 302
    persona = Segment.objects.get(organization=organization)
    assert (persona.name, persona.key, persona.goals, persona.quote) == (
        "Business traveller", "business-traveller", PERSONA["goals"], "Just tell me the gate.")
    html = client.get(response["Location"]).content.decode()
    assert "Persona “Business traveller” created." in html
    assert "<blockquote class=\"persona-quote\">“Just tell me the gate.”</blockquote>" in html
    assert "Get to the meeting on time.<br>Work on the plane." in html


def test_a_persona_is_renamed_and_described(client, organization):
    _login(client, organization, Membership.Role.ADMIN)
    persona = SegmentFactory(organization=organization, name="Leisure", key="leisure")
    url = reverse("touchpoints:segment_edit", args=[organization.pk, persona.pk])
    response = client.post(url, {**PERSONA, "name": "Family on holiday", "key": "leisure"})
    assert response.status_code == 302
    persona.refresh_from_db()
    assert (persona.name, persona.key, persona.description) == ("Family on holiday", "leisure", PERSONA["description"])


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "Give the persona a name."),
    ({"quote": "x" * (QUOTE_MAX_LENGTH + 1)}, "quote", "at most 280 characters"),
    ({"key": "not a slug!"}, "key", "Enter a valid “slug”"),
])
def test_bad_input_is_shown_beside_its_field_and_writes_nothing(client, organization, changes, field, message):
    _login(client, organization, Membership.Role.CX_MANAGER)
    response = client.post(_page(organization), {**PERSONA, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Segment.objects.exists()


def test_a_key_another_persona_uses_is_refused(client, organization):
    _login(client, organization, Membership.Role.CX_MANAGER)
    taken = SegmentFactory(organization=organization, key="business")
    persona = SegmentFactory(organization=organization, key="leisure", name="Leisure")
    response = client.post(reverse("touchpoints:segment_edit", args=[organization.pk, persona.pk]),
                           {**PERSONA, "key": taken.key})
    assert response.status_code == 400
    assert "Another segment of this organization already uses this key." in response.content.decode()
    persona.refresh_from_db()
    assert (persona.key, persona.name) == ("leisure", "Leisure")
    assert response.context["editing"] == persona  # its form stays open with the error


def test_viewers_and_team_leads_read_but_cannot_change(client, organization):
    persona = SegmentFactory(organization=organization, name="Student", quote="Cheap, please.")
    for role in (Membership.Role.VIEWER, Membership.Role.TEAM_LEAD):
        _login(client, organization, role)
        html = client.get(_page(organization)).content.decode()
        assert "Student" in html and "Cheap, please." in html
        assert "only CX managers and admins can change them" in html and "New persona" not in html
        assert client.post(_page(organization), PERSONA).status_code == 403
        edit = reverse("touchpoints:segment_edit", args=[organization.pk, persona.pk])
        assert client.post(edit, PERSONA).status_code == 403
    assert Segment.objects.count() == 1


def test_another_organizations_page_and_persona_are_404(client, organization, other_organization):
    _login(client, organization, Membership.Role.ADMIN)
    theirs = SegmentFactory(organization=other_organization)
    assert client.get(_page(other_organization)).status_code == 404
    assert client.post(reverse("touchpoints:segment_edit", args=[organization.pk, theirs.pk]),
                       PERSONA).status_code == 404
    assert client.post(reverse("touchpoints:segment_edit", args=[other_organization.pk, theirs.pk]),
                       PERSONA).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name != PERSONA["name"]


def test_the_navigation_leads_to_the_first_organizations_personas(client, organization):
    _login(client, organization, Membership.Role.VIEWER)
    response = client.get(reverse("touchpoints:segments_home"))
    assert response.status_code == 302 and response["Location"] == _page(organization)
    assert f'href="{reverse("touchpoints:segments_home")}">Personas</a>' in client.get("/").content.decode()


def test_the_api_carries_goals_and_quotes(organization):
    api = APIClient()
    api.force_authenticate(MembershipFactory(organization=organization, role=Membership.Role.CX_MANAGER).user)
    created = api.post("/api/v1/segments/", {"organization": organization.pk, "name": "Family",
                                             "goals": "Travel with kids", "quote": "Seats together!"}, format="json")
    assert created.status_code == 201
    assert {key: created.json()[key] for key in ("goals", "quote")} == {"goals": "Travel with kids",
                                                                        "quote": "Seats together!"}
    changed = api.patch(f"/api/v1/segments/{created.json()['id']}/", {"quote": "  Kids first.  "}, format="json")
    assert changed.status_code == 200 and changed.json()["quote"] == "Kids first."
    too_long = api.patch(f"/api/v1/segments/{created.json()['id']}/", {"quote": "x" * 281}, format="json")
    assert too_long.status_code == 400 and "quote" in too_long.json()
    assert Segment.objects.get().quote == "Kids first."


def test_the_demo_describes_its_segments_as_personas(db):
    from touchpoints.demo import demo_load

    demo_load(ratings=50, stdout=lambda line: None)
    personas = {segment.key: segment for segment in Segment.objects.all()}
    assert set(personas) == {"business", "leisure"}
    assert personas["business"].quote == "Just tell me the gate and let me board."
    assert all(persona.description and persona.goals for persona in personas.values())
