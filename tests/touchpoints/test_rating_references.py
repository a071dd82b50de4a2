"""No rating ever names a touchpoint or segment that is gone, without foreign keys in
the database (issue 20, item 2).

Ingestion locks what it references inside its transaction; on PostgreSQL a
trigger deletes a deleted touchpoint's ratings (and clears a deleted segment)
whatever path deleted it. The races run on PostgreSQL with real threads and
transactions.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.factories import SegmentFactory, TouchpointFactory
from touchpoints.ingest import Catalogue, RowValidator, validate_rows
from touchpoints.ingest_write import ReferencesGone
from touchpoints.models import Rating, Segment, Touchpoint
from touchpoints.services import ratings_ingest, ratings_store, touchpoint_remove

WAIT = 30


def _orphans() -> tuple[int, int]:
    """Ratings whose touchpoint, or whose (non-null) segment, does not exist."""
    return (Rating.objects.exclude(touchpoint_id__in=Touchpoint.objects.values("pk")).count(),
            Rating.objects.filter(segment_id__isnull=False)
            .exclude(segment_id__in=Segment.objects.values("pk")).count())


def _validated(touchpoint, *, count: int, segment=None, prefix: str = "r"):
    rows = [{"touchpoint": touchpoint.pk, "score": 3, "external_id": f"{prefix}-{i}",
             **({"segment": segment.pk} if segment is not None else {})} for i in range(count)]
    catalogue = Catalogue.for_rows(organization_id=touchpoint.organization_id, rows=rows)
    return validate_rows(rows, validator=RowValidator(catalogue=catalogue, now=timezone.now()))


def _in_thread(target) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.django_db
def test_the_ratings_table_has_no_foreign_keys_and_deleting_a_touchpoint_still_takes_its_ratings():
    touchpoint = TouchpointFactory()
    ratings_ingest(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint.pk, "score": 2}] * 3)
    with connection.cursor() as cursor:
        keys = connection.introspection.get_constraints(cursor, Rating._meta.db_table)
    assert not [name for name, constraint in keys.items() if constraint["foreign_key"]]
    touchpoint_remove(touchpoint=touchpoint)
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_a_batch_naming_a_touchpoint_or_segment_deleted_after_validation_writes_nothing():
    touchpoint = TouchpointFactory()
    segment = SegmentFactory(organization=touchpoint.organization)
    kept = TouchpointFactory(organization=touchpoint.organization)
    rows = (_validated(kept, count=2, prefix="kept") + _validated(touchpoint, count=2)
            + _validated(kept, count=1, segment=segment, prefix="segment"))
    Touchpoint.objects.filter(pk=touchpoint.pk).delete()
    Segment.objects.filter(pk=segment.pk).delete()
    with pytest.raises(ReferencesGone) as refused, transaction.atomic():
        ratings_store(organization_id=kept.organization_id, rows=rows, received_at=timezone.now())
    assert [(error.position, error.field, error.code) for error in refused.value.errors()] == [
        (2, "touchpoint", "touchpoint_unknown"), (3, "touchpoint", "touchpoint_unknown"),
        (4, "segment", "segment_unknown")]
    assert [error.position for error in refused.value.errors(positions=[10, 11, 12, 13, 14])] == [12, 13, 14]
    assert Rating.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deleting_a_touchpoint_waits_for_an_ingest_in_flight_and_takes_its_ratings(require_postgres):
    touchpoint = TouchpointFactory()
    rows = _validated(touchpoint, count=50)
    inserted, release = threading.Event(), threading.Event()

    def ingest() -> int:
        with transaction.atomic():
            outcome = ratings_store(organization_id=touchpoint.organization_id, rows=rows,
                                    received_at=timezone.now())
            inserted.set()
            assert release.wait(WAIT)
        return outcome.created_count

    ingesting, ingested = _in_thread(ingest)
    assert inserted.wait(WAIT)
    deleting, deleted = _in_thread(lambda: touchpoint_remove(touchpoint=touchpoint))
    deleting.join(1.0)
    assert deleting.is_alive(), "the deletion waits for the batch that holds the touchpoint"
    release.set()
    ingesting.join(WAIT)
    deleting.join(WAIT)
    assert ingested == {"value": 50} and deleted == {"value": None}
    assert not Touchpoint.objects.filter(pk=touchpoint.pk).exists()
    assert Rating.objects.count() == 0
    assert _orphans() == (0, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_ingest_waiting_on_a_touchpoint_being_deleted_is_refused_and_writes_nothing(require_postgres):
    touchpoint = TouchpointFactory()
    other = TouchpointFactory(organization=touchpoint.organization)
    rows = _validated(other, count=5, prefix="other") + _validated(touchpoint, count=5)
    locked, release = threading.Event(), threading.Event()

    def delete() -> None:
        with transaction.atomic():
            touchpoint_remove(touchpoint=touchpoint)
            locked.set()
            assert release.wait(WAIT)

    def ingest():
        with transaction.atomic():
            return ratings_store(organization_id=touchpoint.organization_id, rows=rows, received_at=timezone.now())

    deleting, _deleted = _in_thread(delete)
    assert locked.wait(WAIT)
    ingesting, ingested = _in_thread(ingest)
    ingesting.join(1.0)
    assert ingesting.is_alive(), "the batch waits for the deletion to end"
    release.set()
    deleting.join(WAIT)
    ingesting.join(WAIT)
    error = ingested.get("error")
    assert error is not None and [gone[0] for gone in error.gone] == [5, 6, 7, 8, 9]
    assert Rating.objects.count() == 0
    assert _orphans() == (0, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_touchpoint_or_segment_deleted_by_any_path_leaves_no_rating_naming_it(require_postgres):
    """Django deletes a touchpoint's ratings before the touchpoint (and clears a
    segment before deleting it); a rating committed in between, or a deletion in
    plain SQL, is caught by the database's triggers."""
    touchpoint = TouchpointFactory()
    segment = SegmentFactory(organization=touchpoint.organization)
    kept = TouchpointFactory(organization=touchpoint.organization)
    ratings_ingest(organization=touchpoint.organization,
                   rows=[{"touchpoint": tp.pk, "score": 2, "segment": segment.pk} for tp in (touchpoint, kept)] * 2)
    table = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table(Touchpoint._meta.db_table)} WHERE id = %s", [touchpoint.pk])
        cursor.execute(f"DELETE FROM {table(Segment._meta.db_table)} WHERE id = %s", [segment.pk])
    assert list(Rating.objects.values_list("touchpoint_id", "segment_id")) == [(kept.pk, None)] * 2
    assert _orphans() == (0, 0)


RATING_INDEXES = {
    # What reads each one: see Rating.Meta and migration 0013.
    "touchpoints_rating_pkey", "rating_unique_external_id_per_org", "rating_touchpoint",
    "rating_commented_by_touchpoint", "rating_occurred_brin", "rating_received_brin", "rating_customer",
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_ratings_table_keeps_only_the_indexes_something_reads_and_its_migration_can_run_again(
        require_postgres):
    import importlib

    migration = importlib.import_module("touchpoints.migrations.0013_cheaper_ratings_table")

    def indexes() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.relname, am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                           "JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = %s::regclass AND i.indisvalid",
                           [Rating._meta.db_table])
            return dict(cursor.fetchall())

    assert set(indexes()) == RATING_INDEXES
    assert indexes()["rating_occurred_brin"] == indexes()["rating_received_brin"] == "brin"
    with connection.schema_editor(atomic=False) as editor:
        migration.postgresql_forwards(editor)  # interrupted and run again: nothing changes
    assert set(indexes()) == RATING_INDEXES
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s", ["%_its_ratings"])
        assert {row[0] for row in cursor.fetchall()} == {"touchpoint_deletes_its_ratings", "segment_clears_its_ratings"}
