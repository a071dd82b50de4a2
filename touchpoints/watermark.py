"""Make an id-based watermark safe against transactions that commit out of order.

Rating ids come from a sequence, and sequences hand out numbers at INSERT time,
not at COMMIT time: a batch that took id 1000 may commit after a batch that took
id 1001. A rollup run that read "everything up to max(id) = 1001" and moved its
watermark there would skip id 1000 for ever.

The fix is a pair of PostgreSQL advisory locks on one key:

* every ingest transaction holds the key *shared* from its INSERT until commit
  (`ingest_guard()`), so ingests never wait for each other;
* the rollup job takes the key *exclusively* for an instant, only to read
  max(id) (`committed_max_rating_id()`). It has to wait until every ingest that
  was in flight has committed or rolled back, so every id ≤ the max it reads is
  final, and later ingests get larger ids (the sequence only moves forward).

Both are transaction-level locks (`pg_advisory_xact_lock*`): they go away at
commit or rollback, so a crashed process can never leave one behind.

SQLite serialises writers anyway (one write transaction at a time, and ids are
assigned inside it), so there both are plain no-ops / plain reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from .models import Rating

# An arbitrary, fixed 64-bit key ("momento rollup") shared by writers and the job.
RATINGS_WATERMARK_LOCK_KEY = 0x6D6F6D656E746F01


@contextmanager
def ingest_guard(*, using: str = "default") -> Iterator[None]:
    """Wrap the INSERT of ratings: holds the shared advisory lock until commit.

    Must run inside the ingest transaction (`transaction.atomic`); the lock is
    released by PostgreSQL when that transaction ends, not when this block exits.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("ingest_guard() must be used inside transaction.atomic()")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [RATINGS_WATERMARK_LOCK_KEY])
    yield


def committed_max_rating_id(*, using: str = "default") -> int:
    """The largest rating id such that every rating with a smaller or equal id
    is committed (0 when there are none).

    On PostgreSQL this takes the exclusive advisory lock in its own short
    transaction, so it waits for in-flight ingests to finish and blocks new ones
    only while it reads max(id). Called inside an outer transaction, the lock is
    held until that one ends, so callers read the max first, before any slow work.
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RATINGS_WATERMARK_LOCK_KEY])
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(Rating._meta.db_table)}")
        return int(cursor.fetchone()[0])


__all__ = ["RATINGS_WATERMARK_LOCK_KEY", "committed_max_rating_id", "ingest_guard"]
