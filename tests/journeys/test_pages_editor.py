"""The map editor page and its JSON endpoints (session auth, CSRF, roles, scoping)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from journeys.models import Moment
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    for name in ("Search", "Purchase", "Check-in"):
        MomentFactory(cycle=cycle, name=name)
    return cycle


@pytest.fixture
def editor(client, member):
    client.force_login(member)
    return client


def call(client, method, url, body=None):
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def names(cycle):
    return list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("name", flat=True))


def ids(cycle):
    return list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("pk", flat=True))


def test_editor_page_shows_cards_with_badges_touchpoints_and_edit_controls(editor, cycle):
    TouchpointFactory(moment=cycle.moments.get(name="Check-in"), name="Kiosk", channel="kiosk")
    content = editor.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert content.index("Search") < content.index("Purchase") < content.index("Check-in")
    assert 'class="badge kind-smot"' in content
    assert "channels.svg#kiosk" in content
    assert 'aria-label="Move Search right"' in content
    assert 'id="moment-dialog"' in content
    assert 'id="editor-state"' in content and 'id="editor-config"' in content
    # CSP without 'unsafe-inline': no inline <script> with code, only src= and JSON data.
    for chunk in content.split("<script")[1:]:
        head = chunk.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head


@pytest.mark.parametrize("role", ["viewer", "team_lead"])
def test_read_only_roles_see_no_edit_controls_and_cannot_write(client, organization, cycle, role):
    user = MembershipFactory(organization=organization, role=role).user
    client.force_login(user)
    content = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert "data-action=" not in content and 'id="moment-dialog"' not in content
    response = call(client, "post", reverse("journeys:editor_moment_create", args=[cycle.pk]),
                    {"name": "Boarding", "kind": "SMOT"})
    assert response.status_code == 403
    assert names(cycle) == ["Search", "Purchase", "Check-in"]


def test_another_organizations_cycle_is_404_for_page_and_endpoints(client, cycle, outsider):
    client.force_login(outsider)
    moment = cycle.moments.first()
    assert client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).status_code == 404
    assert client.get(reverse("journeys:editor_lane", args=[cycle.pk])).status_code == 404
    assert call(client, "post", reverse("journeys:editor_moment_create", args=[cycle.pk]),
                {"name": "X", "kind": "SMOT"}).status_code == 404
    assert call(client, "patch", reverse("journeys:editor_moment", args=[cycle.pk, moment.pk]),
                {"name": "X", "kind": "SMOT"}).status_code == 404
    assert call(client, "post", reverse("journeys:editor_reorder", args=[cycle.pk]),
                {"order": ids(cycle)[::-1], "expected_version": cycle.structure_version}).status_code == 404
    assert names(cycle) == ["Search", "Purchase", "Check-in"]


def test_a_moment_of_another_cycle_is_404(editor, cycle, organization):
    other = MomentFactory(cycle=ServiceCycleFactory(organization=organization))
    response = call(editor, "patch", reverse("journeys:editor_moment", args=[cycle.pk, other.pk]),
                    {"name": "Hijack", "kind": "SMOT"})
    assert response.status_code == 404


def test_anonymous_json_calls_get_401(client, cycle):
    response = call(client, "post", reverse("journeys:editor_moment_create", args=[cycle.pk]), {"name": "X"})
    assert response.status_code == 401


def test_writes_need_the_csrf_header(member, cycle):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = call(client, "post", reverse("journeys:editor_moment_create", args=[cycle.pk]),
                    {"name": "Boarding", "kind": "SMOT"})
    assert response.status_code == 403
    client.get(reverse("journeys:cycle_detail", args=[cycle.pk]))
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("journeys:editor_moment_create", args=[cycle.pk]),
                           data=json.dumps({"name": "Boarding", "kind": "SMOT"}),
                           content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_add_moment_appends_it_and_returns_the_new_lane(editor, cycle):
    response = call(editor, "post", reverse("journeys:editor_moment_create", args=[cycle.pk]),
                    {"name": "  Boarding  ", "kind": "SMOT"})
    assert response.status_code == 201
    body = response.json()
    assert names(cycle) == ["Search", "Purchase", "Check-in", "Boarding"]
    assert "Boarding" in body["lane_html"]
    cycle.refresh_from_db()
    assert body["version"] == cycle.structure_version


@pytest.mark.parametrize("name", ["", "   ", "x" * 500])
def test_empty_or_too_long_names_are_refused_with_a_message(editor, cycle, name):
    response = call(editor, "post", reverse("journeys:editor_moment_create", args=[cycle.pk]),
                    {"name": name, "kind": "SMOT"})
    assert response.status_code == 400
    assert response.json()["errors"]["name"]
    assert response.json()["message"]
    assert names(cycle) == ["Search", "Purchase", "Check-in"]


def test_rename_to_500_characters_changes_nothing(editor, cycle):
    moment = cycle.moments.get(name="Search")
    response = call(editor, "patch", reverse("journeys:editor_moment", args=[cycle.pk, moment.pk]),
                    {"name": "y" * 500, "kind": "ZMOT"})
    assert response.status_code == 400
    assert "120" in response.json()["errors"]["name"][0]
    moment.refresh_from_db()
    assert (moment.name, moment.kind) == ("Search", "SMOT")


def test_edit_moment_kind_description_protocol_and_owner(editor, cycle, member):
    moment = cycle.moments.get(name="Search")
    response = call(editor, "patch", reverse("journeys:editor_moment", args=[cycle.pk, moment.pk]), {
        "name": "Flight search", "kind": "ZMOT", "description": "Before buying",
        "protocol": "Answer in a minute", "owner": str(member.pk),
    })
    assert response.status_code == 200
    moment.refresh_from_db()
    assert (moment.name, moment.kind, moment.description, moment.protocol, moment.owner) == (
        "Flight search", "ZMOT", "Before buying", "Answer in a minute", member)


def test_owner_must_be_a_member_of_the_organization(editor, cycle, outsider):
    moment = cycle.moments.get(name="Search")
    response = call(editor, "patch", reverse("journeys:editor_moment", args=[cycle.pk, moment.pk]),
                    {"name": "Search", "kind": "SMOT", "owner": str(outsider.pk)})
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    moment.refresh_from_db()
    assert moment.owner is None


def test_delete_moment_closes_the_gap(editor, cycle):
    moment = cycle.moments.get(name="Purchase")
    response = editor.delete(reverse("journeys:editor_moment", args=[cycle.pk, moment.pk]))
    assert response.status_code == 200
    assert names(cycle) == ["Search", "Check-in"]
    assert list(cycle.moments.order_by("position").values_list("position", flat=True)) == [0, 1]


def test_reorder_saves_the_full_order(editor, cycle):
    order = ids(cycle)
    new_order = [order[2], order[0], order[1]]
    response = call(editor, "post", reverse("journeys:editor_reorder", args=[cycle.pk]),
                    {"order": new_order, "expected_version": cycle.structure_version})
    assert response.status_code == 200
    assert ids(cycle) == new_order
    html = response.json()["lane_html"]
    assert html.index("Check-in") < html.index("Search") < html.index("Purchase")


def test_stale_reorder_is_409_with_the_true_order_and_writes_nothing(editor, cycle):
    stale_version = cycle.structure_version
    order = ids(cycle)
    # Someone else moves a moment meanwhile.
    call(editor, "post", reverse("journeys:editor_reorder", args=[cycle.pk]),
         {"order": [order[1], order[0], order[2]], "expected_version": stale_version})
    true_order = ids(cycle)
    response = call(editor, "post", reverse("journeys:editor_reorder", args=[cycle.pk]),
                    {"order": order[::-1], "expected_version": stale_version})
    assert response.status_code == 409
    body = response.json()
    assert "changed this cycle meanwhile" in body["message"]
    assert body["version"] == stale_version + 1
    assert body["lane_html"].index("Purchase") < body["lane_html"].index("Search")
    assert ids(cycle) == true_order


@pytest.mark.parametrize("body", [
    {"order": "1,2,3", "expected_version": 0},
    {"order": [1, 2], "expected_version": "x"},
    {"expected_version": 0},
])
def test_malformed_reorder_is_400(editor, cycle, body):
    before = ids(cycle)
    assert call(editor, "post", reverse("journeys:editor_reorder", args=[cycle.pk]), body).status_code == 400
    assert ids(cycle) == before


def test_reorder_with_a_foreign_moment_is_400(editor, cycle, organization):
    foreign = MomentFactory(cycle=ServiceCycleFactory(organization=organization))
    order = ids(cycle)
    response = call(editor, "post", reverse("journeys:editor_reorder", args=[cycle.pk]),
                    {"order": order[:-1] + [foreign.pk], "expected_version": cycle.structure_version})
    assert response.status_code == 400
    assert response.json()["errors"]["order"]
    assert ids(cycle) == order


def test_invalid_json_is_400(editor, cycle):
    response = editor.post(reverse("journeys:editor_moment_create", args=[cycle.pk]), data="{nope",
                           content_type="application/json")
    assert response.status_code == 400


def test_add_and_edit_touchpoint(editor, cycle):
    moment = cycle.moments.get(name="Check-in")
    response = call(editor, "post", reverse("touchpoints:editor_touchpoint_create", args=[cycle.pk, moment.pk]),
                    {"name": "Kiosk", "channel": "kiosk", "scale": "ces7", "interaction": "digital"})
    assert response.status_code == 201
    touchpoint = Touchpoint.objects.get(moment=moment)
    assert (touchpoint.name, touchpoint.channel, touchpoint.scale) == ("Kiosk", "kiosk", "ces7")
    assert "channels.svg#kiosk" in response.json()["lane_html"]
    response = call(editor, "patch", reverse("touchpoints:editor_touchpoint", args=[cycle.pk, touchpoint.pk]),
                    {"name": "Check-in desk", "channel": "in_person", "scale": "ces7", "interaction": "human"})
    assert response.status_code == 200
    touchpoint.refresh_from_db()
    assert (touchpoint.name, touchpoint.interaction) == ("Check-in desk", "human")


@pytest.mark.parametrize("fields, bad_field", [
    ({"name": "Pigeon", "channel": "pigeon"}, "channel"),
    ({"name": "", "channel": "web"}, "name"),
    ({"name": "   ", "channel": "web"}, "name"),
    ({"name": "x" * 500, "channel": "web"}, "name"),
])
def test_touchpoint_with_a_bad_field_is_refused(editor, cycle, fields, bad_field):
    moment = cycle.moments.get(name="Check-in")
    response = call(editor, "post", reverse("touchpoints:editor_touchpoint_create", args=[cycle.pk, moment.pk]),
                    {"scale": "csat5", "interaction": "digital", **fields})
    assert response.status_code == 400
    assert bad_field in response.json()["errors"]
    assert not Touchpoint.objects.filter(moment=moment).exists()


def test_renaming_a_touchpoint_to_500_characters_changes_nothing(editor, cycle):
    touchpoint = TouchpointFactory(moment=cycle.moments.get(name="Check-in"), name="Kiosk")
    response = call(editor, "patch", reverse("touchpoints:editor_touchpoint", args=[cycle.pk, touchpoint.pk]),
                    {"name": "x" * 500, "channel": "web", "scale": "csat5", "interaction": "digital"})
    assert response.status_code == 400 and "name" in response.json()["errors"]
    touchpoint.refresh_from_db()
    assert touchpoint.name == "Kiosk"


def test_touchpoint_of_another_organization_is_404(editor, cycle):
    foreign = TouchpointFactory()
    response = call(editor, "patch", reverse("touchpoints:editor_touchpoint", args=[cycle.pk, foreign.pk]),
                    {"name": "Mine now", "channel": "web", "scale": "csat5", "interaction": "digital"})
    assert response.status_code == 404


def test_editor_page_query_count_does_not_grow_with_moments(editor, cycle, django_assert_max_num_queries):
    for moment in cycle.moments.all():
        for _ in range(3):
            TouchpointFactory(moment=moment)
    with django_assert_max_num_queries(14):
        assert editor.get(reverse("journeys:cycle_detail", args=[cycle.pk])).status_code == 200
    for _index in range(12):
        TouchpointFactory(moment=MomentFactory(cycle=cycle))
    with django_assert_max_num_queries(14):
        assert editor.get(reverse("journeys:cycle_detail", args=[cycle.pk])).status_code == 200
