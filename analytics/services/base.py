"""What the analytics services share: progress reports, derived-data commits,
what an outage of Redis raises."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

Progress = Callable[[int, int], None]

# What a Redis (cache or broker) outage raises: the cache client's errors and
# kombu's, once the short publish retry policy in settings gives up.
BROKER_OUTAGE_ERRORS = (RedisError, KombuOperationalError, OSError)


def no_progress(done: int, total: int) -> None:
    return None


def derived_data_commit() -> None:
    """Let the current transaction commit without waiting for its WAL flush
    (PostgreSQL), when it writes only derived data and is not part of a larger one.

    Rollups, the watermark and snapshots are derived from ratings, which
    ingestion commits durably. Should the server crash in the few milliseconds
    after such a commit, the watermark goes back together with the rollups it
    covers (one transaction), so the next refresh redoes them; a lost snapshot
    is recomputed when read. Nothing a client sent can be lost this way.
    """
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
