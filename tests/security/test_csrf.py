"""CSRF on every form, derived from the URL matrix.

Every route that takes a write from a browser (each page form, the map
editor's JSON endpoints, the API under session authentication, login, logout,
language) refuses a POST without the CSRF token with 403, even from the
organization's admin, and nothing changes. API tokens are not cookies, so
Bearer requests need no CSRF token (checked too, so the 403s above are
known to be about CSRF).
"""

from __future__ import annotations

import pytest
from django.test import Client

from .capabilities import ROUTE_CAPABILITIES
from .matrix import Actor, attack_body, send
from .routes import all_routes, route_url
from .world import organization_fingerprint

pytestmark = pytest.mark.django_db

# Routes that take writes from a browser session; a route that takes none (405 for POST) has no form.
FORM_ROUTES = [route for route in all_routes() if not route.is_admin
               and ROUTE_CAPABILITIES.get(route.full_name, ("", "none"))[1] != "none"]
_STRICT: Client | None = None


class CsrfEnforcingActor(Actor):
    def client(self) -> Client:
        global _STRICT
        if _STRICT is None:
            _STRICT = Client(enforce_csrf_checks=True)
        _STRICT.cookies.clear()
        if self.user is not None:
            _STRICT.force_login(self.user)
        return _STRICT


def test_the_list_of_form_routes_is_the_whole_write_surface():
    names = {route.full_name for route in FORM_ROUTES}
    assert {"login", "logout", "set_language", "touchpoints:cycle_create", "journeys:editor_reorder",
            "reviews:item_status", "touchpoints:import_upload", "touchpoints:token_revoke",
            "analytics:recompute", "api:rating-batch", "api:apitoken-list"} <= names


@pytest.mark.parametrize("route", FORM_ROUTES, ids=str)
def test_a_post_without_the_csrf_token_is_refused(route, worlds):
    own = worlds[1]
    before = organization_fingerprint(own.organization)
    outcome = send(CsrfEnforcingActor("admin without CSRF token", user=own.admin), route, "POST",
                   route_url(route, own), attack_body(own), own, before)
    assert outcome.status == 403, (route.pattern, outcome.status, outcome.body[:200])
    assert b"CSRF" in outcome.body
    assert not outcome.changed


def test_a_bearer_token_needs_no_csrf_token(worlds):
    own = worlds[1]
    route = next(route for route in FORM_ROUTES if route.full_name == "api:rating-list")
    body = {"touchpoint_key": own.touchpoint.key, "score": 4, "external_id": "csrf-free"}
    outcome = send(CsrfEnforcingActor("token", token=own.token_plaintext), route, "POST", route_url(route, own),
                   body, own)
    assert outcome.status == 201, outcome.body[:300]
