"""Touchpoint keys: readable and unique in new and duplicated cycles, the demo's
documented keys unchanged, and editable (map editor and API) until ratings use them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from journeys.cycle_templates import AIRLINE as AIRLINE_CYCLE
from journeys.models import Membership
from tests.api_support import member_client
from tests.factories import MembershipFactory, MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.cycles import cycle_create_from_template, cycle_duplicate
from touchpoints.demo import demo_load
from touchpoints.models import Touchpoint
from touchpoints.services import touchpoint_add

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def keys_of(cycle) -> list[str]:
    return list(Touchpoint.objects.filter(moment__cycle=cycle).order_by("moment__position", "id")
                .values_list("key", flat=True))


def test_the_readme_keys_are_the_demo_keys():
    documented = set(re.findall(r'"touchpoint_key": "([a-z0-9-]+)"', README.read_text()))
    assert documented, "the README shows no touchpoint_key example"
    cycle = demo_load(ratings=10, stdout=lambda line: None)
    assert documented <= set(keys_of(cycle))
    assert "check-in-check-in-kiosk" in keys_of(cycle)


def test_a_cycle_from_the_template_beside_the_demo_gets_readable_keys_without_suffixes():
    demo = demo_load(ratings=10, stdout=lambda line: None)
    cycle = cycle_create_from_template(organization=demo.organization, name="Airline 2027")
    keys = keys_of(cycle)
    assert len(keys) == sum(len(specs) for _name, _kind, _protocol, specs in AIRLINE_CYCLE)
    assert "airline-2027-check-in-check-in-kiosk" in keys
    assert "airline-2027-baggage-claim-baggage-carousel-wait" in keys
    assert all(key.startswith("airline-2027-") and not re.search(r"-\d+$", key.removeprefix("airline-2027"))
               for key in keys), keys
    assert len(set(keys)) == len(keys) and not set(keys) & set(keys_of(demo))


def test_a_duplicated_cycle_gets_keys_from_its_own_name():
    cycle = ServiceCycleFactory(name="Airline")
    moment = MomentFactory(cycle=cycle, name="Check-in")
    touchpoint_add(moment=moment, name="Web", channel="web")
    touchpoint_add(moment=moment, name="Kiosk", channel="kiosk")
    copy = cycle_duplicate(cycle=cycle)
    assert keys_of(copy) == ["copy-of-airline-check-in-web", "copy-of-airline-check-in-kiosk"]


def test_only_a_real_collision_gets_a_suffix():
    cycle = ServiceCycleFactory(name="Airline")
    touchpoint_add(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Web", channel="web")
    first, second = cycle_duplicate(cycle=cycle), cycle_duplicate(cycle=cycle)  # both "Copy of Airline"
    assert keys_of(first) == ["copy-of-airline-check-in-web"]
    assert keys_of(second) == ["copy-of-airline-check-in-web-2"]


def test_long_names_still_give_unique_keys_that_fit():
    cycle = ServiceCycleFactory(name="A" * 150 + " journey")
    moment = MomentFactory(cycle=cycle, name="M" * 120)
    for suffix in ("one", "two"):
        touchpoint_add(moment=moment, name="T" * 110 + suffix, channel="web")
    copy = cycle_duplicate(cycle=cycle)
    keys = keys_of(copy)
    max_length = Touchpoint._meta.get_field("key").max_length
    assert len(set(keys)) == 2 and all(len(key) <= max_length for key in keys)
    assert all(key.startswith("copy-of-a") for key in keys)


def test_a_name_without_letters_still_gives_a_key():
    cycle = ServiceCycleFactory(name="¡¡¡")
    touchpoint_add(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Web", channel="web")
    assert keys_of(cycle_create_from_template(organization=cycle.organization, name="***"))[0] == (
        "flight-search-flight-search-on-the-website")


# --- Editing a key --------------------------------------------------------------------


@pytest.fixture
def touchpoint(organization):
    cycle = ServiceCycleFactory(organization=organization)
    return TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Kiosk", key="kiosk-old")


@pytest.fixture
def editor(client, organization):
    client.force_login(MembershipFactory(organization=organization, role="cx_manager").user)
    return client


def edit_in_editor(client, touchpoint, **changes):
    body = {"name": touchpoint.name, "channel": touchpoint.channel, "scale": touchpoint.scale,
            "interaction": touchpoint.interaction, **changes}
    return client.patch(reverse("touchpoints:editor_touchpoint", args=[touchpoint.moment.cycle_id, touchpoint.pk]),
                        data=json.dumps(body), content_type="application/json")


def key_of(touchpoint) -> str:
    return Touchpoint.objects.get(pk=touchpoint.pk).key


def test_the_map_editor_shows_and_changes_the_key_while_no_ratings_use_it(editor, touchpoint):
    page = editor.get(reverse("journeys:cycle_detail", args=[touchpoint.moment.cycle_id])).content.decode()
    assert 'id="touchpoint_key"' in page and '"key": "kiosk-old"' in page
    response = edit_in_editor(editor, touchpoint, key="check-in-kiosk")
    assert response.status_code == 200, response.json()
    assert key_of(touchpoint) == "check-in-kiosk"


def test_the_map_editor_keeps_the_key_when_the_field_is_left_empty(editor, touchpoint):
    assert edit_in_editor(editor, touchpoint, key="", name="Kiosk 2").status_code == 200
    assert Touchpoint.objects.values_list("name", "key").get(pk=touchpoint.pk) == ("Kiosk 2", "kiosk-old")


def test_once_rated_the_key_is_refused_beside_the_field(editor, touchpoint):
    RatingFactory(touchpoint=touchpoint)
    response = edit_in_editor(editor, touchpoint, key="check-in-kiosk", name="Kiosk 2")
    assert response.status_code == 400
    assert "cannot change once the touchpoint has ratings" in response.json()["errors"]["key"][0]
    assert Touchpoint.objects.values_list("name", "key").get(pk=touchpoint.pk) == ("Kiosk", "kiosk-old")
    # Its other fields still change, with the key sent back as it is.
    assert edit_in_editor(editor, touchpoint, key="kiosk-old", name="Kiosk 2").status_code == 200


@pytest.mark.parametrize(("key", "message"), [
    ("taken", "already uses this key"),
    ("not a slug!", "letters, numbers, underscores or hyphens"),
    ("k" * 81, "at most 80 characters"),
])
def test_a_bad_or_taken_key_is_refused_in_the_editor(editor, touchpoint, key, message):
    TouchpointFactory(moment=touchpoint.moment, key="taken")
    response = edit_in_editor(editor, touchpoint, key=key)
    assert response.status_code == 400 and message in response.json()["errors"]["key"][0]
    assert key_of(touchpoint) == "kiosk-old"


def test_a_key_given_when_adding_a_touchpoint_in_the_editor_is_kept(editor, touchpoint):
    response = editor.post(
        reverse("touchpoints:editor_touchpoint_create", args=[touchpoint.moment.cycle_id, touchpoint.moment_id]),
        data=json.dumps({"name": "Desk", "channel": "in_person", "scale": "csat5", "interaction": "human",
                         "key": "front-desk"}), content_type="application/json")
    assert response.status_code == 201
    assert Touchpoint.objects.filter(moment=touchpoint.moment, name="Desk", key="front-desk").exists()


def test_the_api_changes_a_key_until_ratings_use_it(organization, touchpoint):
    client = member_client(organization, role=Membership.Role.CX_MANAGER)
    url = f"/api/v1/touchpoints/{touchpoint.pk}/"
    assert client.patch(url, {"key": "check-in-kiosk"}, format="json").status_code == 200
    RatingFactory(touchpoint=touchpoint)
    response = client.patch(url, {"key": "kiosk"}, format="json")
    assert response.status_code == 400
    assert "cannot change once the touchpoint has ratings" in response.json()["key"][0]
    assert key_of(touchpoint) == "check-in-kiosk"
