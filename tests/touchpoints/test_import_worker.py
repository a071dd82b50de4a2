"""A real Celery worker (Redis broker, PostgreSQL) imports a file uploaded through the
page: it reads the stored upload from disk, reports PROGRESS that the status
endpoint serves, stores the outcome and deletes the file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from journeys.models import Membership
from momento.celery import app
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints.models import Rating, RatingImport

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
LINES = 30_000


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (f"postgres://{user}{password}@{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}"
            f"/{settings['NAME']}")


@pytest.fixture
def upload_dir(tmp_path, settings):
    settings.MOMENTO_UPLOAD_DIR = tmp_path / "imports"
    return settings.MOMENTO_UPLOAD_DIR


@pytest.fixture
def worker(require_postgres, require_redis, upload_dir):
    from django.conf import settings

    assert app.conf.task_always_eager is False, "Celery is eager here: this test would not reach the worker"
    name = f"import-test-{uuid.uuid4().hex[:8]}@localhost"
    app.control.purge()
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL,
           "MOMENTO_UPLOAD_DIR": str(upload_dir), "MOMENTO_REQUIRE_SERVICES": "0", "DB_CONN_MAX_AGE": "0"}
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


def test_a_real_worker_imports_the_upload_and_the_page_follows_its_progress(client, worker, upload_dir):
    cycle = ServiceCycleFactory()
    TouchpointFactory(moment=MomentFactory(cycle=cycle), key="bag-drop")
    user = MembershipFactory(organization=cycle.organization, role=Membership.Role.CX_MANAGER).user
    client.force_login(user)
    content = "touchpoint_key,score,external_id\n" + "".join(f"bag-drop,{1 + index % 5},w-{index}\n"
                                                             for index in range(LINES))
    client.post(reverse("touchpoints:cycle_import_upload", args=[cycle.pk]),
                {"file": SimpleUploadedFile("big.csv", content.encode(), "text/csv")})
    rating_import = RatingImport.objects.get()
    client.post(reverse("touchpoints:import_start", args=[rating_import.pk]))

    seen_percents = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(reverse("touchpoints:import_status", args=[rating_import.pk])).json()
        if status["percent"] is not None:
            seen_percents.add(status["percent"])
        if status["finished"]:
            break
        time.sleep(0.05)
    assert status["finished"], f"the worker did not finish within 120 s: {status}"
    assert status["status"] == "succeeded" and status["percent"] == 100
    assert f"{LINES:,}</strong> new ratings" in status["result_html"]
    assert any(0 < percent < 100 for percent in seen_percents), seen_percents  # progress came through
    assert Rating.objects.filter(organization=cycle.organization).count() == LINES
    # The worker deletes the upload once the outcome has committed, so just after the page saw it.
    deadline = time.monotonic() + 10
    while list(upload_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(upload_dir.iterdir()) == []
