"""Text no database can store, and JSON nested without end, on every route (issue 13, item 13).

U+0000 makes psycopg raise ValueError before a query is sent, and a JSON body
nested 1,000 deep makes Python's decoder raise RecursionError: both used to be
500s. For every route of the URL configuration, the organization's own admin
sends a query string with U+0000 (400 on every route, before any view), then
a JSON or form body whose every value carries U+0000, then a body nested
1,000 deep (JSON routes). Never a 5xx and never a traceback in the log.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.db import transaction
from django.urls import reverse

from .matrix import attack_body, send, sends_json, shared_client
from .routes import all_routes, route_url
from .world import organization_fingerprint

pytestmark = pytest.mark.django_db

ROUTES = [route for route in all_routes() if not route.is_admin and not route.has_format_suffix]
DEEP = "[" * 1000 + "]" * 1000


def _with_nul(value):
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, list):
        return [_with_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _with_nul(item) for key, item in value.items()}
    return value


def hostile_body(world) -> dict:
    """Every field any endpoint reads, as text with U+0000 (ids too, as "12\\x00")."""
    body = {key: _with_nul(value if not isinstance(value, int) or isinstance(value, bool) else str(value))
            for key, value in attack_body(world).items()}
    body["ratings"] = [_with_nul({"touchpoint_key": world.touchpoint.key, "score": 1, "segment": world.segment.key,
                                  "comment": "x", "external_id": "n-1"})]
    return body


class Actor:
    """The organization's own admin: the routes must refuse the text, not the caller."""

    name = "own admin"
    headers: dict = {}

    def __init__(self, user):
        self.user = user

    def client(self):
        client = shared_client()
        client.cookies.clear()
        client.force_login(self.user)
        return client


def _no_tracebacks(caplog) -> list[str]:
    return [f"{record.name}: {record.getMessage()[:200]}" for record in caplog.records
            if record.levelno >= logging.ERROR or record.exc_info]


@pytest.fixture
def own(db):
    from .world import world_build

    return world_build("nulworld")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_route_fails_on_nul_characters_or_deep_json(route, own, caplog):
    actor = Actor(own.admin)
    url = route_url(route, own)
    before = organization_fingerprint(own.organization)
    problems = []

    caplog.clear()
    queried = send(actor, route, "GET", f"{url}?q=%00&touchpoint_key=x%00y", {}, own, before)
    if queried.status != 400:
        problems.append(f"GET {url}?…%00 → {queried.status} {queried.error}")
    for method in ("POST", "PATCH"):
        outcome = send(actor, route, method, url, hostile_body(own), own, before)
        # (Actions that read no body, such as archive or revoke, may well succeed.)
        if outcome.error or outcome.status >= 500:
            problems.append(f"{method} {url} with U+0000 → {outcome.status} {outcome.error}")
        if sends_json(route):
            with transaction.atomic():
                response = actor.client().generic(method, url, data=DEEP, content_type="application/json")
                transaction.set_rollback(True)
            if response.status_code >= 500:
                problems.append(f"{method} {url} 1,000 deep → {response.status_code}")
    problems += [f"logged: {line}" for line in _no_tracebacks(caplog)]
    assert not problems, "\n".join(problems)


def test_a_nul_in_a_list_filter_is_a_400_naming_the_parameter(own):
    client = shared_client()
    client.cookies.clear()
    client.force_login(own.admin)
    response = client.get("/api/v1/ratings/?touchpoint_key=%00")
    assert response.status_code == 400
    assert response.json() == {"touchpoint_key": ["Null characters are not allowed."]}
    page = client.get(reverse("journeys:cycle_list") + "?archived=1%00")
    assert page.status_code == 400 and "Null characters are not allowed." in page.content.decode()


def test_a_deep_json_body_is_a_400_naming_the_field(own):
    client = shared_client()
    client.cookies.clear()
    client.force_login(own.admin)
    body = '{"name": "ok", "description": ' + DEEP + "}"
    response = client.patch(f"/api/v1/cycles/{own.cycle.pk}/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["description"] and "nested too deeply" in response.json()["description"][0]


def test_the_map_editor_refuses_deep_json_and_lone_surrogates(own):
    client = shared_client()
    client.cookies.clear()
    client.force_login(own.admin)
    url = reverse("journeys:editor_moment_create", args=[own.cycle.pk])
    for body in ('{"name": ' + DEEP + "}", '{"name": "\\ud800"}', json.dumps({"name": "a\x00b"})):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 400, body[:40]
    assert own.cycle.moments.count() == len(own.moments)
