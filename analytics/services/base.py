"""What the analytics services share: progress reports and derived-data commits."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

Progress = Callable[[int, int], None]


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
