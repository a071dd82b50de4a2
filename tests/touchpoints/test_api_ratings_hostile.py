"""Ratings input that used to be a 500 (issue 13, item 13): U+0000 in a key or segment,
JSON nested 1,000 deep. Each is a 400 naming the field, nothing written, no traceback logged."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api_support import token_client
from tests.factories import SegmentFactory, TouchpointFactory
from touchpoints.csv_io import CsvInvalid, ratings_import_csv
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db

RATINGS = "/api/v1/ratings/"
BATCH = "/api/v1/ratings/batch/"
DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def touchpoint():
    touchpoint = TouchpointFactory(key="kiosk")
    SegmentFactory(organization=touchpoint.organization, key="business")
    return touchpoint


@pytest.fixture
def client(touchpoint):
    return token_client(touchpoint.organization)


def tracebacks(caplog) -> list[str]:
    return [record.getMessage()[:200] for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


@pytest.mark.parametrize(("field", "value"), [
    ("touchpoint_key", "kio\x00sk"), ("segment", "busi\x00ness"), ("external_id", "a\x00"), ("comment", "\x00"),
])
def test_a_nul_character_is_a_400_on_its_field(client, touchpoint, caplog, field, value):
    item = {"touchpoint_key": "kiosk", "score": 4, field: value}
    single = client.post(RATINGS, data=json.dumps(item), content_type="application/json")
    assert single.status_code == 400, single.content
    assert single.json() == {field: ["Null characters are not allowed."]}
    batch = client.post(BATCH, data=json.dumps({"ratings": [{"touchpoint_key": "kiosk", "score": 3}, item]}),
                        content_type="application/json")
    assert batch.status_code == 400
    assert [(error["index"], error["field"]) for error in batch.json()["errors"]] == [(1, field)]
    assert not Rating.objects.exists()
    assert tracebacks(caplog) == []


def test_the_validator_refuses_a_nul_key_even_past_the_json_guard(touchpoint):
    """Python callers (the demo, imports) reach the validator without the JSON parser."""
    from django.core.exceptions import ValidationError

    from touchpoints.services import ratings_record

    with pytest.raises(ValidationError) as error:
        ratings_record(organization=touchpoint.organization,
                       rows=[{"touchpoint_key": "k\x00", "score": 4}, {"touchpoint": touchpoint, "score": 4,
                                                                       "segment": "b\x00"}])
    assert "Null characters" in str(error.value)
    assert not Rating.objects.exists()


def test_json_nested_1000_deep_is_a_400_naming_the_field(client, caplog):
    single = client.post(RATINGS, data='{"touchpoint_key": "kiosk", "score": 4, "comment": ' + DEEP + "}",
                         content_type="application/json")
    assert single.status_code == 400 and list(single.json()) == ["comment"]
    batch = client.post(BATCH, data='{"ratings": [{"score": 1}, {"segment": ' + DEEP + "}]}",
                        content_type="application/json")
    assert batch.status_code == 400
    error = batch.json()["errors"][0]
    assert (error["index"], error["field"], error["code"]) == (1, "segment", "too_deep")
    whole = client.post(BATCH, data=DEEP, content_type="application/json")
    assert whole.status_code == 400 and "nested too deeply" in whole.json()["detail"]
    assert not Rating.objects.exists()
    assert tracebacks(caplog) == []


def test_json_nested_deeper_than_the_limit_but_short_of_recursion_is_refused_too(client):
    response = client.post(RATINGS, data='{"touchpoint_key": "kiosk", "score": 4, "comment": ' + "[" * 40
                           + "]" * 40 + "}", content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["comment"][0]


@pytest.mark.parametrize("content", [
    "touchpoint_key,score,segment\nkio\x00sk,4,\n",
    "touchpoint_key,score,segment\nkiosk,4,busi\x00ness\n",
    "touchpoint_key,score,external_id\nkiosk,4,x\x00y\n",
    "touchpoint_key,score,com\x00ment\nkiosk,4,x\n",
])
def test_a_nul_character_in_a_csv_cell_or_header_is_a_line_error(client, touchpoint, content, caplog):
    with pytest.raises(CsvInvalid) as error:
        ratings_import_csv(organization=touchpoint.organization, file=io.BytesIO(content.encode()))
    assert error.value.errors[0].position in (1, 2)
    upload = SimpleUploadedFile("r.csv", content.encode(), "text/csv")
    response = client.post("/api/v1/ratings/csv/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert not Rating.objects.exists()
    assert tracebacks(caplog) == []


def test_a_nul_past_the_preview_sample_is_a_line_error_of_the_import(touchpoint, tmp_path, settings):
    """The preview refuses binary data in the file's first 64 kB; later, the line check does."""
    from touchpoints import imports
    from touchpoints.models import RatingImport

    settings.MOMENTO_UPLOAD_DIR = tmp_path
    # Past the preview's 64 kB sample, which refuses binary files outright.
    content = "touchpoint_key,score,comment\n" + "kiosk,4,ok\n" * 7000 + "kio\x00sk,4,\n"
    rating_import = imports.rating_import_upload(
        organization=touchpoint.organization, file=SimpleUploadedFile("r.csv", content.encode(), "text/csv"),
        created_by=None)
    RatingImport.objects.filter(pk=rating_import.pk).update(status="queued")
    done = imports.rating_import_run(import_id=rating_import.pk)
    assert done.status == "failed" and done.errors[0]["code"] == "null_character"
    assert not Rating.objects.exists()


def test_stored_problem_parameters_never_carry_a_nul():
    from touchpoints.problems import stored_problem

    assert stored_problem("touchpoint_key_unknown", {"key": "a\x00b"}, line=2) == {
        "line": 2, "code": "touchpoint_key_unknown", "params": {"key": "a\N{REPLACEMENT CHARACTER}b"}}


def test_a_session_batch_with_a_nul_answers_in_the_batch_shape(touchpoint):
    """Session authentication parses the body before the view (looking for a CSRF token in it)."""
    from django.test import Client

    from journeys.models import Membership
    from tests.factories import MembershipFactory

    secret = "csrfsecret0123456789abcdefghijkl"
    client = Client(enforce_csrf_checks=True)
    client.force_login(MembershipFactory(organization=touchpoint.organization,
                                         role=Membership.Role.CX_MANAGER).user)
    client.cookies["csrftoken"] = secret
    body = {"ratings": [{"touchpoint_key": "kiosk", "score": 3}, {"touchpoint_key": "kiosk", "score": 3,
                                                                  "segment": "b\x00"}]}
    response = client.post(BATCH, data=json.dumps(body), content_type="application/json",
                           headers={"X-CSRFToken": secret})
    assert response.status_code == 400
    assert [(error["index"], error["field"]) for error in response.json()["errors"]] == [(1, "segment")]
    assert not Rating.objects.exists()
