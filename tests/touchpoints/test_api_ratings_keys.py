"""external_id is a promise about content: a replay must repeat the rating (409 or an
item error otherwise), blank keys are refused, and unkeyed ratings get a server key."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError

from tests.api_support import token_client
from tests.factories import SegmentFactory, TouchpointFactory
from touchpoints.models import SERVER_KEY, Rating
from touchpoints.services import rating_record, ratings_record

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


def rating(touchpoint, /, **fields) -> dict:
    return {"touchpoint": touchpoint.pk, "score": 4, "occurred_at": "2026-11-20T09:30:00+01:00",
            "comment": "Fine", "first_contact_resolved": True, "external_id": "s-1", **fields}


# --- Same key, same content: a replay; different content: a conflict (issue 13, item 11) ----


def test_a_true_replay_answers_200_with_the_stored_rating(client, touchpoint):
    first = post(client, RATINGS, rating(touchpoint))
    again = post(client, RATINGS, rating(touchpoint))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["id"] == first.json()["id"]
    assert Rating.objects.count() == 1


def test_a_replay_that_leaves_occurred_at_out_is_a_replay(client, touchpoint):
    body = {"touchpoint": touchpoint.pk, "score": 4, "external_id": "no-date"}
    assert post(client, RATINGS, body).status_code == 201
    assert post(client, RATINGS, body).status_code == 200


@pytest.mark.parametrize(("field", "change"), [
    ("touchpoint", "other touchpoint"),
    ("score", 2),
    ("occurred_at", "2026-11-20T09:31:00+01:00"),
    ("segment", "business"),
    ("comment", "Slow"),
    ("first_contact_resolved", False),
])
def test_the_same_external_id_with_different_content_is_409_with_the_stored_rating(client, touchpoint, field,
                                                                                    change):
    SegmentFactory(organization=touchpoint.organization, key="business")
    if change == "other touchpoint":
        change = TouchpointFactory(moment=touchpoint.moment).pk
    first = post(client, RATINGS, rating(touchpoint))
    response = post(client, RATINGS, rating(touchpoint, **{field: change}))
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "external_id_conflict" and body["fields"] == [field]
    assert body["rating"] == {key: value for key, value in first.json().items() if key != "duplicate"}
    assert "s-1" in body["detail"] and field in body["detail"]
    assert Rating.objects.count() == 1 and Rating.objects.get().score == 4


def test_the_same_instant_in_another_offset_is_the_same_content(client, touchpoint):
    assert post(client, RATINGS, rating(touchpoint)).status_code == 201
    assert post(client, RATINGS, rating(touchpoint, occurred_at="2026-11-20T08:30:00Z")).status_code == 200


def test_a_batch_item_conflicting_with_a_stored_rating_writes_nothing_of_the_batch(client, touchpoint):
    assert post(client, RATINGS, rating(touchpoint, external_id="stored")).status_code == 201
    items = [rating(touchpoint, external_id="a-new"), rating(touchpoint, external_id="stored", score=1),
             rating(touchpoint, external_id="z-new")]
    response = post(client, BATCH, {"ratings": items})
    assert response.status_code == 400, response.content
    assert [(error["index"], error["field"], error["code"]) for error in response.json()["errors"]] == [
        (1, "external_id", "external_id_conflict")]
    assert "score" in response.json()["errors"][0]["message"]
    assert list(Rating.objects.values_list("external_id", flat=True)) == ["stored"]


def test_two_items_of_a_batch_with_one_key_and_different_content_are_refused(client, touchpoint):
    items = [rating(touchpoint, external_id="twice"), rating(touchpoint), rating(touchpoint, external_id="twice",
                                                                                 comment="Other")]
    response = post(client, BATCH, {"ratings": items})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["index"], error["field"], error["code"]) == (2, "external_id", "external_id_repeated_item")
    assert "item 0" in error["message"] and "comment" in error["message"]
    assert not Rating.objects.exists()


def test_two_items_of_a_batch_with_one_key_and_the_same_content_make_one_rating(client, touchpoint):
    response = post(client, BATCH, {"ratings": [rating(touchpoint), rating(touchpoint)]})
    assert response.status_code == 201
    assert (response.json()["created"], response.json()["duplicate"]) == (1, 1)
    assert Rating.objects.count() == 1


def test_the_service_refuses_a_replay_with_different_content(touchpoint):
    rating_record(touchpoint=touchpoint, score=2, external_id="survey-1")
    with pytest.raises(ValidationError) as error:
        rating_record(touchpoint=touchpoint, score=5, external_id="survey-1")
    assert "external_id" in error.value.message_dict
    with pytest.raises(ValidationError):
        ratings_record(organization=touchpoint.organization, rows=[
            {"touchpoint": touchpoint, "score": 3, "external_id": "fresh"},
            {"touchpoint": touchpoint, "score": 5, "external_id": "survey-1"},
        ])
    assert list(Rating.objects.values_list("external_id", "score")) == [("survey-1", 2)]


# --- Blank keys are refused; no key gets a server key (item 12) --------------------------------


@pytest.mark.parametrize("blank", ["", " ", "\t", "   \n"])
def test_a_blank_external_id_is_refused_and_nothing_is_written(client, touchpoint, blank):
    single = post(client, RATINGS, rating(touchpoint, external_id=blank))
    assert single.status_code == 400 and "external_id" in single.json()
    batch = post(client, BATCH, {"ratings": [rating(touchpoint, external_id="ok"),
                                             rating(touchpoint, external_id=blank)]})
    assert batch.status_code == 400
    assert [(error["index"], error["code"]) for error in batch.json()["errors"]] == [(1, "external_id_blank")]
    assert not Rating.objects.exists()


@pytest.mark.parametrize("key", ["momento:1", "momento:" + "g" * 32, "MOMENTO:" + "0" * 32, "momento:"])
def test_a_client_key_in_the_servers_format_but_not_its_own_is_refused(client, touchpoint, key):
    response = post(client, RATINGS, rating(touchpoint, external_id=key))
    assert response.status_code == 400 and "momento:" in response.json()["external_id"][0]
    assert not Rating.objects.exists()


def test_a_rating_without_a_key_gets_a_stable_server_key(client, touchpoint):
    first = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 3})
    second = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 3, "external_id": None})
    keys = [first.json()["external_id"], second.json()["external_id"]]
    assert all(SERVER_KEY.fullmatch(key) for key in keys) and keys[0] != keys[1]
    assert keys[0] < keys[1]  # time-ordered, so new keys land together in the unique index
    assert sorted(Rating.objects.values_list("external_id", flat=True)) == sorted(keys)
    listed = client.get(RATINGS).json()["results"]
    assert {item["external_id"] for item in listed} == set(keys)
    # The server's key replays like any other.
    replay = post(client, RATINGS, {"touchpoint": touchpoint.pk, "score": 3, "external_id": keys[0]})
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]


def test_batches_and_the_orm_give_every_unkeyed_rating_its_own_key(client, touchpoint):
    post(client, BATCH, {"ratings": [{"touchpoint": touchpoint.pk, "score": 3}] * 3})
    ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 2}])
    Rating.objects.create(organization=touchpoint.organization, touchpoint=touchpoint, scale="csat5", score=1,
                          normalized=0, dissatisfied=True, occurred_at="2026-11-01T10:00:00Z")
    keys = list(Rating.objects.values_list("external_id", flat=True))
    assert len(keys) == len(set(keys)) == 5
    assert all(re.fullmatch(r"momento:[0-9a-f]{32}", key) for key in keys)
