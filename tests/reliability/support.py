"""Real processes for the reliability tests: a dedicated redis-server, gunicorn
and Celery workers, all on 127.0.0.1 and all against the pytest test database.

Every process is started by the test that needs it and killed by it (fixtures
in conftest.py), so nothing here touches the shared Redis on 6379 or another
helper's database. Output goes to temporary log files, printed when a process
fails to start.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_database_url() -> str:
    """The URL of the database this pytest session uses (test_<name>), so that
    child processes see exactly what the test commits."""
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (f"postgres://{user}{password}@{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}"
            f"/{settings['NAME']}")


def _log_tail(path: Path, size: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


def _stop(process: subprocess.Popen | None, *, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


class RedisServer:
    """A throwaway redis-server on a free loopback port: no persistence, so a
    restart comes back empty, like a Redis that lost its memory."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.log = directory / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.directory), "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}:\n{_log_tail(self.log)}")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        _stop(self.process)
        self.process = None


def service_env(*, redis_url: str, **extra: str) -> dict[str, str]:
    """Production-like settings (DEBUG off) against the test database and a dedicated Redis."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": child_database_url(), "REDIS_URL": redis_url, "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SESSION_COOKIE_SECURE": "False", "CSRF_COOKIE_SECURE": "False", "SECURE_HSTS_SECONDS": "0",
        # Plain HTTP on loopback: opt out of the HTTPS redirect production has by default.
        "SECURE_SSL_REDIRECT": "False",
        "DJANGO_SETTINGS_MODULE": "momento.settings", "LOG_LEVEL": "WARNING", "MOMENTO_REQUIRE_SERVICES": "0",
        # These tests count what is stored, not how the rate limiter behaves.
        "API_THROTTLE_RATE": "100000/s", "API_INGEST_THROTTLE_RATE": "100000/s",
        "CACHE_KEY_PREFIX": f"reliability{os.getpid()}", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


class Gunicorn:
    def __init__(self, directory: Path, env: dict[str, str], *, workers: int = 3):
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.log = directory / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self.last_headers: dict[str, str] = {}

    def start(self, *, ready_status: int = 200) -> None:
        """Start and wait until /healthz answers `ready_status` (503: a server started without its database)."""
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "momento.wsgi", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--timeout", "120", "--graceful-timeout", "5",
                 "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                status, _body = self.request("GET", "/healthz", timeout=5)
                if status == ready_status:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{_log_tail(self.log)}")

    def request(self, method: str, path: str, *, body: bytes | None = None, token: str | None = None,
                timeout: float = 120) -> tuple[int, dict | str]:
        """(status, parsed JSON or text); the headers of the answer stay in `last_headers`."""
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            client.request(method, path, body=body, headers=headers)
            response = client.getresponse()
            payload = response.read()
            self.last_headers = dict(response.getheaders())
        finally:
            client.close()
        try:
            return response.status, json.loads(payload)
        except ValueError:
            return response.status, payload.decode(errors="replace")

    def post_ratings(self, items: list[dict], *, token: str, timeout: float = 120) -> tuple[int, dict | str]:
        return self.request("POST", "/api/v1/ratings/batch/", body=json.dumps({"ratings": items}).encode(),
                            token=token, timeout=timeout)

    def log_tail(self) -> str:
        return _log_tail(self.log)

    def stop(self) -> None:
        _stop(self.process)
        self.process = None


@dataclass
class Worker:
    """A real `celery worker` process on the dedicated broker."""

    directory: Path
    env: dict[str, str]
    pool: str = "solo"
    name: str = field(default_factory=lambda: f"reliability-{secrets.token_hex(4)}@localhost")
    process: subprocess.Popen | None = None
    queues: str | None = None  # -Q: only these queues (default: every declared queue)

    @property
    def log(self) -> Path:
        return self.directory / f"worker-{self.name.split('@')[0]}.log"

    def start(self, client_app) -> None:
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                [str(BIN / "celery"), "-A", "momento", "worker", f"--pool={self.pool}", "--concurrency=1",
                 "-n", self.name, "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
                 *(["-Q", self.queues] if self.queues else [])],
                cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: SIGKILL reaches the pool children too
            )
        deadline = time.monotonic() + 60
        while not client_app.control.ping(destination=[self.name], timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"celery worker did not start:\n{_log_tail(self.log)}")

    def pool_children(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children(recursive=True)]

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool): nothing is acknowledged."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        return _log_tail(self.log)


def client_app(broker_url: str):
    """A Celery app that only sends to (and pings on) the dedicated broker; the
    tasks themselves are defined by the worker's `momento` app, found by name."""
    from celery import Celery

    # set_as_current=False: otherwise every @shared_task in this pytest process
    # would resolve to this app (and its dedicated, soon stopped, broker) for
    # the rest of the session.
    from django.conf import settings

    app = Celery("reliability-client", broker=broker_url, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=False,
                    broker_connection_timeout=2,
                    # Routed as the product routes them (queues by kind).
                    task_queues=settings.CELERY_TASK_QUEUES, task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
                    task_routes=settings.CELERY_TASK_ROUTES)
    return app


def wait_until(predicate, *, timeout: float, interval: float = 0.25, message: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message() if callable(message) else message} not reached within {timeout:.0f} s")
        time.sleep(interval)


def temp_directory() -> Path:
    return Path(tempfile.mkdtemp(prefix="momento-reliability-"))


# --- Checks shared by the fault tests ----------------------------------------------------


def rollups_match_raw() -> bool:
    """The incremental rollups equal the raw GROUP BY over every rating."""
    from tests.analytics.helpers import raw_rows, rollup_rows

    return rollup_rows() == raw_rows()


def snapshot_matches_clean(cycle) -> bool:
    """The cycle's latest default heatmap snapshot exists and equals a fresh
    computation of the same view from the current rollups."""
    from django.core.serializers.json import DjangoJSONEncoder

    from analytics.models import HeatmapSnapshot
    from analytics.periods import DEFAULT_DIMENSION, Period
    from analytics.services import heatmap_data_build

    snapshot = (HeatmapSnapshot.objects.filter(cycle=cycle, dimension=DEFAULT_DIMENSION)
                .order_by("-computed_at").first())
    if snapshot is None:
        return False
    clean = heatmap_data_build(cycle=cycle, dimension=snapshot.dimension,
                               period=Period(start=snapshot.period_start, end=snapshot.period_end))
    return snapshot.data == json.loads(json.dumps(clean, cls=DjangoJSONEncoder))


def rating_items(touchpoints, *, prefix: str, count: int, days: int = 30, seed: int = 1) -> list[dict]:
    """`count` valid API items over the last `days` days, ids `<prefix>-<n>`."""
    import datetime as dt
    import random

    from django.utils import timezone

    from touchpoints.scales import SCALES

    rng = random.Random(seed)
    now = timezone.now()
    items = []
    for index in range(count):
        touchpoint = touchpoints[index % len(touchpoints)]
        scale = SCALES[touchpoint.scale]
        items.append({
            "touchpoint": touchpoint.pk, "score": rng.randint(scale.low, scale.high),
            "occurred_at": (now - dt.timedelta(seconds=rng.uniform(60, days * 86400))).isoformat(),
            "external_id": f"{prefix}-{index}",
        })
    return items
