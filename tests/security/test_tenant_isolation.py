"""Tenant isolation, generated from the URL configuration.

For every route the resolver knows (pages, map-editor JSON, REST API, admin,
auth, i18n, schema) and every method, organization B acts on organization A's
objects, once as B's admin signed in and once with B's API token holding both
scopes. Organization A's objects must be indistinguishable from objects that
do not exist: 404, or the very answer a nonexistent id gets (405 for a method
the route lacks, 403 for a capability the caller lacks anywhere, a redirect
to the login page for a token on a page). Never 2xx, never a 5xx, never a
byte of A's data in the answer, and A's data is unchanged afterwards.
Routes that name no object (lists, login, schema, …) must not show A's data
either. A route whose path parameters the table in routes.py cannot fill
fails `test_every_route_can_be_filled`, so new endpoints cannot be skipped.
"""

from __future__ import annotations

import pytest

from .matrix import METHODS, Actor, attack_body, is_login_redirect, leaks, send
from .routes import UnmappedParameter, all_routes, route_url
from .world import organization_fingerprint, unscoped_models

pytestmark = pytest.mark.django_db

ROUTES = all_routes()


def actors(own) -> list[Actor]:
    return [Actor("session admin of B", user=own.admin), Actor("token of B (ingest+read)", token=own.token_plaintext)]


def test_every_route_can_be_filled(worlds):
    victim, _own = worlds
    unfillable = []
    for route in ROUTES:
        try:
            route_url(route, victim)
            route_url(route, None)
        except UnmappedParameter as error:
            unfillable.append(str(error))
    assert not unfillable, "\n".join(unfillable)


def test_every_model_is_reachable_from_an_organization():
    """The fingerprint of "A's data" must cover every model; a new one needs a path in world.py."""
    assert unscoped_models() == []


def test_the_matrix_covers_pages_api_and_admin():
    names = {route.full_name for route in ROUTES}
    assert {"api:cycle-detail", "api:rating-batch", "journeys:cycle_detail", "analytics:dashboard",
            "reviews:item_status", "touchpoints:token_revoke", "admin:index"} <= names
    assert len(ROUTES) > 150


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_another_organization_cannot_see_or_change_it(route, worlds):
    victim, own = worlds
    url = route_url(route, victim)
    missing_url = route_url(route, None)
    names_objects = bool(route.object_parameters) and url != missing_url
    body = attack_body(victim)
    before = organization_fingerprint(victim.organization)
    problems = []
    for actor in actors(own):
        for method in METHODS:
            outcome = send(actor, route, method, url, body, victim, before)
            where = f"{actor.name}: {method} {url} → {outcome.status}"
            if outcome.error or outcome.status >= 500:
                problems.append(f"{where} server error {outcome.error}")
                continue
            if outcome.changed:
                problems.append(f"{where} changed A's data: {sorted(outcome.changed)}")
            shown = leaks(outcome, victim)
            if shown:
                problems.append(f"{where} shows A's data: {shown}")
            if not names_objects:
                continue
            if 200 <= outcome.status < 300:
                problems.append(f"{where}: A's object answered as if it were B's")
            elif outcome.status == 302 and not is_login_redirect(outcome):
                problems.append(f"{where}: redirected to {outcome.location}")
            elif outcome.status != 404:
                # 401/403/405/login: only acceptable when a nonexistent object gets the same answer.
                missing = send(actor, route, method, missing_url, body, victim, before)
                if missing.status != outcome.status:
                    problems.append(f"{where}, but {missing.status} for a nonexistent id: A's object is visible")
    assert not problems, "\n".join(problems)


OBJECT_ROUTES = [route for route in ROUTES if route.object_parameters and not route.is_admin
                 and not route.has_format_suffix]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_the_same_route_serves_its_own_organization(route, worlds):
    """The control group: the 404s above are about the organization, not a broken URL."""
    _victim, own = worlds
    actor = actors(own)[0]
    outcome = send(actor, route, "GET", route_url(route, own), {}, own)
    if outcome.status == 405:
        outcome = send(actor, route, "POST", route_url(route, own), {}, own)
    assert outcome.status not in (401, 403, 404) and outcome.status < 500, (
        route.pattern, outcome.status, outcome.body[:300])
