"""At most MOMENTO_INGEST_DB_SLOTS batches of ratings are written at once (PostgreSQL);
the others wait for a slot, asleep. A slot is held while writing, not until commit."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings

from tests.factories import TouchpointFactory
from touchpoints.models import Rating
from touchpoints.services import ratings_record
from touchpoints.watermark import INGEST_SLOTS_CLASS, ingest_slot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _writer(entered: list, release: threading.Event) -> threading.Thread:
    def run():
        try:
            with transaction.atomic(), ingest_slot():
                entered.append(time.monotonic())
                release.wait(20)
        finally:
            connections.close_all()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _slots_held() -> int:
    with connection.cursor() as cursor:
        # Advisory locks are per database: the other tests' databases on this server hold their own.
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND granted "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                       [INGEST_SLOTS_CLASS])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("slots, at_once", [(1, 1), (2, 2), (0, 3)])
def test_writers_beyond_the_slots_wait_for_one(require_postgres, slots, at_once):
    entered: list[float] = []
    release = threading.Event()
    with override_settings(MOMENTO_INGEST_DB_SLOTS=slots):
        threads = [_writer(entered, release) for _ in range(3)]
        time.sleep(1.5)
        assert len(entered) == at_once
        release.set()
        for thread in threads:
            thread.join(30)
    assert len(entered) == 3 and _slots_held() == 0


@override_settings(MOMENTO_INGEST_DB_SLOTS=1)
def test_the_slot_is_given_back_before_commit_and_after_an_error(require_postgres):
    touchpoint = TouchpointFactory()
    with transaction.atomic():
        ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 5}])
        assert _slots_held() == 0, "the transaction goes on without it"
        with pytest.raises(RuntimeError), ingest_slot():
            Rating.objects.filter(touchpoint=touchpoint).update(score=1)
            raise RuntimeError("a bug while writing")
        assert _slots_held() == 0
        assert Rating.objects.get(touchpoint=touchpoint).score == 5, "the savepoint rolled back"
