"""The new token's page shows examples that work for the token's scopes: each shown curl
command is parsed from the page and sent to the app as it is."""

from __future__ import annotations

import html
import re
import shlex
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from journeys.models import Membership
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory, UserFactory
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, organization):
    user = UserFactory(username="ana")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.ADMIN)
    client.force_login(user)
    return client


@pytest.fixture
def touchpoint(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    return TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Check-in kiosk",
                             key="check-in-kiosk", scale="nps11")


def shown_examples(page: str) -> list[str]:
    return [html.unescape(block) for block in re.findall(r'<pre class="code"[^>]*>(.*?)</pre>', page, re.DOTALL)]


def run_curl(command: str):
    """Send a `curl [-X M] [-H 'K: V']… [-d BODY] URL` command to the app with the test client."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "curl", command
    method, headers, body, url = "GET", {}, None, None
    index = 1
    while index < len(words):
        word = words[index]
        if word == "-X":
            method, index = words[index + 1], index + 2
        elif word == "-H":
            name, _sep, value = words[index + 1].partition(":")
            headers[name.strip().lower()] = value.strip()
            index += 2
        elif word == "-d":
            body, index = words[index + 1], index + 2
        else:
            assert not word.startswith("-"), f"unexpected option {word} in {command}"
            url, index = word, index + 1
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver", url
    client = APIClient()
    extra = {"HTTP_AUTHORIZATION": headers.pop("authorization")}
    content_type = headers.pop("content-type", None)
    assert not headers, headers
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if body is None:
        return client.generic(method, path, **extra)
    return client.generic(method, path, data=body, content_type=content_type, **extra)


@pytest.mark.parametrize("scopes", [["ingest"], ["read"], ["ingest", "read"]])
def test_every_example_on_the_new_tokens_page_works_for_its_scopes(admin, organization, touchpoint, scopes):
    page = admin.post(reverse("touchpoints:tokens", args=[organization.pk]),
                      {"name": "Survey tool", "scopes": scopes}).content.decode()

    examples = shown_examples(page)

    assert len(examples) == len(scopes)
    for command in examples:
        response = run_curl(command)
        assert 200 <= response.status_code < 300, (command, response.status_code, response.content[:300])
    if "ingest" in scopes:
        rating = Rating.objects.get()
        assert rating.touchpoint == touchpoint and rating.score == 10  # the top of its nps11 scale
        # Running the example again is a replay, not a second rating.
        ingest = next(command for command in examples if "-X POST" in command)
        assert run_curl(ingest).status_code == 200 and Rating.objects.count() == 1
    else:
        assert not Rating.objects.exists()


def test_an_ingest_example_without_touchpoints_says_what_to_do_first(admin, organization):
    page = admin.post(reverse("touchpoints:tokens", args=[organization.pk]),
                      {"name": "Survey tool", "scopes": ["ingest"]}).content.decode()

    assert "Add a touchpoint to a service cycle first" in page
    assert "-X POST" in shown_examples(page)[0]


def test_the_example_uses_a_touchpoint_of_this_organization(admin, organization, other_organization):
    theirs = TouchpointFactory(moment=MomentFactory(cycle=ServiceCycleFactory(organization=other_organization)),
                               key="their-kiosk")
    archived = ServiceCycleFactory(organization=organization, archived=True)
    TouchpointFactory(moment=MomentFactory(cycle=archived), key="old-kiosk")

    page = admin.post(reverse("touchpoints:tokens", args=[organization.pk]),
                      {"name": "Survey tool", "scopes": ["ingest"]}).content.decode()

    assert theirs.key not in page and "old-kiosk" not in page
