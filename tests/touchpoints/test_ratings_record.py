import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import MomentFactory, SegmentFactory, TouchpointFactory
from touchpoints.models import Rating
from touchpoints.services import RatingsInvalid, rating_record, ratings_record, touchpoint_add

pytestmark = pytest.mark.django_db

NOW = timezone.now


@pytest.mark.parametrize(
    ("scale", "score", "normalized", "dissatisfied"),
    [("csat5", 2, 25.0, True), ("stars5", 5, 100.0, False), ("nps11", 6, 60.0, True),
     ("ces7", 4, 50.0, False), ("thumbs2", 0, 0.0, True)],
)
def test_rating_is_normalised_on_its_touchpoints_scale(scale, score, normalized, dissatisfied):
    touchpoint = TouchpointFactory(scale=scale)
    rating, created = rating_record(touchpoint=touchpoint, score=score, occurred_at=NOW())
    rating.refresh_from_db()
    assert created
    assert (rating.scale, rating.normalized, rating.dissatisfied) == (scale, pytest.approx(normalized), dissatisfied)


def test_out_of_range_score_writes_nothing():
    touchpoint = TouchpointFactory(scale="csat5")
    with pytest.raises(ValidationError) as error:
        rating_record(touchpoint=touchpoint, score=6)
    assert "score" in error.value.message_dict
    assert not Rating.objects.exists()


def test_score_of_the_wrong_type_is_refused():
    touchpoint = TouchpointFactory()
    for bad in ("4", 4.0, True, None):
        with pytest.raises(ValidationError):
            rating_record(touchpoint=touchpoint, score=bad)
    assert not Rating.objects.exists()


def test_naive_datetime_is_refused():
    touchpoint = TouchpointFactory()
    with pytest.raises(ValidationError) as error:
        rating_record(touchpoint=touchpoint, score=3, occurred_at=dt.datetime(2026, 11, 1, 10, 0))
    assert "occurred_at" in error.value.message_dict
    assert not Rating.objects.exists()


def test_occurred_at_far_in_the_future_is_refused_and_default_is_now():
    touchpoint = TouchpointFactory()
    with pytest.raises(ValidationError):
        rating_record(touchpoint=touchpoint, score=3, occurred_at=NOW() + dt.timedelta(minutes=10))
    _rating, _ = rating_record(touchpoint=touchpoint, score=3, occurred_at=NOW() + dt.timedelta(minutes=4))
    rating2, _ = rating_record(touchpoint=touchpoint, score=3)
    assert abs((rating2.occurred_at - NOW()).total_seconds()) < 5


def test_unknown_scale_on_a_touchpoint_is_refused():
    with pytest.raises(ValidationError) as error:
        touchpoint_add(moment=MomentFactory(), name="Kiosk", channel="kiosk", scale="likert9")
    assert "scale" in error.value.message_dict


def test_replayed_external_id_returns_the_stored_rating():
    touchpoint = TouchpointFactory()
    first, created = rating_record(touchpoint=touchpoint, score=2, external_id="survey-1")
    again, created_again = rating_record(touchpoint=touchpoint, score=2, external_id="survey-1")
    assert created and not created_again
    assert again.pk == first.pk and again.score == 2
    assert Rating.objects.count() == 1


def test_same_external_id_in_another_organization_is_a_different_rating():
    rating_record(touchpoint=TouchpointFactory(), score=2, external_id="x")
    rating_record(touchpoint=TouchpointFactory(), score=2, external_id="x")
    assert Rating.objects.count() == 2


def test_batch_with_one_bad_row_writes_nothing_and_names_the_row():
    touchpoint = TouchpointFactory()
    rows = [{"touchpoint": touchpoint.pk, "score": 3, "external_id": f"b-{i}"} for i in range(10)]
    rows[7]["score"] = 9
    rows[3]["touchpoint"] = 999999
    with pytest.raises(RatingsInvalid) as error:
        ratings_record(organization=touchpoint.organization, rows=rows)
    assert set(error.value.errors_by_index) == {3, 7}
    assert "score" in error.value.errors_by_index[7]
    assert "touchpoint" in error.value.errors_by_index[3]
    assert not Rating.objects.exists()


def test_batch_counts_created_and_duplicate_rows():
    touchpoint = TouchpointFactory()
    organization = touchpoint.organization
    ratings_record(organization=organization, rows=[{"touchpoint": touchpoint.pk, "score": 3, "external_id": "a"}])
    result = ratings_record(organization=organization, rows=[
        {"touchpoint": touchpoint.pk, "score": 3, "external_id": "a"},
        {"touchpoint": touchpoint.pk, "score": 4, "external_id": "b"},
        {"touchpoint": touchpoint.pk, "score": 4, "external_id": "b"},
        {"touchpoint": touchpoint.pk, "score": 1},
    ])
    assert (result.created_count, result.duplicate_count) == (2, 2)
    assert Rating.objects.count() == 3


def test_touchpoint_of_another_organization_is_unknown():
    mine, theirs = TouchpointFactory(), TouchpointFactory()
    with pytest.raises(RatingsInvalid):
        ratings_record(organization=mine.organization, rows=[{"touchpoint": theirs.pk, "score": 3}])


def test_segment_of_another_organization_is_refused():
    touchpoint = TouchpointFactory()
    with pytest.raises(ValidationError):
        rating_record(touchpoint=touchpoint, score=3, segment=SegmentFactory())


def test_database_refuses_a_score_outside_its_scale():
    touchpoint = TouchpointFactory(scale="thumbs2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            organization=touchpoint.organization, touchpoint=touchpoint, scale="thumbs2", score=3,
            normalized=50, dissatisfied=False, occurred_at=NOW(),
        )


def test_database_refuses_a_duplicate_external_id():
    touchpoint = TouchpointFactory()
    rating_record(touchpoint=touchpoint, score=3, external_id="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            organization=touchpoint.organization, touchpoint=touchpoint, scale="csat5", score=3,
            normalized=50, dissatisfied=False, occurred_at=NOW(), external_id="dup",
        )


def test_touchpoint_key_is_derived_and_unique_per_organization():
    moment = MomentFactory(name="Check-in")
    first = touchpoint_add(moment=moment, name="Kiosk", channel="kiosk")
    second = touchpoint_add(moment=moment, name="Kiosk", channel="kiosk")
    assert first.key == "check-in-kiosk" and second.key == "check-in-kiosk-2"
    with pytest.raises(ValidationError):
        touchpoint_add(moment=moment, name="Other", channel="web", key="check-in-kiosk")
    with pytest.raises(ValidationError):
        touchpoint_add(moment=moment, name="Other", channel="fax")


@pytest.mark.django_db
def test_ingestion_itself_refuses_a_batch_over_the_limit_and_writes_nothing(settings):
    from touchpoints.services import BatchTooLarge, ratings_ingest

    touchpoint = TouchpointFactory(scale="csat5")
    settings.MOMENTO_MAX_BATCH = 3
    rows = [{"touchpoint": touchpoint.pk, "score": 3} for _ in range(4)]
    with pytest.raises(BatchTooLarge) as refused:
        ratings_ingest(organization=touchpoint.organization, rows=rows)
    assert "at most 3" in refused.value.messages[0]
    assert not Rating.objects.exists()
    assert ratings_ingest(organization=touchpoint.organization, rows=rows[:3]).created_count == 3


@pytest.mark.parametrize("text", [
    'a "quoted" word', "back\\slash \\\" and \\\\", "{braces},commas", "NULL", "", " blank edges ",
    "línea\nnueva\ttab", "emoji 😀 and ' apostrophe", "x" * 10_000,
])
def test_text_that_looks_like_array_syntax_is_stored_exactly(text):
    # The PostgreSQL fast path sends each column as one array literal; no text may change its shape.
    touchpoint = TouchpointFactory()
    external_id = ("id " + text)[:128]
    result = ratings_record(organization=touchpoint.organization, rows=[
        {"touchpoint": touchpoint, "score": 2, "comment": text, "external_id": external_id},
        {"touchpoint": touchpoint, "score": 4, "comment": "next", "external_id": "next"},
    ])
    stored = Rating.objects.get(pk=result.ids[0])
    assert (stored.comment, stored.external_id, stored.score) == (text, external_id, 2)
    assert Rating.objects.get(pk=result.ids[1]).comment == "next"
