"""A real Celery worker process against Redis and PostgreSQL picks up the
debounced refresh that an ingest schedules, and the heatmap reflects the ratings."""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from analytics import services
from analytics.models import HeatmapSnapshot
from momento.celery import app
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.services import ratings_record

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (f"postgres://{user}{password}@{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}"
            f"/{settings['NAME']}")


@pytest.fixture
def worker(require_postgres, require_redis):
    from django.conf import settings

    name = f"analytics-test-{uuid.uuid4().hex[:8]}@localhost"
    app.control.purge()  # stale messages on this test broker from earlier runs
    services.refresh_pending_clear()
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL,
           "MOMENTO_REQUIRE_SERVICES": "0", "DB_CONN_MAX_AGE": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "momento", "worker", "--pool=solo", "-n", name,
         "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker did not start:\n{process.stdout.read() if process.poll() is not None else ''}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@override_settings(MOMENTO_ROLLUP_DEBOUNCE_SECONDS=1)
def test_real_worker_refreshes_rollups_and_heatmap_after_ingest(worker):
    cycle = ServiceCycleFactory(timezone="Europe/Madrid")
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    now = timezone.now()
    ratings_record(organization=cycle.organization, rows=[
        {"touchpoint": touchpoint, "score": 1 if index % 2 else 5, "occurred_at": now - dt.timedelta(hours=index % 48)}
        for index in range(40)
    ])
    deadline = time.monotonic() + 90
    snapshot = None
    while time.monotonic() < deadline:
        snapshot = HeatmapSnapshot.objects.filter(cycle=cycle, data__n=40).first()
        if snapshot is not None:
            break
        time.sleep(0.5)
    assert snapshot is not None, "the worker did not compute the heatmap within 90 s"
    row = snapshot.data["rows"][0]["total"]
    assert (row["n"], row["d"], row["critical"]) == (40, 20, True)
