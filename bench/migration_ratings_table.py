#!/usr/bin/env python
"""Time touchpoints' migration 0013 (the cheaper ratings table) on a large table,
while a client keeps ingesting: how long it takes, and the longest an ingest
batch waited meanwhile.

    python bench/migration_ratings_table.py --ratings 10000000

A throwaway database is migrated, filled with N ratings by COPY, taken back to
0012 (the old indexes and foreign keys, built as the migration's backwards
step builds them), then migrated forward to 0013 with the clock running, while
a thread stores a batch of 1,000 ratings every 0.2 s through the ingest service.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import run as bench

RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    name = f"momento_migration_{os.getpid()}"
    bench.admin_sql(pg_url, f'CREATE DATABASE "{name}"')
    try:
        bench.setup_django(bench.database_url(pg_url, name), redis_url)
        from django.core.management import call_command
        from django.db import connection, transaction
        from django.utils import timezone

        from touchpoints.ingest import Catalogue, RowValidator, validate_rows
        from touchpoints.services import ratings_store

        call_command("migrate", verbosity=0)
        organization, _cycle, _user, _password, _token, touchpoints, segments = bench.build_cycle()
        n = args.ratings
        bench.log(f"COPY of {n:,} ratings")
        dataset = bench.Dataset(n=n, touchpoints=touchpoints, segments=segments, seed=1,
                                now=dt.datetime.now(dt.UTC), prefix="bench")
        bench.copy_into_ratings(dataset, organization.pk)
        del dataset
        bench.log("back to 0012: the old indexes and foreign keys")
        started = time.perf_counter()
        call_command("migrate", "touchpoints", "0012", verbosity=0)
        backwards = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE touchpoints_rating")

        stop = threading.Event()
        waits: list[float] = []

        def ingest() -> None:
            from django.db import connections

            number = 0
            while not stop.wait(0.2):
                rows = [{"touchpoint": touchpoints[i % len(touchpoints)][0], "score": 1, "external_id": f"m-{number}-{i}"}
                        for i in range(1000)]
                number += 1
                catalogue = Catalogue.for_rows(organization_id=organization.pk, rows=rows)
                validated = validate_rows(rows, validator=RowValidator(catalogue=catalogue, now=timezone.now()))
                began = time.perf_counter()
                with transaction.atomic():
                    ratings_store(organization_id=organization.pk, rows=validated, received_at=timezone.now())
                waits.append(time.perf_counter() - began)
            connections.close_all()

        client = threading.Thread(target=ingest)
        client.start()
        time.sleep(5)
        before = list(waits)
        bench.log("0012 → 0013, timed, with a client ingesting")
        started = time.perf_counter()
        call_command("migrate", "touchpoints", "0013", verbosity=0)
        forwards = time.perf_counter() - started
        time.sleep(5)
        stop.set()
        client.join()
        during = waits[len(before):]
        result = {
            "ratings": n, "date": dt.datetime.now(dt.UTC).isoformat(), "machine": bench.machine_info(""),
            "backwards_to_0012_seconds": round(backwards, 1), "forwards_to_0013_seconds": round(forwards, 1),
            "ingest_batch_of_1000": {"before_median_s": round(statistics.median(before), 3) if before else None,
                                     "during_median_s": round(statistics.median(during), 3),
                                     "during_max_s": round(max(during), 3), "batches": len(during)},
        }
        print(json.dumps(result, indent=2))
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{dt.date.today().isoformat()}-migration-ratings-table-{n}.json").write_text(json.dumps(result, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        bench.admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
