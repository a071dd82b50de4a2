"""The CSV side of the ingestion contract: conflicts by line, blank keys refused, server
keys exported, every text column escaped against formula injection, and an export that
imports again as duplicates only (issue 13, items 11, 12 and 15)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from journeys.models import Membership
from tests.api_support import member_client, token_client
from tests.factories import MomentFactory, RatingFactory, SegmentFactory, TouchpointFactory
from touchpoints import csv_io
from touchpoints.csv_io import CsvInvalid, ratings_import_csv
from touchpoints.models import SERVER_KEY, Rating

pytestmark = pytest.mark.django_db

HEADER = "touchpoint_key,score,occurred_at,comment,external_id\n"


@pytest.fixture
def touchpoint():
    return TouchpointFactory(key="bag-drop", scale="csat5")


def import_text(touchpoint, text: str):
    return ratings_import_csv(organization=touchpoint.organization, file=io.BytesIO(text.encode()))


def refused(touchpoint, text: str) -> list[tuple]:
    with pytest.raises(CsvInvalid) as error:
        import_text(touchpoint, text)
    return [(item.position, item.field, item.code) for item in error.value.errors]


def export(cycle) -> list[dict]:
    client = member_client(cycle.organization, role=Membership.Role.VIEWER)
    response = client.get(f"/api/v1/cycles/{cycle.pk}/ratings.csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Conflicts (item 11) ------------------------------------------------------------------------


def test_a_line_reusing_a_stored_key_with_other_content_refuses_the_file(touchpoint):
    import_text(touchpoint, HEADER + "bag-drop,4,2026-11-20T09:00:00Z,Fine,k-1\n")
    problems = refused(touchpoint, HEADER + "bag-drop,5,2026-11-20T09:00:00Z,New,k-2\n"
                                             "bag-drop,2,2026-11-20T09:00:00Z,Fine,k-1\n")
    assert problems == [(3, "external_id", "external_id_conflict")]
    assert list(Rating.objects.values_list("external_id", "score")) == [("k-1", 4)]


def test_two_lines_with_one_key_and_different_content_refuse_the_file(touchpoint):
    problems = refused(touchpoint, HEADER + "bag-drop,4,2026-11-20T09:00:00Z,Fine,twice\n"
                                             "bag-drop,4,2026-11-20T09:00:00Z,Other,twice\n")
    assert problems == [(3, "external_id", "external_id_repeated_line")]
    assert not Rating.objects.exists()


def test_a_conflict_in_a_later_chunk_rolls_back_the_chunks_already_written(touchpoint, monkeypatch):
    monkeypatch.setattr(csv_io, "WRITE_CHUNK", 2)
    lines = [f"bag-drop,4,2026-11-20T09:00:00Z,ok,c-{index}\n" for index in range(5)]
    lines.append("bag-drop,1,2026-11-20T09:00:00Z,ok,c-0\n")  # line 7: c-0 was written with chunk one
    with pytest.raises(CsvInvalid) as error:
        import_text(touchpoint, HEADER + "".join(lines))
    assert [(item.position, item.code) for item in error.value.errors] == [(7, "external_id_conflict")]
    assert not Rating.objects.exists()


def test_repeated_lines_with_the_same_content_are_one_rating(touchpoint):
    line = "bag-drop,4,2026-11-20T09:00:00Z,Fine,same\n"
    result = import_text(touchpoint, HEADER + line + line)
    assert (result.created, result.duplicate) == (1, 1)


# --- Blank keys and server keys (item 12) ---------------------------------------------------------


@pytest.mark.parametrize("cell", ["", "   ", '"  "'])
def test_an_empty_external_id_cell_is_refused_when_the_column_is_there(touchpoint, cell):
    problems = refused(touchpoint, HEADER + "bag-drop,4,,,k-1\n" + f"bag-drop,4,,,{cell}\n")
    assert problems == [(3, "external_id", "external_id_blank_cell")]
    assert not Rating.objects.exists()


def test_a_file_without_the_external_id_column_gets_server_keys(touchpoint):
    result = import_text(touchpoint, "touchpoint_key,score\nbag-drop,4\nbag-drop,5\n")
    assert result.created == 2
    assert all(SERVER_KEY.fullmatch(key) for key in Rating.objects.values_list("external_id", flat=True))


def test_the_export_shows_every_ratings_key_and_imports_again_as_duplicates_only(touchpoint):
    cycle = touchpoint.moment.cycle
    import_text(touchpoint, "touchpoint_key,score,comment\nbag-drop,4,no key\nbag-drop,2,none either\n")
    RatingFactory(touchpoint=touchpoint, score=5, external_id="client-1", comment="keyed")
    rows = export(cycle)
    assert len(rows) == 3 and all(row["external_id"] for row in rows)
    text = "".join(csv_io.ratings_export_lines(cycle=cycle))
    result = import_text(touchpoint, text)
    assert (result.rows, result.created, result.duplicate) == (3, 0, 3)
    assert Rating.objects.count() == 3


# --- Formula injection, every text column (item 15) ------------------------------------------------


FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "'quoted"]


@pytest.mark.parametrize("value", FORMULAS)
@pytest.mark.parametrize("column", ["external_id", "comment", "moment", "segment", "touchpoint_key"])
def test_every_text_column_of_the_export_is_escaped_and_imports_back_unchanged(column, value):
    slug = "-" + "x" * 3  # keys are slugs: of the formula starters they can only begin with "-"
    moment = MomentFactory(name=value if column == "moment" else "Check-in")
    touchpoint = TouchpointFactory(moment=moment, key=slug if column == "touchpoint_key" else "kiosk")
    segment = SegmentFactory(organization=touchpoint.organization, key=slug if column == "segment" else "vip")
    RatingFactory(touchpoint=touchpoint, segment=segment, external_id=value if column == "external_id" else "k-1",
                  comment=value if column == "comment" else "fine")
    stored = {"moment": value, "external_id": value, "comment": value, "segment": slug, "touchpoint_key": slug}
    cell = export(moment.cycle)[0][column]
    assert cell == "'" + stored[column]
    result = ratings_import_csv(organization=touchpoint.organization,
                                file=io.BytesIO("".join(csv_io.ratings_export_lines(cycle=moment.cycle)).encode()))
    assert (result.created, result.duplicate) == (0, 1)


@pytest.mark.parametrize(("stored", "written"), [
    ("plain", "plain"), ("", ""), ("=1", "'=1"), ("''", "'''"), ("a=b", "a=b"), ("'", "''"),
])
def test_escaping_is_undone_exactly_on_import(stored, written):
    assert csv_io.escape_cell(stored) == written
    assert csv_io.unescape_cell(written) == stored


def test_an_upload_through_the_api_answers_conflicts_by_line(touchpoint):
    client = token_client(touchpoint.organization)
    first = HEADER + "bag-drop,4,2026-11-20T09:00:00Z,Fine,k-1\n"
    assert client.post("/api/v1/ratings/csv/", {"file": SimpleUploadedFile("a.csv", first.encode())},
                       format="multipart").status_code == 201
    again = HEADER + "bag-drop,4,2026-11-20T09:00:00Z,Changed,k-1\n"
    response = client.post("/api/v1/ratings/csv/", {"file": SimpleUploadedFile("b.csv", again.encode())},
                           format="multipart")
    assert response.status_code == 400
    assert [(error["line"], error["code"]) for error in response.json()["errors"]] == [(2, "external_id_conflict")]
    assert "comment" in response.json()["errors"][0]["message"]
