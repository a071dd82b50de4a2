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

Inside the guard, the INSERT holds one of MOMENTO_INGEST_DB_SLOTS slots
(`ingest_slot()`, session-level locks in a key space of their own, released as
soon as the INSERT is done, before commit): that many batches are written at
once, the others wait, asleep. Four clients' batches had kept four database
backends busy at once on two cores, and dashboards waited behind them (`make
bench`, mixed load); one batch at a time per slot stores as many per second.

SQLite serialises writers anyway (one write transaction at a time, and ids are
assigned inside it), so there both are plain no-ops / plain reads.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections, transaction

from .models import Rating

# An arbitrary, fixed 64-bit key ("momento rollup") shared by writers and the job.
RATINGS_WATERMARK_LOCK_KEY = 0x6D6F6D656E746F01
# The ingest slots: pg_advisory_xact_lock(class, slot), a key space of its own.
INGEST_SLOTS_CLASS = 0x6D6F6D03


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


@contextmanager
def ingest_slot(*, using: str = "default") -> Iterator[None]:
    """Write inside one of MOMENTO_INGEST_DB_SLOTS (a free one, else wait for one; 0:
    no limit), held only while the block runs, not until commit: a long transaction
    (a CSV import's chunks) never keeps other clients' batches waiting between its
    writes. The block is a savepoint, so that after an error the slot can be given
    back at once; a broken connection gives it back with its session."""
    connection = connections[using]
    slots = settings.MOMENTO_INGEST_DB_SLOTS
    if connection.vendor != "postgresql" or slots <= 0:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT slot FROM generate_series(0, %s) AS slot "
                       "WHERE pg_try_advisory_lock(%s, slot) LIMIT 1", [slots - 1, INGEST_SLOTS_CLASS])
        row = cursor.fetchone()
        slot = row[0] if row is not None else os.getpid() % slots
        if row is None:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [INGEST_SLOTS_CLASS, slot])
    try:
        with transaction.atomic(using=using):
            yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [INGEST_SLOTS_CLASS, slot])


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
