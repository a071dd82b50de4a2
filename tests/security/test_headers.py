"""Security headers on pages, API answers and errors: CSP, frame, sniffing, referrer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import MembershipFactory, ServiceCycleFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.fixture
def signed_in(client, organization):
    client.force_login(MembershipFactory(organization=organization).user)
    return client


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/", "/no-such-page/", "/api/docs/"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no inline or eval'd scripts, ever"
    assert "'unsafe-inline'" not in policy["default-src"]
    assert policy["style-src"][0] == "'self'"
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_a_signed_in_page_with_a_chart_has_the_same_policy(signed_in, organization):
    cycle = ServiceCycleFactory(organization=organization)
    response = signed_in.get(f"/cycles/{cycle.pk}/dashboard/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_templates_need_no_inline_script_or_event_handler():
    """What script-src 'self' would block: inline <script> code and on…= attributes.
    (JSON data blocks from json_script are not executed and are allowed.)"""
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script(?P<attributes>[^>]*)>(?P<body>.*?)</script>", text, re.DOTALL):
            attributes, body = match.group("attributes"), match.group("body").strip()
            if "src=" not in attributes and "application/json" not in attributes and body:
                offending.append(f"{template.name}: inline script")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offending.append(f"{template.name}: inline event handler")
        if "javascript:" in text:
            offending.append(f"{template.name}: javascript: URL")
    assert not offending, offending


def test_page_templates_use_no_style_attributes():
    """Only Plotly needs 'unsafe-inline' styles; our own page templates do not (e-mails are not pages)."""
    offending = [str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
                 if "email" not in path.parts and re.search(r"\sstyle\s*=", path.read_text())]
    assert not offending, offending
