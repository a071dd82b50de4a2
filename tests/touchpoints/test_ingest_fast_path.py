"""The ratings batch's fast paths take only what the careful paths take, and give the same.

`RowValidator._plain` handles the usual item in one frame and leaves anything
unusual to `RowValidator._checked`; `json_body_parse` reads bodies with orjson
where its reading cannot differ from json.loads'; the INSERT sends instants as
microseconds since 1970 (issue 20: HTTP ingest against the minimal COPY).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from momento.request_guard import UnsafeJson, json_body_parse
from tests.factories import SegmentFactory, TouchpointFactory
from touchpoints.ingest import INTERNAL_FIELDS, Catalogue, RowValidator
from touchpoints.models import Rating
from touchpoints.services import ratings_ingest

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
MADRID = dt.timezone(dt.timedelta(hours=1))

_INSTANTS = st.one_of(
    st.datetimes(min_value=dt.datetime(1969, 12, 31), max_value=dt.datetime(2026, 12, 7, 12, 10),
                 timezones=st.sampled_from([dt.UTC, MADRID])).map(dt.datetime.isoformat),
    st.sampled_from(["2026-12-01T10:00:00Z", "2026-12-01T10:00:00", "2026-12-01", " 2026-12-01T10:00:00+00:00 ",
                     "2026-W49-1T10:00:00+00:00", "yesterday", "", "1969-12-31T23:59:59.999999+00:00",
                     "1970-01-01T00:00:00+00:00", "2026-12-07T12:05:00+00:00", "2026-12-07T12:05:00.000001+00:00"]),
    st.integers(), st.none(), st.booleans(),
)


def _rows(touchpoint_ids: list[int], segment_ids: list[int], segment_keys: list[str]):
    """A usual item with up to three fields made unusual, wrong or left out."""
    usual = st.fixed_dictionaries({
        "touchpoint": st.sampled_from(touchpoint_ids),
        "score": st.integers(0, 10),
        "occurred_at": st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2026, 12, 7, 12, 4),
                                    timezones=st.just(dt.UTC)).map(dt.datetime.isoformat),
        "external_id": st.text(min_size=1, max_size=12),
    }, optional={
        "segment": st.sampled_from(segment_ids + segment_keys + [None]),
        "comment": st.one_of(st.text(max_size=20), st.none()),
        "first_contact_resolved": st.one_of(st.none(), st.booleans()),
    })
    unusual = {
        "touchpoint": st.one_of(st.integers(-2, 10**6), st.booleans(), st.floats(0, 3), st.text(max_size=3),
                                st.none()),
        "touchpoint_key": st.one_of(st.none(), st.text(max_size=4)),
        "score": st.one_of(st.integers(-1, 12), st.booleans(), st.floats(0, 5), st.sampled_from(["3", None])),
        "occurred_at": _INSTANTS,
        "segment": st.one_of(st.integers(0, 10**6), st.sampled_from(["", "a\x00", "nobody", True, 1.0, None])),
        "comment": st.one_of(st.text(max_size=20), st.sampled_from(["", None, 5, "x" * 10_001, "a\x00b"])),
        "first_contact_resolved": st.sampled_from([0, 1, "yes", None]),
        "external_id": st.one_of(st.none(), st.text(max_size=10), st.sampled_from(
            ["", "  ", "k" * 129, "k" * 128, "momento:" + "a" * 32, "MOMENTO:x", "a\x00", 7])),
        "customer": st.one_of(st.none(), st.sampled_from(["booking-1", "", 5])),
        "source": st.sampled_from(["api", "csv", "form", "other"]),
        "colour": st.just("red"),
    }

    @st.composite
    def rows(draw):
        row = draw(usual)
        for name in draw(st.sets(st.sampled_from(sorted(unusual)), max_size=3)):
            if draw(st.booleans()) and name in row:
                del row[name]
            else:
                row[name] = draw(unusual[name])
        return row

    return rows()


@pytest.fixture
def catalogue(db):
    touchpoint = TouchpointFactory(scale="csat5")
    TouchpointFactory(moment=touchpoint.moment, scale="nps11")
    SegmentFactory(organization=touchpoint.organization, key="business")
    return Catalogue.whole(organization_id=touchpoint.organization_id)


@pytest.mark.django_db
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_plain_path_takes_only_what_the_checked_path_takes_and_gives_the_same(catalogue, data):
    fields = data.draw(st.sampled_from([None, INTERNAL_FIELDS]))
    validator = RowValidator(catalogue=catalogue, now=NOW, **({"allowed_fields": fields} if fields else {}))
    row = data.draw(_rows(list(catalogue.touchpoints_by_id), list(catalogue.segments_by_id),
                          list(catalogue.segments_by_key)))
    checked = validator._checked(row)
    plain = validator._plain(row)
    if plain is not None:
        # repr: equal instants in two time zones compare equal; the stored one is UTC.
        assert repr(checked) == repr((plain, {}))
    assert repr(validator(row)) == repr(checked)


EDGES = {
    "touchpoint": [0, -1, 10**6, True, 1.0, "1", None, [1]],
    "touchpoint_key": [None, "", "nope"],
    "score": [-1, 0, 1, 5, 6, 10, 11, True, 3.0, "3", None],
    "occurred_at": ["1969-12-31T23:59:59.999999+00:00", "1970-01-01T00:00:00+00:00", "2026-12-07T12:05:00+00:00",
                    "2026-12-07T12:05:00.000001+00:00", "2026-12-01T11:00:00+01:00", "2026-12-01T10:00:00Z",
                    "2026-12-01T10:00:00", "2026-12-01", " 2026-12-01T10:00:00+00:00", "2026-W49-1T10:00:00+00:00",
                    "", None, 0, True],
    "segment": [None, "", "business", "nobody", "a\x00", 0, 10**6, True, 1.0, [1]],
    "comment": [None, "", "ok", 5, "x" * 10_000, "x" * 10_001, "a\x00b"],
    "first_contact_resolved": [None, True, False, 0, 1, "yes"],
    "external_id": [None, "", "  ", "k", "k" * 128, "k" * 129, "momento:" + "a" * 32, "momento:x", "MOMENTO:x",
                    "a\x00", 7],
    "customer": [None, "booking-1", "", 5],
    "source": ["api", "csv", "other"],
    "colour": ["red"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("fields", [None, INTERNAL_FIELDS], ids=["api", "internal"])
def test_each_edge_alone_takes_the_same_path_to_the_same_answer(catalogue, fields):
    validator = RowValidator(catalogue=catalogue, now=NOW, **({"allowed_fields": fields} if fields else {}))
    touchpoint = next(pk for pk, ref in catalogue.touchpoints_by_id.items() if ref.scale == "csat5")
    usual = {"touchpoint": touchpoint, "score": 3, "occurred_at": "2026-12-01T10:00:00+00:00", "external_id": "e",
             "segment": "business", "comment": "bien", "first_contact_resolved": True}
    for name, values in EDGES.items():
        for value in [*values, "left out"]:
            row = dict(usual)
            if value == "left out":
                row.pop(name, None)
            else:
                row[name] = value
            plain, checked = validator._plain(row), validator._checked(row)
            if plain is not None:
                assert repr(checked) == repr((plain, {})), (name, value)
            assert repr(validator(row)) == repr(checked), (name, value)


@pytest.mark.django_db
def test_a_rest_clients_usual_items_take_the_plain_path(catalogue):
    validator = RowValidator(catalogue=catalogue, now=NOW)
    touchpoint = next(iter(catalogue.touchpoints_by_id))
    usual = [
        {"touchpoint": touchpoint, "score": 2, "occurred_at": "2026-12-01T10:00:00.250000+00:00",
         "external_id": "b-1", "segment": "business", "comment": "Lost my bag", "first_contact_resolved": False},
        {"touchpoint": touchpoint, "score": 5},
        {"touchpoint": touchpoint, "score": 4, "occurred_at": "2026-12-01T10:00:00Z", "segment": None},
    ]
    for row in usual:
        assert validator._plain(row) is not None, row
    # A customer reference is hashed by the checked path.
    assert validator._plain({"touchpoint": touchpoint, "score": 4, "customer": "c-1"}) is None


@pytest.mark.django_db
def test_instants_are_stored_to_the_microsecond():
    touchpoint = TouchpointFactory(scale="csat5")
    instants = [
        dt.datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
        dt.datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 1, 30, 0, 123_457, tzinfo=dt.UTC),
        (timezone.now() - dt.timedelta(seconds=1)).astimezone(MADRID),
    ]
    rows = [{"touchpoint": touchpoint.pk, "score": 3, "occurred_at": instant.isoformat(), "external_id": f"t-{i}"}
            for i, instant in enumerate(instants)]
    result = ratings_ingest(organization=touchpoint.organization, rows=rows)
    stored = dict(Rating.objects.filter(pk__in=result.ids).values_list("external_id", "occurred_at"))
    assert [stored[f"t-{i}"] for i in range(len(instants))] == instants
    # A replay of the same instants is a replay, not a conflict.
    assert ratings_ingest(organization=touchpoint.organization, rows=rows).duplicate_count == len(rows)


@pytest.mark.parametrize("body, expected", [
    # Integers past 64 bits stay integers (orjson would read them as floats).
    (b'{"touchpoint": 123456789012345678901234567890}', {"touchpoint": 123456789012345678901234567890}),
    (b'[18446744073709551616, -9223372036854775809]', [18446744073709551616, -9223372036854775809]),
    (b'{"comment": "\\ud83d\\ude00 bien", "n": 1.5e300}', {"comment": "\N{GRINNING FACE} bien", "n": 1.5e300}),
    (b'{"n": 1e400}', {"n": float("inf")}),
])
def test_bodies_read_as_json_loads_reads_them(body, expected):
    assert json_body_parse(body) == expected == json.loads(body)


@pytest.mark.parametrize("body, code, path", [
    # An emoji (a surrogate pair) beside a lone surrogate: the lone one is still found.
    (b'{"ratings": [{"comment": "\\ud83d\\ude00"}, {"comment": "ok \\udc00"}]}', "unpaired_surrogate",
     ("ratings", 1, "comment")),
    (b'{"ratings": [{"comment": "a\\u0000"}]}', "null_characters_not_allowed", ("ratings", 0, "comment")),
    (b'{"a": NaN}', "parse_error", ()),
    (b'\xef\xbb\xbf{}', "parse_error", ()),
    (b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "too_deep", ("a",)),
])
def test_bodies_refused_as_before(body, code, path):
    with pytest.raises(UnsafeJson) as refused:
        json_body_parse(body)
    assert refused.value.code == code
    if code != "parse_error":
        assert refused.value.path[:len(path)] == path
