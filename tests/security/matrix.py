"""Sending one request of the matrices, and judging what came back.

Each request runs inside a transaction that is rolled back afterwards, after
the organization's fingerprint has been taken, so every request meets the
same pristine data and any write it made is seen before it disappears.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.test import Client

from .routes import Route
from .world import World, organization_fingerprint

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def attack_body(world: World) -> dict:
    """A body naming `world`'s objects in every field any endpoint reads, valid in shape.

    Sent by another organization, it tries to create or move things into
    `world`'s organization (a cycle in its name, a moment in its cycle, a
    rating of its touchpoint, a token for it…)."""
    return {
        "organization": world.organization.pk, "cycle": world.cycle.pk, "moment": world.moment.pk,
        "touchpoint": world.touchpoint.pk, "touchpoint_key": world.touchpoint.key, "segment": world.segment.pk,
        "owner": world.admin.pk, "name": "intruder", "kind": "SMOT", "channel": "web", "scale": "csat5",
        "score": 1, "external_id": "intruder-1", "url": "http://127.0.0.1:9/hook", "scopes": ["ingest", "read"],
        "text": "intruded", "status": "acknowledged", "notes": "intruded", "done": True, "reason": "intruded",
        "order": [moment.pk for moment in reversed(world.moments)], "archived": "1", "start": "blank",
        "description": "intruded", "active": True, "timezone": "UTC", "language": "es",
        "ratings": [{"touchpoint": world.touchpoint.pk, "score": 1, "external_id": "intruder-2"}],
        "email": "intruder@example.com", "role": "admin", "username": "intruder",
        "password1": "intruder passphrase 42", "password2": "intruder passphrase 42",
    }


def sends_json(route: Route) -> bool:
    """API and map-editor endpoints read JSON; pages read form fields."""
    return route.is_api or "/editor/" in route.pattern


@dataclass
class Outcome:
    status: int
    body: bytes
    location: str
    changed: dict
    error: str = ""


_CLIENT: Client | None = None


def shared_client() -> Client:
    """One test client for the whole suite: each new Client loads the middleware
    again (WhiteNoise scans every static file), which would dominate the matrix."""
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = Client()
    return _CLIENT


@dataclass(frozen=True)
class Actor:
    """Who sends a request: a signed-in user (session) or an API token (Bearer header)."""

    name: str
    user: object = None
    token: str = ""

    def client(self) -> Client:
        client = shared_client()
        client.cookies.clear()
        if self.user is not None:
            client.force_login(self.user)
        return client

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def send(actor: Actor, route: Route, method: str, url: str, body: dict, watched: World,
         before: dict | None = None) -> Outcome:
    """One request, rolled back; what it answered and what it changed in `watched`'s organization
    (against `before`, its fingerprint when the test started)."""
    if before is None:
        before = organization_fingerprint(watched.organization)
    kwargs: dict = {}
    if method != "GET":
        if sends_json(route):
            kwargs = {"data": json.dumps(body), "content_type": "application/json"}
        else:
            form = {key: value[0] if isinstance(value, list) else value for key, value in body.items()
                    if not (isinstance(value, list) and value and isinstance(value[0], dict))}
            kwargs = {"data": urlencode(form), "content_type": "application/x-www-form-urlencoded"}
    with transaction.atomic():
        try:
            response = actor.client().generic(method, url, headers=actor.headers, **kwargs)
        except Exception as error:  # noqa: BLE001 - any exception is a 500 the matrix must report
            transaction.set_rollback(True)
            return Outcome(status=500, body=b"", location="", changed={}, error=repr(error)[:300])
        after = organization_fingerprint(watched.organization)
        transaction.set_rollback(True)
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    changed = {label: (before.get(label), digest) for label, digest in after.items() if before.get(label) != digest}
    return Outcome(status=response.status_code, body=content, location=response.get("Location", ""),
                   changed=changed)


def leaks(outcome: Outcome, world: World) -> list[str]:
    """What of `world` the answer shows: a marker text, or an object of its organization in JSON."""
    text = outcome.body.decode("utf-8", errors="replace")
    found = [marker for marker in world.markers if marker in text]
    try:
        data = json.loads(text)
    except ValueError:
        return found

    def walk(value) -> bool:
        if isinstance(value, dict):
            if value.get("organization") == world.organization.pk:
                return True
            return any(walk(item) for item in value.values())
        if isinstance(value, list):
            return any(walk(item) for item in value)
        return False

    if walk(data):
        found.append(f"an object with organization={world.organization.pk}")
    return found


def is_login_redirect(outcome: Outcome) -> bool:
    return outcome.status == 302 and any(path in outcome.location for path in LOGIN_PATHS)
