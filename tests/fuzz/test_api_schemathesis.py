"""Schemathesis over the whole OpenAPI schema, in-process, authenticated.

The schema is generated from the app itself (drf-spectacular, as /api/schema/
serves it) and every operation is fuzzed through `momento.wsgi.application`
with a Bearer token holding both scopes, in an organization that has a cycle,
moments, touchpoints, a segment, ratings, a review item and a webhook. Half
of the examples use the ids of those real objects for the path parameters (so
bodies and query strings are fuzzed against things that exist); the rest are
generated freely. Write operations are fuzzed a second time as the
organization's admin signed in (session + CSRF), since a token may not edit.

Checked on every answer: no 5xx, the status code is documented for the
operation, and the body conforms to the documented schema. Bounded: a fixed
number of examples per operation, derandomized, no deadline; the whole file
runs in well under three minutes. Runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from momento.wsgi import application
from tests.security.world import world_build

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
CSRF_SECRET = "fuzzcsrfsecret0123456789abcdefgh"  # 32 characters: Django's secret length


def _raw_schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


SCHEMA = schemathesis.openapi.from_dict(_raw_schema())
SCHEMA.app = application
OPERATIONS = sorted(
    (result.ok() for result in SCHEMA.get_all_operations()), key=lambda operation: operation.label
)
WRITE_OPERATIONS = [operation for operation in OPERATIONS if operation.method.upper() in ("POST", "PATCH", "PUT",
                                                                                          "DELETE")]

# Which real object fills {id} (and {action_id}) for each collection of the path.
COLLECTION_OBJECTS = {
    "organizations": "organization", "cycles": "cycle", "moments": "moment", "touchpoints": "touchpoint",
    "segments": "segment", "ratings": "rating", "tokens": "token", "review-items": "review_item",
    "webhooks": "webhook", "members": "membership", "invitations": "invitation", "alerts": "alert",
    "survey-links": "survey_link",
}


def real_path_parameters(operation, world) -> dict:
    parameters = {}
    match = re.match(r"/api/v1/([\w-]+)/\{", operation.path)
    if match and "{id}" in operation.path:
        parameters["id"] = getattr(world, COLLECTION_OBJECTS[match.group(1)]).pk
    if "{action_id}" in operation.path:
        parameters["action_id"] = world.action.pk
    if "{share_link_pk}" in operation.path:
        parameters["share_link_pk"] = world.share_link.pk
    return parameters


@pytest.fixture(autouse=True)
def _in_process_requests(settings):
    """Requests run through the real WSGI handler in this thread, on the test's connection.

    Like Django's test client, keep the handler from closing that connection
    (it is inside the test transaction); lift throttling, which has its own tests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "1000000/s", "ingest": "1000000/s"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world():
    return world_build("fuzzorg")


def fuzz(operation, world, *, headers: dict, cookies: dict | None = None) -> None:
    """Run `operation` with MAX_EXAMPLES generated cases as the caller `headers`/`cookies` describe.

    The schema declares both security schemes, so Schemathesis would invent
    credentials of its own; the caller's are imposed instead on every case.
    """
    strategy = st.one_of(
        operation.as_strategy(path_parameters=real_path_parameters(operation, world)),
        operation.as_strategy(),
    )

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        case.headers = {key: value for key, value in (case.headers or {}).items()
                        if key.lower() not in ("authorization", "cookie", "x-csrftoken")}
        case.cookies = {}
        case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

    run()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_operation_with_a_token_never_fails_and_matches_the_schema(operation, world):
    fuzz(operation, world, headers={"Authorization": f"Bearer {world.token_plaintext}"})


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=lambda operation: operation.label)
def test_write_operation_as_the_admin_never_fails_and_matches_the_schema(operation, world, client):
    client.force_login(world.admin)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_SECRET}
    fuzz(operation, world, headers={"X-CSRFToken": CSRF_SECRET}, cookies=cookies)


def test_the_fuzzer_sees_every_api_operation():
    labels = {operation.label for operation in OPERATIONS}
    assert {"POST /api/v1/ratings/batch/", "GET /api/v1/cycles/{id}/heatmap/",
            "PATCH /api/v1/review-items/{id}/"} <= labels
    assert len(OPERATIONS) >= 30
