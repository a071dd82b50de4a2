"""Rollups under concurrency, on a real PostgreSQL (threads = separate connections)."""

import datetime as dt
import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from analytics import services
from analytics.models import RollupWatermark
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.factories import SegmentFactory, TouchpointFactory
from touchpoints.models import Rating
from touchpoints.services import ratings_record
from touchpoints.watermark import ingest_guard

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_scheduled_refresh(monkeypatch):
    # These tests drive the refresh themselves; nothing should go to the broker.
    monkeypatch.setattr("analytics.services.ratings_arrived", lambda **kwargs: None)


def _in_thread(target, errors):
    def run():
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)
        finally:
            connections.close_all()
    return threading.Thread(target=run)


def test_concurrent_ingest_and_refreshes_never_double_count(require_postgres):
    touchpoints = [TouchpointFactory(moment__cycle__timezone="America/Mexico_City") for _ in range(2)]
    touchpoints.append(TouchpointFactory(moment=touchpoints[0].moment, scale="nps11"))
    segment = SegmentFactory(organization=touchpoints[0].organization)
    errors: list[Exception] = []
    stop = threading.Event()

    def ingest(seed):
        rng = random.Random(seed)
        for _batch in range(8):
            for touchpoint in touchpoints:
                rows = [{
                    "touchpoint": touchpoint,
                    "score": rng.randint(0, 10) if touchpoint.scale == "nps11" else rng.randint(1, 5),
                    "occurred_at": timezone.now() - dt.timedelta(hours=rng.randint(0, 24 * 30)),
                    "segment": segment if touchpoint.organization_id == segment.organization_id and rng.random() < .5
                    else None,
                    "first_contact_resolved": rng.choice([None, True, False]),
                } for _ in range(25)]
                ratings_record(organization=touchpoint.organization, rows=rows)

    def refresh():
        while not stop.is_set():
            services.rollups_refresh()

    ingesters = [_in_thread(lambda seed=seed: ingest(seed), errors) for seed in range(3)]
    refreshers = [_in_thread(refresh, errors) for _ in range(2)]
    for thread in ingesters + refreshers:
        thread.start()
    for thread in ingesters:
        thread.join(120)
    stop.set()
    for thread in refreshers:
        thread.join(60)
    assert not errors, errors
    services.rollups_refresh()
    services.rollups_refresh()  # a repeat adds nothing
    assert Rating.objects.count() == 3 * 8 * 3 * 25
    assert rollup_rows() == raw_rows()


def test_watermark_waits_for_an_ingest_that_commits_late(require_postgres):
    """A rating inserted (id taken) before a later one commits, but committed after
    the refresh started, must still be counted: the refresh waits for it."""
    touchpoint = TouchpointFactory()
    inserted, release, errors = threading.Event(), threading.Event(), []

    def slow_ingest():
        with transaction.atomic():
            with ingest_guard():
                Rating.objects.create(
                    organization=touchpoint.organization, touchpoint=touchpoint, scale="csat5", score=1,
                    normalized=0, dissatisfied=True, occurred_at=timezone.now(),
                )
            inserted.set()
            release.wait(30)

    slow = _in_thread(slow_ingest, errors)
    slow.start()
    assert inserted.wait(30)
    # A later ingest takes a larger id and commits first.
    ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 5}])
    refresher = _in_thread(services.rollups_refresh, errors)
    refresher.start()
    time.sleep(0.5)
    assert refresher.is_alive(), "the refresh must wait for the in-flight ingest"
    release.set()
    slow.join(30)
    refresher.join(30)
    assert not errors, errors
    assert rollup_rows() == raw_rows()
    assert sum(row[3] for row in rollup_rows()) == 2
    assert connection.vendor == "postgresql"


def _aggregate_plan(cursor) -> str:
    from analytics.rollups import aggregate_sql

    cursor.execute("EXPLAIN " + aggregate_sql(touchpoint_filter=False), {"low": 0, "high": 10**12, "tz": "UTC"})
    return "\n".join(row[0] for row in cursor.fetchall())


def test_a_rebuild_reads_every_rating_with_a_sequential_scan_whatever_the_statistics(require_postgres):
    from analytics.rollups import _sequential_scan

    with transaction.atomic(), connection.cursor() as cursor:
        # Statistics as right after a bulk load: the planner believes the table is tiny.
        cursor.execute("SET LOCAL random_page_cost = 0.01")
        assert "Seq Scan" not in _aggregate_plan(cursor)
        with _sequential_scan(cursor):
            plan = _aggregate_plan(cursor)
            assert "Seq Scan on touchpoints_rating" in plan and "HashAggregate" in plan and "Sort" not in plan
        assert "Seq Scan" not in _aggregate_plan(cursor)  # the settings are back as they were
        cursor.execute("SELECT current_setting('enable_bitmapscan'), current_setting('enable_sort')")
        assert cursor.fetchone() == ("on", "on")


def test_a_full_rebuild_and_a_first_refresh_aggregate_into_a_stage_under_the_full_read_plan(require_postgres):
    from django.test.utils import CaptureQueriesContext

    touchpoint = TouchpointFactory()
    ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 2}])
    for run in (services.rollups_refresh, services.rollups_rebuild):
        with CaptureQueriesContext(connection) as queries:
            run()
        statements = [query["sql"] for query in queries.captured_queries]
        off = next(i for i, sql in enumerate(statements) if "set_config('enable_bitmapscan', 'off', true)" in sql)
        stage = next(i for i, sql in enumerate(statements) if "INSERT INTO analytics_rollupstage" in sql)
        restore = next(i for i, sql in enumerate(statements) if "set_config('enable_bitmapscan', " in sql and i > off)
        insert = next(i for i, sql in enumerate(statements) if "INSERT INTO analytics_dailyrollup" in sql)
        # Only the aggregate runs under the full-read plan; the insert and its key checks do not.
        assert off < stage < restore < insert, statements
        assert "FROM analytics_rollupstage" in statements[insert]
        emptied = statements.index("TRUNCATE analytics_rollupstage")
        assert insert < emptied < len(statements) - 1 and statements[-1] == "COMMIT", "emptied in the same transaction"
    # An incremental refresh reads a few new ratings through the primary key.
    ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 5}])
    with CaptureQueriesContext(connection) as queries:
        services.rollups_refresh()
    assert not any("set_config('enable_bitmapscan'" in query["sql"] or "analytics_rollupstage" in query["sql"]
                   for query in queries.captured_queries)
    assert rollup_rows() == raw_rows()


def _ratings_on(touchpoints, per_touchpoint: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for touchpoint in touchpoints:
        ratings_record(organization=touchpoint.organization, rows=[{
            "touchpoint": touchpoint,
            "score": rng.randint(0, 10) if touchpoint.scale == "nps11" else rng.randint(1, 5),
            "occurred_at": timezone.now() - dt.timedelta(hours=rng.randint(0, 24 * 90)),
            "first_contact_resolved": rng.choice([None, True, False]),
        } for _ in range(per_touchpoint)])


def test_a_full_read_runs_its_slices_at_once_on_their_own_connections(require_postgres, monkeypatch, settings):
    from analytics import rollups

    settings.MOMENTO_ROLLUP_PARALLEL_READS = 3
    monkeypatch.setattr(rollups, "PARALLEL_MIN_RATINGS", 0)
    first = TouchpointFactory(moment__cycle__timezone="America/Santiago")
    touchpoints = [first, *(TouchpointFactory(moment=first.moment, scale="nps11") for _ in range(3)),
                   TouchpointFactory(organization=first.organization, moment__cycle__timezone="Asia/Kathmandu")]
    _ratings_on(touchpoints, 40)
    seen: list[tuple[str, int, tuple[int, ...]]] = []
    alone = rollups._aggregate_slice_alone

    def spy(sql, params, errors):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            seen.append((threading.current_thread().name, cursor.fetchone()[0], tuple(params["touchpoints"])))
        alone(sql, params, errors)

    monkeypatch.setattr(rollups, "_aggregate_slice_alone", spy)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    services.rollups_refresh()  # the first refresh reads everything: staged, sliced
    assert rollup_rows() == raw_rows()
    services.rollups_rebuild()
    assert rollup_rows() == raw_rows()
    # Santiago's four touchpoints in three slices, the first on this connection, the
    # other two on helpers' (twice: refresh and rebuild); Kathmandu's one in one.
    assert len(seen) == 4 and all(name.startswith("rollup-slice-") and pid != own for name, pid, _ids in seen)
    for run in (seen[:2], seen[2:]):
        slices = [set(ids) for _name, _pid, ids in run]
        assert slices[0].isdisjoint(slices[1]) and slices[0] | slices[1] < {tp.pk for tp in touchpoints[:4]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM analytics_rollupstage")
        assert cursor.fetchone() == (0,)


def test_a_failing_slice_fails_the_rebuild_and_leaves_the_rollups_as_they_were(require_postgres, monkeypatch,
                                                                               settings):
    from analytics import rollups

    settings.MOMENTO_ROLLUP_PARALLEL_READS = 2
    monkeypatch.setattr(rollups, "PARALLEL_MIN_RATINGS", 0)
    touchpoints = [TouchpointFactory()]
    touchpoints.append(TouchpointFactory(moment=touchpoints[0].moment))
    _ratings_on(touchpoints, 30)
    services.rollups_refresh()
    before = rollup_rows()
    watermark = RollupWatermark.objects.get(name=services.WATERMARK_NAME).last_rating_id
    _ratings_on(touchpoints, 5, seed=8)

    def broken(sql, params, errors):  # a helper whose connection is lost
        errors.append(RuntimeError("connection to the database lost"))

    monkeypatch.setattr(rollups, "_aggregate_slice_alone", broken)
    with pytest.raises(RuntimeError, match="connection to the database lost"):
        services.rollups_rebuild()
    assert rollup_rows() == before
    assert RollupWatermark.objects.get(name=services.WATERMARK_NAME).last_rating_id == watermark
    monkeypatch.undo()
    services.rollups_rebuild()
    assert rollup_rows() == raw_rows()


def test_storage_settings_of_the_analytics_tables(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'analytics_rollupstage'")
        assert cursor.fetchone() == ("u",), "the stage is UNLOGGED"
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'analytics_dailyrollup'")
        assert cursor.fetchone() == (["fillfactor=75"],)
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'analytics_dailyrollup'::regclass "
                       "AND contype = 'f'")
        assert cursor.fetchone() == (0,), "rollups carry no foreign key check"
        cursor.execute("SELECT attcompression FROM pg_attribute WHERE attname = 'data' "
                       "AND attrelid = 'analytics_heatmapsnapshot'::regclass")
        assert cursor.fetchone()[0] in ("l", ""), "lz4 where the server has it"
        # Fixed-width columns the rollups read come before any variable-length one.
        cursor.execute("SELECT attname, attlen FROM pg_attribute WHERE attrelid = 'touchpoints_rating'::regclass "
                       "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
        columns = cursor.fetchall()
    first_variable = next(i for i, (_name, length) in enumerate(columns) if length == -1)
    fixed = {name for name, _length in columns[:first_variable]}
    assert {"touchpoint_id", "occurred_at", "normalized", "score", "dissatisfied", "segment_id"} <= fixed


def test_derived_data_commits_without_waiting_for_the_flush_but_ratings_do(require_postgres):
    from django.test.utils import CaptureQueriesContext

    from analytics.periods import last_weeks

    touchpoint = TouchpointFactory()
    cycle = touchpoint.moment.cycle
    asynchronous = "SET LOCAL synchronous_commit = off"
    with CaptureQueriesContext(connection) as ingest:
        ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 2}])
    for run in (services.rollups_refresh, services.rollups_rebuild,
                lambda: services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks",
                                                          period=last_weeks(weeks=4, today=dt.date.today()))):
        ratings_record(organization=touchpoint.organization, rows=[{"touchpoint": touchpoint, "score": 4}])
        with CaptureQueriesContext(connection) as queries:
            run()
        assert asynchronous in [query["sql"] for query in queries.captured_queries]
    assert asynchronous not in [query["sql"] for query in ingest.captured_queries], "ratings are committed durably"
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",), "SET LOCAL ends with its transaction"
    # Inside a larger transaction (which may write more than derived data) it is left alone.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=last_weeks(weeks=4, today=dt.date.today()))
    assert asynchronous not in [query["sql"] for query in queries.captured_queries]


ZONES = ["Europe/Madrid", "America/Mexico_City", "America/New_York", "America/Santiago", "America/St_Johns",
         "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "Asia/Tehran", "UTC"]


@pytest.mark.parametrize("zone", ZONES)
def test_local_days_from_offset_spans_equal_the_zone_rules_on_every_instant(require_postgres, zone):
    from analytics.rollups import local_day_params, local_day_sql

    now = timezone.now()
    params = local_day_params(zone, now=now)
    spans = sum(1 for key in params if key.endswith("_offset"))
    instants = [now - dt.timedelta(days=2000)]  # before the window: by the zone rules
    for i in range(spans):
        edge = params[f"span{i}_from"]
        instants += [edge + dt.timedelta(seconds=delta) for delta in (-3601, -1, -0.5, 0, 0.5, 1, 3599)]
    generator = random.Random(zone)
    window = params["span0_from"], params[f"span{spans - 1}_to"]
    instants += [window[0] + (window[1] - window[0]) * generator.random() for _ in range(3000)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Pacific/Kiritimati'")  # the session's zone plays no part
        cursor.execute(
            f"SELECT r.occurred_at, {local_day_sql(spans)}, {local_day_sql(0)} "
            "FROM unnest(%(instants)s::timestamptz[]) AS r(occurred_at)", {**params, "instants": instants})
        rows = cursor.fetchall()
    assert len(rows) == len(instants)
    assert spans >= 1
    mismatches = [(instant, fast, by_rules) for instant, fast, by_rules in rows if fast != by_rules]
    assert not mismatches, mismatches[:5]
