"""CSV upload (all or nothing, errors by line) and streamed CSV export of a cycle."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from journeys.models import Membership
from tests.api_support import member_client, token_client
from tests.factories import RatingFactory, SegmentFactory, TouchpointFactory
from touchpoints.csv_io import CsvInvalid, ratings_import_csv
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db

UPLOAD = "/api/v1/ratings/csv/"
HEADER = "touchpoint_key,score,occurred_at,segment,comment,first_contact_resolved,external_id\n"


@pytest.fixture
def touchpoint():
    return TouchpointFactory(key="bag-drop", scale="nps11")


def upload(client, content: bytes | str, name: str = "ratings.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
                       format="multipart")


def test_csv_upload_stores_every_line_and_counts_replays(touchpoint):
    SegmentFactory(organization=touchpoint.organization, key="business")
    client = token_client(touchpoint.organization)
    content = HEADER + (
        'bag-drop,9,2026-11-20T09:00:00+01:00,business,"Fast, friendly",true,c-1\n'
        "bag-drop,3,2026-11-20T10:00:00Z,,,false,c-2\n"
        "\n"
        "bag-drop,6,2026-11-20T11:00:00Z,,,,c-3\n"
    )
    response = upload(client, content)
    assert response.status_code == 201, response.content
    assert response.json() == {"rows": 3, "created": 3, "duplicate": 0}
    first = Rating.objects.get(external_id="c-1")
    assert (first.score, first.comment, first.first_contact_resolved, first.source) == (9, "Fast, friendly", True, "csv")
    again = upload(client, content)
    assert again.status_code == 200 and again.json() == {"rows": 3, "created": 0, "duplicate": 3}


def test_csv_with_missing_columns_is_refused(touchpoint):
    client = token_client(touchpoint.organization)
    response = upload(client, "touchpoint_key,occurred_at\nbag-drop,2026-11-20T09:00:00Z\n")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["line"] == 1 and "score" in error["message"]
    assert not Rating.objects.exists()


def test_csv_with_unknown_column_is_refused(touchpoint):
    response = upload(token_client(touchpoint.organization), "touchpoint_key,score,ocurred_at\nbag-drop,5,x\n")
    assert response.status_code == 400 and "ocurred_at" in response.json()["errors"][0]["message"]


def test_csv_in_the_wrong_encoding_is_refused(touchpoint):
    content = (HEADER + "bag-drop,9,,,Atención rápida,,e-1\n").encode("latin-1")
    response = upload(token_client(touchpoint.organization), content)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["errors"][0]["message"]
    assert not Rating.objects.exists()


def test_not_a_csv_is_refused(touchpoint):
    response = upload(token_client(touchpoint.organization), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.png")
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_empty_file_and_header_only_are_refused(touchpoint):
    client = token_client(touchpoint.organization)
    assert upload(client, "").status_code == 400
    assert upload(client, HEADER).status_code == 400
    assert not Rating.objects.exists()


def test_bad_line_40000_refuses_the_whole_file_and_names_the_line(touchpoint):
    lines = [HEADER] + [f"bag-drop,{i % 11},2026-11-01T10:00:00Z,,,,big-{i}\n" for i in range(2, 50_001)]
    lines[40_000 - 1] = "bag-drop,11,2026-11-01T10:00:00Z,,,,big-bad\n"
    response = upload(token_client(touchpoint.organization), "".join(lines))
    assert response.status_code == 400
    assert response.json()["errors"] == [{
        "line": 40_000, "field": "score", "code": "score_outside_scale",
        "message": "Score 11 is outside the nps11 scale (0–10).",
    }]
    assert not Rating.objects.exists()


def test_errors_name_lines_and_fields(touchpoint):
    content = HEADER + ("bag-drop,5,,,,,e-1\nbag-drop,x,,,,,e-2\nnope,5,,,,,e-3\n"
                        "bag-drop,5,2026-11-01 10:00,,,,e-4\nbag-drop,5\n")
    response = upload(token_client(touchpoint.organization), content)
    assert response.status_code == 400
    errors = {(error["line"], error["field"]) for error in response.json()["errors"]}
    assert errors == {(3, "score"), (4, "touchpoint_key"), (5, "occurred_at"), (6, "line")}
    assert not Rating.objects.exists()


def test_upload_over_the_size_limit_is_413(touchpoint, settings):
    settings.MOMENTO_CSV_MAX_BYTES = 1000
    response = upload(token_client(touchpoint.organization), HEADER + "bag-drop,5,,,,,\n" * 200)
    assert response.status_code == 413
    assert not Rating.objects.exists()


def test_upload_needs_ingest_scope(touchpoint):
    response = upload(token_client(touchpoint.organization, scopes=["read"]), HEADER + "bag-drop,5,,,,,\n")
    assert response.status_code == 403


def test_import_service_reports_progress(touchpoint):
    content = ("touchpoint_key,score\n" + "bag-drop,5\n" * 2500).encode()
    calls = []
    result = ratings_import_csv(organization=touchpoint.organization, file=io.BytesIO(content),
                                progress=lambda done, total: calls.append((done, total)))
    assert result.created == 2500
    assert calls[0] == (1000, 2500) and calls[-1] == (2500, 2500)


def test_import_service_raises_with_lines(touchpoint):
    with pytest.raises(CsvInvalid) as error:
        ratings_import_csv(organization=touchpoint.organization, file=io.BytesIO((HEADER + "bag-drop,99,,,,,\n").encode()))
    assert error.value.errors[0].position == 2


def test_export_streams_a_cycles_ratings_and_reimports_as_replays(touchpoint):
    cycle = touchpoint.moment.cycle
    for i in range(5):
        RatingFactory(touchpoint=touchpoint, score=i, external_id=f"x-{i}", comment="=cmd()" if i == 0 else "ok")
    RatingFactory()  # another cycle and organization
    client = member_client(touchpoint.organization, role=Membership.Role.VIEWER)
    response = client.get(f"/api/v1/cycles/{cycle.pk}/ratings.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5 and rows[0]["touchpoint_key"] == "bag-drop"
    assert rows[0]["comment"] == "'=cmd()"
    result = ratings_import_csv(organization=touchpoint.organization, file=io.BytesIO(text.encode()))
    assert (result.created, result.duplicate) == (0, 5)


def test_export_of_another_organizations_cycle_is_404(touchpoint):
    client = token_client(TouchpointFactory().organization)
    assert client.get(f"/api/v1/cycles/{touchpoint.moment.cycle_id}/ratings.csv").status_code == 404
    assert client.get(f"/api/v1/cycles/{touchpoint.moment.cycle_id}/ratings.csv",
                      HTTP_ACCEPT="text/csv").status_code == 404
