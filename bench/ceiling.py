"""The honest ceiling of ingestion: a raw COPY of the same rows into a minimal table.

Two ceilings, measured in the same run from the same text (prepared before any
clock starts), alternating in rounds because this machine's speed drifts:

- **minimal**: a table with the ratings' columns and column types (`LIKE
  touchpoints_rating`), a primary key and the `(organization_id,
  external_id)` unique index, nothing else: what the hardware and PostgreSQL
  take for these rows with the idempotency guarantee alone;
- **Momento's table**: the same COPY into `touchpoints_rating`, with its
  indexes, constraints and triggers: the cost of Momento's own schema.

HTTP ingest is then reported against both (`ingest_ratios`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import statistics
import time

MINIMAL_TABLE = "bench_minimal_rating"


def _copy(chunks: list[str], table: str, columns: str) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg:
            for chunk in chunks:
                pg.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(chunk))
        raw.commit()
    return time.perf_counter() - started


def minimal_table_create(ratings_table: str) -> None:
    """The minimal table: same columns and types, primary key and the idempotency index only."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MINIMAL_TABLE}")
        # LIKE copies names, types, NOT NULL and the identity of the id; no
        # index, check, default, foreign key or trigger.
        cursor.execute(f"CREATE TABLE {MINIMAL_TABLE} (LIKE {ratings_table} INCLUDING IDENTITY)")
        cursor.execute(f"ALTER TABLE {MINIMAL_TABLE} ADD PRIMARY KEY (id)")
        cursor.execute(f"CREATE UNIQUE INDEX {MINIMAL_TABLE}_key ON {MINIMAL_TABLE} (organization_id, external_id)")


def minimal_table_drop() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MINIMAL_TABLE}")


def _empty(table: str) -> None:
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        # Each COPY starts with no dirty pages of the one before to write out (a
        # role without the right to checkpoint gets a little noisier rounds).
        with contextlib.suppress(DatabaseError):
            cursor.execute("CHECKPOINT")


def measure(dataset, *, organization_id: int, rounds: int, columns: str, count) -> dict:
    """COPY the dataset into the minimal table and into Momento's, `rounds` times each.

    `count()` gives the ratings table's row count (checked exact after each
    COPY). Both tables are left empty. Returns the `ceiling` and `copy`
    sections of the results: rates are medians, and the Momento/minimal ratio
    is the median of the rounds' own ratios.
    """
    from touchpoints.models import Rating

    ratings_table = Rating._meta.db_table
    received = dt.datetime.now(dt.UTC).isoformat()
    chunks = [buffer.getvalue() for buffer in dataset.copy_chunks(organization_id, received)]
    n = dataset.n
    minimal_samples: list[float] = []
    momento_samples: list[float] = []
    for _round in range(rounds):
        minimal_table_create(ratings_table)
        _empty(MINIMAL_TABLE)
        minimal_samples.append(_copy(chunks, MINIMAL_TABLE, columns))
        minimal_table_drop()
        _empty(ratings_table)
        momento_samples.append(_copy(chunks, ratings_table, columns))
        stored = count()
        if stored != n:
            raise RuntimeError(f"COPY into {ratings_table} stored {stored} of {n} rows")
        _empty(ratings_table)
    ratios = [minimal / momento for minimal, momento in zip(minimal_samples, momento_samples, strict=True)]
    minimal_rate = n / statistics.median(minimal_samples)
    momento_rate = n / statistics.median(momento_samples)
    return {
        "ceiling": {
            "table": "same columns and types, primary key + (organization_id, external_id) unique index only",
            "seconds": round(statistics.median(minimal_samples), 3),
            "samples": [round(x, 3) for x in minimal_samples],
            "rate_per_s": round(minimal_rate),
        },
        "copy": {
            "seconds": round(statistics.median(momento_samples), 3),
            "samples": [round(x, 3) for x in momento_samples],
            "rate_per_s": round(momento_rate),
            "vs_minimal": round(statistics.median(ratios), 3),
            "vs_minimal_rounds": [round(x, 3) for x in ratios],
        },
    }


def ingest_ratios(results: dict) -> dict:
    """HTTP ingest's rate against both ceilings (added to `results["ingest"]`)."""
    rate = results["ingest"]["rate_per_s"]
    return {
        "vs_minimal_copy": round(rate / results["ceiling"]["rate_per_s"], 3),
        "vs_copy": round(rate / results["copy"]["rate_per_s"], 3),
    }


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    """The console table's rows for the ceilings and ingest."""
    ceiling, copy, ingest = results["ceiling"], results["copy"], results["ingest"]
    return [
        ("raw COPY, minimal table (ceiling)", f"{ceiling['rate_per_s']:,}/s",
         f"{ceiling['seconds']} s; pk + unique key only; {len(ceiling['samples'])} rounds"),
        ("raw COPY, Momento's table", f"{copy['rate_per_s']:,}/s",
         f"{copy['vs_minimal']} × minimal; {copy['seconds']} s"),
        ("HTTP ingest", f"{ingest['rate_per_s']:,}/s",
         (f"{ingest['vs_minimal_copy']} × minimal COPY, {ingest['vs_copy']} × Momento COPY; "
          f"stored {ingest['stored']:,}, exact={ingest['exact']}, duplicates={ingest.get('duplicates', 0)}")),
    ]
