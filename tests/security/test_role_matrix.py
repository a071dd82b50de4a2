"""Role and token-scope matrix, generated from the URL configuration.

Inside one organization, every route × method is sent by a member of each
role (viewer, team lead, cx manager, admin) and, for the API, by a token with
scope `read` only and one with `ingest` only. What each may do comes from the
table in capabilities.py: a refused caller gets 403 (or 405 where the route
has no such method) and the organization's data is unchanged; an allowed one
is never refused (no 401/403, no login redirect, no 5xx).
"""

from __future__ import annotations

import pytest

from journeys.models import Membership

from .capabilities import ROLE_CAPABILITIES, ROUTE_CAPABILITIES, TOKEN_CAPABILITIES
from .matrix import METHODS, Actor, attack_body, is_login_redirect, send
from .routes import all_routes, route_url
from .world import organization_fingerprint, world_build

pytestmark = pytest.mark.django_db

ORGANIZATION_ROUTES = [route for route in all_routes() if not route.is_admin]
API_ROUTES = [route for route in ORGANIZATION_ROUTES if route.is_api]
ADMIN_ROUTES = [route for route in all_routes() if route.is_admin]
# Refused callers first: an allowed one may legitimately delete what the next one would need.
ROLES = (Membership.Role.VIEWER, Membership.Role.TEAM_LEAD, Membership.Role.CX_MANAGER, Membership.Role.ADMIN)


@pytest.fixture
def world():
    return world_build("rolesorg")


def test_every_route_is_classified():
    unclassified = sorted({route.full_name or route.pattern for route in ORGANIZATION_ROUTES}
                          - set(ROUTE_CAPABILITIES))
    assert not unclassified, f"add these routes to tests/security/capabilities.py: {unclassified}"
    stale = sorted(set(ROUTE_CAPABILITIES) - {route.full_name for route in ORGANIZATION_ROUTES})
    assert not stale, f"routes no longer in the URL configuration: {stale}"


def judge(route, actor: Actor, capabilities: set[str], world, before) -> list[str]:
    read_needs, write_needs = ROUTE_CAPABILITIES[route.full_name]
    url = route_url(route, world)
    body = attack_body(world)
    problems = []
    for method in METHODS:
        needs = read_needs if method == "GET" else write_needs
        outcome = send(actor, route, method, url, body, world, before)
        where = f"{actor.name}: {method} {url} → {outcome.status}"
        if outcome.error or outcome.status >= 500:
            problems.append(f"{where} server error {outcome.error}")
        elif needs == "public":
            continue  # organization-less (login, logout, language): anyone, any answer but a 5xx
        elif needs in capabilities:
            if outcome.status in (401, 403) or is_login_redirect(outcome):
                problems.append(f"{where}: refused, but {actor.name} may {needs}")
        else:
            if outcome.status not in (403, 405):
                problems.append(f"{where}: expected 403 (needs {needs})")
            if outcome.changed:
                problems.append(f"{where} changed data: {sorted(outcome.changed)}")
    return problems


@pytest.mark.parametrize("route", ORGANIZATION_ROUTES, ids=str)
def test_each_role_does_only_what_it_may(route, world):
    users = {role: world.admin if role == Membership.Role.ADMIN else world.member(role) for role in ROLES}
    before = organization_fingerprint(world.organization)
    problems = []
    for role in ROLES:
        problems += judge(route, Actor(role, user=users[role]), ROLE_CAPABILITIES[role], world, before)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_each_token_scope_does_only_what_it_may(route, world):
    from journeys.tokens import api_token_create

    tokens = {scopes: api_token_create(organization=world.organization, name="scoped", scopes=scopes,
                                       created_by=None)[1] for scopes in TOKEN_CAPABILITIES}
    before = organization_fingerprint(world.organization)
    problems = []
    for scopes, capabilities in TOKEN_CAPABILITIES.items():
        problems += judge(route, Actor(f"token with scope {'+'.join(scopes)}", token=tokens[scopes]), capabilities,
                          world, before)
    assert not problems, "\n".join(problems)


def test_organization_roles_never_reach_the_admin_site(world):
    """The Django admin is for staff; an organization admin is not staff."""
    problems = []
    actor = Actor("organization admin", user=world.admin)
    before = organization_fingerprint(world.organization)
    for route in ADMIN_ROUTES:
        url = route_url(route, world)
        for method in ("GET", "POST"):
            outcome = send(actor, route, method, url, attack_body(world), world, before)
            if route.name in ("login", "logout"):
                ok = outcome.status in (200, 302)
            else:
                ok = is_login_redirect(outcome) or outcome.status == 404
            if not ok or outcome.changed:
                problems.append(f"{method} {url} → {outcome.status} {outcome.location} {sorted(outcome.changed)}")
    assert not problems, "\n".join(problems)
