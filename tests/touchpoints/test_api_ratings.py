"""Rating ingestion through /api/v1/ratings/: single, batch, replays, bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from journeys.models import Membership
from tests.api_support import member_client, token_client
from tests.factories import RatingFactory, SegmentFactory, TouchpointFactory
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db

RATINGS = "/api/v1/ratings/"
BATCH = "/api/v1/ratings/batch/"


@pytest.fixture
def touchpoint():
    return TouchpointFactory(scale="csat5", key="check-in-kiosk")


@pytest.fixture
def client(touchpoint):
    return token_client(touchpoint.organization)


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_one_rating_by_touchpoint_key_is_stored_and_normalised(client, touchpoint):
    response = post(client, RATINGS, {
        "touchpoint_key": "check-in-kiosk", "score": 2, "occurred_at": "2026-11-20T09:30:00+01:00",
        "comment": "Queue too long", "first_contact_resolved": False, "external_id": "s-1",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["duplicate"] is False
    assert body["touchpoint"] == touchpoint.pk and body["touchpoint_key"] == "check-in-kiosk"
    rating = Rating.objects.get()
    assert (rating.score, rating.normalized, rating.dissatisfied, rating.source) == (2, 25.0, True, "api")
    assert rating.occurred_at == dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)
    assert rating.organization_id == touchpoint.organization_id


def test_occurred_at_defaults_to_now(client, touchpoint):
    response = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 5})
    assert response.status_code == 201
    assert abs((Rating.objects.get().occurred_at - timezone.now()).total_seconds()) < 10


def test_replayed_external_id_returns_the_stored_rating(client, touchpoint):
    first = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 2, "external_id": "survey-9"})
    again = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 2, "external_id": "survey-9"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"] and again.json()["score"] == 2
    assert Rating.objects.count() == 1


def test_segment_by_key_or_id(client, touchpoint):
    segment = SegmentFactory(organization=touchpoint.organization, key="business")
    by_key = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 4, "segment": "business"})
    by_id = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 4, "segment": segment.pk})
    assert by_key.status_code == by_id.status_code == 201
    assert Rating.objects.filter(segment=segment).count() == 2


def test_batch_mixing_new_and_replayed_items_counts_both(client, touchpoint):
    post(client, BATCH, {"ratings": [{"touchpoint": touchpoint.pk, "score": 3, "external_id": "a"}]})
    response = post(client, BATCH, {"ratings": [
        {"touchpoint": touchpoint.pk, "score": 3, "external_id": "a"},
        {"touchpoint_key": touchpoint.key, "score": 4, "external_id": "b"},
        {"touchpoint_key": touchpoint.key, "score": 4, "external_id": "b"},
        {"touchpoint": touchpoint.pk, "score": 1},
    ]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["duplicate"]) == (2, 2)
    assert body["duplicate_indexes"] == [0, 2]
    stored = dict(Rating.objects.values_list("external_id", "pk").exclude(external_id=None))
    assert body["ids"][:3] == [stored["a"], stored["b"], stored["b"]]
    assert Rating.objects.count() == 3


def test_batch_of_only_replays_answers_200(client, touchpoint):
    items = {"ratings": [{"touchpoint": touchpoint.pk, "score": 3, "external_id": f"r-{i}"} for i in range(3)]}
    assert post(client, BATCH, items).status_code == 201
    again = post(client, BATCH, items)
    assert again.status_code == 200 and again.json()["duplicate"] == 3
    assert Rating.objects.count() == 3


def test_batch_of_5000_is_a_handful_of_queries(client, touchpoint, django_assert_max_num_queries):
    segment = SegmentFactory(organization=touchpoint.organization, key="leisure")
    items = [{"touchpoint_key": touchpoint.key, "score": 1 + i % 5, "segment": "leisure",
              "occurred_at": "2026-11-01T10:00:00Z", "external_id": f"big-{i}"} for i in range(5000)]
    with django_assert_max_num_queries(16):  # 4 of them: the write slot taken, its savepoint, both given back
        response = post(client, BATCH, {"ratings": items})
    assert response.status_code == 201
    assert response.json()["created"] == 5000
    assert Rating.objects.filter(segment=segment).count() == 5000


def test_batch_with_bad_items_writes_nothing_and_lists_errors_by_index(client, touchpoint):
    other = TouchpointFactory()
    items = [{"touchpoint": touchpoint.pk, "score": 3, "external_id": f"x-{i}"} for i in range(10)]
    items[2]["score"] = 6
    items[4]["touchpoint"] = other.pk
    items[7]["occurred_at"] = "2026-11-01T10:00:00"
    response = post(client, BATCH, {"ratings": items})
    assert response.status_code == 400
    errors = {(error["index"], error["field"]) for error in response.json()["errors"]}
    assert errors == {(2, "score"), (4, "touchpoint"), (7, "occurred_at")}
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"touchpoint": 999_999_999}, "touchpoint"),
        ({"touchpoint_key": "no-such-key"}, "touchpoint_key"),
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "4"}, "score"),
        ({"score": 4.0}, "score"),
        ({"score": True}, "score"),
        ({"occurred_at": "2026-11-01T10:00:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": 1700000000}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+05:00"}, "occurred_at"),
        ({"segment": "nobody"}, "segment"),
        ({"first_contact_resolved": "yes"}, "first_contact_resolved"),
        ({"external_id": 12}, "external_id"),
        ({"external_id": "x" * 129}, "external_id"),
        ({"comment": "bad\x00byte"}, "comment"),
        ({"source": "csv"}, "source"),
        ({"scroe": 4}, "scroe"),
    ],
)
def test_single_bad_rating_is_400_naming_the_field_and_writes_nothing(client, touchpoint, change, field):
    body = {"touchpoint": touchpoint.pk, "score": 4, **change}
    if "touchpoint_key" in change:
        del body["touchpoint"]
    response = post(client, RATINGS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Rating.objects.exists()


def test_occurred_at_more_than_five_minutes_ahead_is_refused(client, touchpoint):
    soon = (timezone.now() + dt.timedelta(minutes=4)).isoformat()
    later = (timezone.now() + dt.timedelta(minutes=6)).isoformat()
    assert post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 4, "occurred_at": soon}).status_code == 201
    refused = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 4, "occurred_at": later})
    assert refused.status_code == 400 and "occurred_at" in refused.json()
    assert Rating.objects.count() == 1


def test_touchpoint_of_another_organization_is_unknown(client):
    theirs = TouchpointFactory(key="their-kiosk")
    by_id = post(client, RATINGS, {"touchpoint": theirs.pk, "score": 4})
    by_key = post(client, RATINGS, {"touchpoint_key": "their-kiosk", "score": 4})
    assert by_id.status_code == by_key.status_code == 400
    assert not Rating.objects.exists()


@pytest.mark.parametrize("ratings", [[], None, "nope", {"a": 1}])
def test_empty_or_malformed_batch_is_refused(client, ratings):
    response = post(client, BATCH, {"ratings": ratings})
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_batch_over_5000_is_refused(client, touchpoint):
    items = [{"touchpoint": touchpoint.pk, "score": 3} for _ in range(5001)]
    response = post(client, BATCH, {"ratings": items})
    assert response.status_code == 400 and "5000" in response.json()["detail"]
    assert not Rating.objects.exists()


def test_malformed_json_is_400(client):
    response = client.post(BATCH, data='{"ratings": [{"score": 3,]}', content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    assert client.post(RATINGS, data="NaN", content_type="application/json").status_code == 400


def test_unpaired_surrogate_is_400_not_a_database_error(client, touchpoint):
    body = '{"touchpoint": ' + str(touchpoint.pk) + ', "score": 3, "comment": "\\ud800"}'
    assert client.post(RATINGS, data=body, content_type="application/json").status_code == 400
    assert not Rating.objects.exists()


def test_oversize_body_is_413_and_writes_nothing(client, touchpoint, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000
    items = [{"touchpoint": touchpoint.pk, "score": 3, "comment": "x" * 100} for _ in range(5000)]
    response = post(client, BATCH, {"ratings": items})
    assert response.status_code == 413
    assert not Rating.objects.exists()


def test_default_body_limit_takes_a_full_batch_with_comments_but_not_ten_times_more(client, touchpoint):
    items = [{"touchpoint_key": touchpoint.key, "score": 3, "occurred_at": "2026-11-01T10:00:00+00:00",
              "comment": "c" * 300, "external_id": f"long-{i:06d}"} for i in range(5000)]
    assert post(client, BATCH, {"ratings": items}).status_code == 201
    huge = [dict(item, comment="c" * 4000) for item in items]
    assert post(client, BATCH, {"ratings": huge}).status_code == 413
    assert Rating.objects.count() == 5000


def test_read_only_token_cannot_ingest_and_ingest_token_cannot_read(touchpoint):
    reader = token_client(touchpoint.organization, scopes=["read"])
    writer = token_client(touchpoint.organization, scopes=["ingest"])
    assert post(reader, RATINGS, {"touchpoint": touchpoint.pk, "score": 3}).status_code == 403
    assert writer.get(RATINGS).status_code == 403
    assert reader.get(RATINGS).status_code == 200
    assert not Rating.objects.exists()


def test_anonymous_is_401_with_bearer_challenge(touchpoint):
    from rest_framework.test import APIClient

    response = APIClient().post(RATINGS, {"touchpoint": touchpoint.pk, "score": 3}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_viewer_session_cannot_ingest_but_cx_manager_can(touchpoint):
    viewer = member_client(touchpoint.organization, role=Membership.Role.VIEWER)
    manager = member_client(touchpoint.organization, role=Membership.Role.CX_MANAGER)
    assert post(viewer, RATINGS, {"touchpoint": touchpoint.pk, "score": 3}).status_code == 403
    assert post(manager, RATINGS, {"touchpoint": touchpoint.pk, "score": 3}).status_code == 201


def test_session_user_in_two_organizations_must_choose_one(touchpoint):
    other = TouchpointFactory()
    manager = member_client(touchpoint.organization)
    from tests.factories import MembershipFactory

    MembershipFactory(user=manager.user, organization=other.organization)
    body = {"touchpoint": touchpoint.pk, "score": 3}
    assert post(manager, RATINGS, body).status_code == 400
    chosen = post(manager, f"{RATINGS}?organization={touchpoint.organization_id}", body)
    assert chosen.status_code == 201
    assert post(manager, f"{RATINGS}?organization=987654", body).status_code == 404


def test_list_is_cursor_paginated_filtered_and_scoped(client, touchpoint, django_assert_max_num_queries):
    for score in range(1, 6):
        RatingFactory(touchpoint=touchpoint, score=score)
    RatingFactory()  # another organization
    with django_assert_max_num_queries(4):
        page = client.get(RATINGS, {"page_size": 2})
    assert page.status_code == 200
    body = page.json()
    assert len(body["results"]) == 2 and body["next"]
    assert client.get(RATINGS, {"dissatisfied": "true"}).json()["results"].__len__() == 2
    seen = []
    url = RATINGS + "?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(Rating.objects.filter(organization=touchpoint.organization).values_list("pk", flat=True))
    assert client.get(RATINGS, {"cycle": "abc"}).status_code == 400


def test_rating_of_another_organization_is_404(client):
    theirs = RatingFactory()
    assert client.get(f"{RATINGS}{theirs.pk}/").status_code == 404


def test_time_filters_are_compared_in_utc_whatever_the_offset(touchpoint):
    client = token_client(touchpoint.organization, scopes=["read"])
    instant = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    RatingFactory(touchpoint=touchpoint, occurred_at=instant)
    # 12:00 UTC is 23:00 at +11:00: the filter must compare instants, not wall times.
    assert len(client.get(RATINGS, {"occurred_after": "2026-03-01T22:59:00+11:00"}).json()["results"]) == 1
    assert len(client.get(RATINGS, {"occurred_after": "2026-03-01T23:01:00+11:00"}).json()["results"]) == 0
    # Python accepts offsets PostgreSQL does not (found by schemathesis): converted, never a 500.
    response = client.get(RATINGS, {"occurred_before": "0277-07-18T02:01:33+20:56"})
    assert response.status_code == 200
    assert client.get(RATINGS, {"occurred_before": "not-a-date"}).status_code == 400


def test_a_comment_of_10000_characters_is_stored_whole_and_a_longer_one_refused(client, touchpoint):
    letter = ("Mi maleta llegó rota y nadie del mostrador supo decirme nada. " * 200)[:10_000]
    response = post(client, RATINGS, {"touchpoint_key": touchpoint.key, "score": 1, "comment": letter})
    assert response.status_code == 201
    assert Rating.objects.get().comment == letter
    response = post(client, RATINGS, {"touchpoint_key": touchpoint.key, "score": 1, "comment": letter + "!"})
    assert response.status_code == 400 and "comment" in response.json()
    assert Rating.objects.count() == 1
