"""Bad requests the API answers itself, in JSON, documented (issue 13, item 14):
too many form fields, and an invalid page on every paginated list."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.api_support import member_client, token_client
from tests.factories import TouchpointFactory

pytestmark = pytest.mark.django_db

TOO_MANY = {f"field{index}": "x" for index in range(1001)}


def _errors_logged(caplog) -> list[str]:
    return [record.getMessage()[:200] for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_form_body_with_more_than_1000_fields_is_a_json_400_and_not_logged_as_an_error(organization, caplog):
    client = member_client(organization)
    caplog.clear()
    response = client.generic("POST", "/api/v1/segments/", urlencode({"name": "x", **TOO_MANY}),
                              content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"non_field_errors": ["The request has more than 1000 form fields."]}
    assert _errors_logged(caplog) == []


def test_a_multipart_upload_with_more_than_1000_fields_is_a_json_400(caplog):
    touchpoint = TouchpointFactory(key="bag-drop")
    client = token_client(touchpoint.organization)
    caplog.clear()
    body = {"file": SimpleUploadedFile("r.csv", b"touchpoint_key,score\nbag-drop,4\n", "text/csv"), **TOO_MANY}
    response = client.post("/api/v1/ratings/csv/", body, format="multipart")
    assert response.status_code == 400 and response.json()["non_field_errors"]
    assert _errors_logged(caplog) == []


def test_the_same_in_spanish(organization):
    client = member_client(organization)
    response = client.generic("POST", "/api/v1/segments/", urlencode(TOO_MANY),
                              content_type="application/x-www-form-urlencoded", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json() == {"non_field_errors": ["La petición tiene más de 1000 campos de formulario."]}


def test_every_paginated_list_documents_its_400(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paginated = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            if names & {"page", "cursor"}:
                paginated.append((method, path))
                assert "400" in operation["responses"], (method, path)
    assert ("get", "/api/v1/webhooks/{id}/deliveries/") in paginated and len(paginated) >= 10


@pytest.mark.parametrize("page", ["0", "x", "999"])
def test_an_invalid_page_is_a_400_naming_it(organization, page):
    response = member_client(organization).get("/api/v1/cycles/", {"page": page})
    assert response.status_code == 400 and list(response.json()) == ["page"]
