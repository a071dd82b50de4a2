#!/usr/bin/env python
"""Momento benchmark: ingest, heatmap rebuild, incremental recompute and latency
at N ratings, each beside the physical limit measured on the same database.

    python bench/run.py --ratings 1000000      # 10⁵ quick, 10⁶ default, 10⁷ large

It needs PostgreSQL and Redis already running (BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres; REDIS_URL, default
redis://127.0.0.1:6379/0) and starts neither. It creates a throwaway database,
generates the airline cycle and N ratings, measures, drops the database and
writes bench/results/<date>-<N>.json plus a table on the console.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Each phase beyond the core measures lives in its own module of bench/ (once ROOT is on the
# path): the alert scan after each refresh (issue 16), the ingest ceilings, mixed load and page
# weight (issue 20), comments on 30 % of the ratings and insights (issue 15), linked customers and
# key drivers (issue 18), the public survey page (issue 17).
from bench import alerts as bench_alerts
from bench import ceiling, mixed_load, page_weight, survey
from bench import comments as bench_comments
from bench import customers as bench_customers

RESULTS = ROOT / "bench" / "results"
WEEKS = 26



def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- services -------------------------------------------------------------------


def check_services(pg_url: str, redis_url: str) -> None:
    import psycopg2
    import redis

    try:
        psycopg2.connect(pg_url, connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        sys.exit(f"PostgreSQL is not reachable at {pg_url}: {error}\n"
                 "Start it (pg_ctlcluster ... main start) or set BENCH_PG_URL. The benchmark starts nothing itself.")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.exceptions.ConnectionError as error:
        sys.exit(f"Redis is not reachable at {redis_url}: {error}\n"
                 "Start redis-server or set REDIS_URL. The benchmark starts nothing itself.")


def database_url(pg_url: str, name: str) -> str:
    parts = urlsplit(pg_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def admin_sql(pg_url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(pg_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- data -------------------------------------------------------------------------


class Dataset:
    """N synthetic ratings for the airline cycle, generated with numpy in columns."""

    def __init__(self, *, n: int, touchpoints: list[tuple[int, str]], segments: list[int], seed: int,
                 now: dt.datetime, prefix: str, late_share: float = 0.0, recent_days: float | None = None):
        import numpy as np

        from touchpoints.scales import SCALES

        rng = np.random.default_rng(seed)
        self.n = n
        self.organization_id = 0
        tp_index = rng.integers(0, len(touchpoints), n)
        self.touchpoint_id = np.array([tp for tp, _scale in touchpoints])[tp_index]
        scales = [scale for _tp, scale in touchpoints]
        low = np.array([SCALES[s].low for s in scales])[tp_index]
        high = np.array([SCALES[s].high for s in scales])[tp_index]
        self.score = rng.integers(low, high + 1)
        self.scale = np.array(scales, dtype=object)[tp_index]
        self.normalized = (self.score - low) / (high - low) * 100.0
        dissatisfied_max = np.array([SCALES[s].dissatisfied_max for s in scales])[tp_index]
        self.dissatisfied = self.score <= dissatisfied_max
        span = (recent_days or WEEKS * 7) * 86400
        offsets = rng.uniform(60, span, n)
        if late_share:
            late = rng.random(n) < late_share
            offsets[late] = rng.uniform(14 * 86400, WEEKS * 7 * 86400, int(late.sum()))
        epoch = now.timestamp()
        self.occurred_epoch = epoch - offsets
        self.segment_id = np.array(segments + [0])[rng.integers(0, len(segments) + 1, n)]
        self.prefix = prefix
        self.comments = bench_comments.draw(touchpoint_id=self.touchpoint_id, dissatisfied=self.dissatisfied,
                                            seed=seed)

    def occurred_iso(self, index: int) -> str:
        return dt.datetime.fromtimestamp(self.occurred_epoch[index], dt.UTC).isoformat()

    def api_batches(self, size: int):
        for start in range(0, self.n, size):
            stop = min(self.n, start + size)
            items = []
            for index in range(start, stop):
                item = {
                    "touchpoint": int(self.touchpoint_id[index]),
                    "score": int(self.score[index]),
                    "occurred_at": self.occurred_iso(index),
                    "external_id": f"{self.prefix}-{index}",
                }
                if self.segment_id[index]:
                    item["segment"] = int(self.segment_id[index])
                if self.comments.code[index]:
                    item["comment"] = self.comments.text(index)
                items.append(item)
            yield items

    def copy_chunks(self, organization_id: int, received_at: str, size: int = 500_000):
        for start in range(0, self.n, size):
            buffer = io.StringIO()
            for index in range(start, min(self.n, start + size)):
                segment = self.segment_id[index]
                buffer.write(
                    f"{organization_id}\t{self.touchpoint_id[index]}\t{self.scale[index]}\t{self.score[index]}\t"
                    f"{self.normalized[index]}\t{'t' if self.dissatisfied[index] else 'f'}\t"
                    f"{self.occurred_iso(index)}\t{received_at}\t{segment if segment else chr(92) + 'N'}\t"
                    f"{self.comments.copy_text(index)}\t"
                    f"\\N\tapi\t{self.prefix}-{index}\n"
                )
            buffer.seek(0)
            yield buffer


COPY_COLUMNS = ("organization_id, touchpoint_id, scale, score, normalized, dissatisfied, occurred_at, received_at, "
                "segment_id, comment, first_contact_resolved, source, external_id")


def copy_into_ratings(dataset: Dataset, organization_id: int) -> float:
    from django.db import connection

    received = dt.datetime.now(dt.UTC).isoformat()
    # The text is prepared before the clock starts: the ceiling is what the
    # database can take, not how fast Python formats rows.
    chunks = list(dataset.copy_chunks(organization_id, received))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg:
            for chunk in chunks:
                pg.copy_expert(f"COPY touchpoints_rating ({COPY_COLUMNS}) FROM STDIN", chunk)
        raw.commit()
    return time.perf_counter() - started


# --- HTTP ------------------------------------------------------------------------


def start_gunicorn(env: dict[str, str], port: int, workers: int | None, role: str = "all") -> subprocess.Popen:
    # gunicorn.conf.py (the project's, read from the working directory) sets the
    # workers and the priority of the role as in production unless --workers says otherwise.
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "momento.wsgi", "--bind", f"127.0.0.1:{port}",
         *(["--workers", str(workers)] if workers else []), "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env={**env, "MOMENTO_WEB_ROLE": role}, stdout=subprocess.DEVNULL,
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
            return process
        except OSError:  # refused while booting, or slow to answer the first request
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start within 90 s")


def server_workers(pid: int) -> int:
    """How many workers the gunicorn master `pid` runs, once it has forked them all."""
    import psutil

    counts: list[int] = []
    for _ in range(25):  # the preloaded master forks its workers one after another
        counts.append(len(psutil.Process(pid).children()))
        if len(counts) > 5 and counts[-1] == counts[-5]:
            break
        time.sleep(0.2)
    return counts[-1]


def warm_up(*, port: int, token: str, path: str, workers: int) -> None:
    """Every gunicorn worker serves a batch before the clock starts, as a server
    that has run for a while has: imports done, database connection open. The
    batches are refused (a score off the scale), so nothing is written."""
    import http.client

    body = json.dumps({"ratings": [{"touchpoint": 0, "score": -1}] * 500}).encode()

    def client() -> None:
        for _ in range(2):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("POST", path, body=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            connection.getresponse().read()
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def http_ingest(dataset: Dataset, *, port: int, token: str, path: str, clients: int, batch: int) -> tuple[float, dict]:
    batches = list(dataset.api_batches(batch))
    bodies = [json.dumps({"ratings": items}).encode() for items in batches]
    lock = threading.Lock()
    cursor = {"next": 0}
    outcome = {"created": 0, "duplicate": 0, "errors": 0, "statuses": {}}

    def client() -> None:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = cursor["next"]
                cursor["next"] += 1
            if index >= len(bodies):
                break
            connection.request("POST", path, body=bodies[index], headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            with lock:
                outcome["statuses"][response.status] = outcome["statuses"].get(response.status, 0) + 1
                if response.status in (200, 201):
                    data = json.loads(payload)
                    outcome["created"] += int(data.get("created", 0))
                    outcome["duplicate"] += int(data.get("duplicates", data.get("duplicate", 0)))
                else:
                    outcome["errors"] += 1
                    if outcome["errors"] < 3:
                        log(f"ingest answered {response.status}: {payload[:300]!r}")
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, outcome


def latency(url: str, *, headers: dict[str, str], requests: int) -> dict[str, float]:
    import http.client

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    timings, statuses = [], {}
    for _ in range(requests):
        started = time.perf_counter()
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    connection.close()
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "statuses": statuses,
    }


def session_cookie(port: int, username: str, password: str) -> str:
    import http.cookiejar
    import re

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    opener.open(urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/", data=data.encode(),
                                       headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"}))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


# --- analytics in a separate process (peak memory) ---------------------------------


RUNNING: list[WorkerJob] = []  # killed if the bench stops half-way


class WorkerJob:
    """Analytics code in its own Python process, run on demand, like a worker.

    A worker has run tasks before the one we time: its imports are done, its
    database connection is open (DB_CONN_MAX_AGE keeps it) and its caches
    warm. So `setup` and `warmup` (the same kind of task on no new data) run
    when the process starts, before any clock; then each `run()` times `code`
    once. `close()` reports the process's peak resident memory.
    """

    def __init__(self, env: dict[str, str], code: str, *, setup: str = "", warmup: str = ""):
        script = (
            "import json, sys, time, django; django.setup()\n"
            "from django.db import connection; connection.ensure_connection()\n"
            f"{setup}\n{warmup}\n"
            "while True:\n"
            "    print('READY', flush=True)\n"
            "    if sys.stdin.readline().strip() != 'go':\n        break\n"
            "    started = time.perf_counter()\n"
            f"{textwrap.indent(code, '    ')}\n"
            "    print(f'TIME {time.perf_counter() - started}', flush=True)\n"
            # VmHWM is this process's own peak; ru_maxrss would carry over the
            # parent's peak across fork+exec and grow with the bench's dataset.
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
            "print(f'PEAK {int(hwm) / 1024}', flush=True)\n"
        )
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the job
        RUNNING.append(self)
        self.process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors)
        self.samples: list[float] = []
        self._expect("READY")

    def _expect(self, word: str) -> str:
        for line in iter(self.process.stdout.readline, ""):
            if line.startswith(word):
                return line[len(word):].strip()
        self.errors.seek(0)
        raise RuntimeError(f"job failed:\n{self.errors.read()[-3000:]}")

    def run(self) -> float:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        seconds = float(self._expect("TIME"))
        self._expect("READY")
        self.samples.append(seconds)
        return seconds

    def close(self) -> dict:
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        peak = float(self._expect("PEAK"))
        self.process.wait(timeout=60)
        self.errors.close()
        RUNNING.remove(self)
        return {"seconds": statistics.median(self.samples), "samples": [round(x, 4) for x in self.samples],
                "peak_rss_mb": peak}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def raw_group_by_seconds(timezone_name: str) -> tuple[float, int]:
    """The floor: the rollup aggregate as one hand-written SQL GROUP BY over all
    ratings, with the bench cycle's time zone as a constant."""
    from django.db import connection

    sql = """
        CREATE TABLE bench_floor AS
        SELECT r.touchpoint_id, (r.occurred_at AT TIME ZONE %s)::date AS day, r.segment_id,
               count(*) AS n, count(*) FILTER (WHERE r.dissatisfied) AS dissatisfied,
               sum(r.normalized) AS sum_normalized,
               count(*) FILTER (WHERE r.scale = 'nps11' AND r.score >= 9) AS promoters,
               count(*) FILTER (WHERE r.scale = 'nps11' AND r.score <= 6) AS detractors,
               count(*) FILTER (WHERE r.first_contact_resolved) AS fcr_resolved,
               count(r.first_contact_resolved) AS fcr_asked
        FROM touchpoints_rating r
        GROUP BY 1, 2, 3
    """
    # Written into an ordinary (durable, unindexed) table, as the rollup job
    # must store its result: neither fetched to the client nor into a temp table.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone_name])
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_floor")
        groups = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_floor")
    return elapsed, groups


def pandas_baseline_seconds(url: str, timezone_name: str) -> tuple[float, int]:
    """The analyst's way: read the ratings into pandas, then pivot by day."""
    import warnings

    import pandas as pd
    import psycopg2

    started = time.perf_counter()
    connection = psycopg2.connect(url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.read_sql(
            "SELECT touchpoint_id, segment_id, occurred_at, dissatisfied, normalized, scale, score, "
            "first_contact_resolved FROM touchpoints_rating", connection)
    connection.close()
    # The same seven figures per touchpoint × local day × segment as the rollup.
    frame["day"] = pd.to_datetime(frame["occurred_at"], utc=True).dt.tz_convert(timezone_name).dt.date
    frame["segment_id"] = frame["segment_id"].fillna(0)
    nps = frame["scale"] == "nps11"
    frame["promoter"] = nps & (frame["score"] >= 9)
    frame["detractor"] = nps & (frame["score"] <= 6)
    frame["fcr_resolved"] = frame["first_contact_resolved"].eq(True)
    frame["fcr_asked"] = frame["first_contact_resolved"].notna()
    pivot = frame.pivot_table(
        index=["touchpoint_id", "day", "segment_id"],
        values=["dissatisfied", "normalized", "promoter", "detractor", "fcr_resolved", "fcr_asked"],
        aggfunc={"dissatisfied": ["count", "sum"], "normalized": "sum", "promoter": "sum", "detractor": "sum",
                 "fcr_resolved": "sum", "fcr_asked": "sum"},
    )
    return time.perf_counter() - started, len(pivot)


# --- main ---------------------------------------------------------------------------

INGEST_PATH = "/api/v1/ratings/batch/"
HEATMAP_API_PATH = "/api/v1/cycles/{cycle}/heatmap/"
DASHBOARD_PATH = "/cycles/{cycle}/dashboard/"


def setup_django(url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url, "REDIS_URL": redis_url, "DEBUG": "False", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "SESSION_COOKIE_SECURE": "False", "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0", "CACHE_KEY_PREFIX": f"bench{os.getpid()}", "LOG_LEVEL": "WARNING",
        # gunicorn serves plain HTTP on loopback: no HTTPS redirect (on by default with DEBUG off).
        "SECURE_SSL_REDIRECT": "False",
        "DJANGO_SETTINGS_MODULE": "momento.settings",
        # The bench measures the engine, not the rate limiter.
        "API_THROTTLE_RATE": "100000/s", "API_INGEST_THROTTLE_RATE": "100000/s", **survey.GUNICORN_ENV,
    })
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    # The bench's own timings of snapshots read their insights every time (that cost is
    # measured); gunicorn and the worker keep the default, which keeps young ones.
    settings.MOMENTO_INSIGHTS_MAX_AGE_SECONDS = 0
    return env


def build_cycle():
    from django.contrib.auth import get_user_model

    from journeys.models import Membership, Organization
    from journeys.tokens import api_token_create
    from touchpoints.demo import _ensure_structure
    from touchpoints.models import Segment, Touchpoint
    from touchpoints.services import segment_create

    organization = Organization.objects.create(name="Bench Airline", slug="bench-airline")
    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.create_user("bench", password=password)
    Membership.objects.create(user=user, organization=organization, role="admin")
    for key in ("business", "leisure"):
        segment_create(organization=organization, name=key.title(), key=key)
    cycle, _created = _ensure_structure(organization, user)
    _token, plaintext = api_token_create(organization=organization, name="bench", scopes=["ingest", "read"],
                                         created_by=user)
    touchpoints = list(Touchpoint.objects.filter(moment__cycle=cycle).values_list("id", "scale"))
    segments = list(Segment.objects.filter(organization=organization).values_list("id", flat=True))
    return organization, cycle, user, password, plaintext, touchpoints, segments


def ratings_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM touchpoints_rating")
        return cursor.fetchone()[0]


def duplicate_count() -> int:
    """Stored ratings beyond one per (organization, external_id): must be 0."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) - count(DISTINCT (organization_id, external_id)) FROM touchpoints_rating")
        return cursor.fetchone()[0]


def truncate_ratings() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE touchpoints_rating")
        cursor.execute("SELECT to_regclass('analytics_dailyrollup')")
        if cursor.fetchone()[0]:
            cursor.execute("TRUNCATE analytics_dailyrollup")


def machine_info(url: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    import psutil

    return {
        "cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(), "postgresql": pg_version, "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers of each server (default: gunicorn.conf.py's, as in production)")
    parser.add_argument("--web", choices=("split", "single"), default="split",
                        help="split (default, as docker-compose runs it): ratings from REST clients go to an ingest "
                             "server at a lower CPU priority, pages and reads to another; single: one server for all")
    parser.add_argument("--repeat", type=int, default=None,
                        help="rounds of the timed jobs and baselines, medians reported (default 5; 3 above 10⁶)")
    parser.add_argument("--copy-rounds", type=int, default=None,
                        help="rounds of the two raw COPYs, medians reported (default 3; 1 above 10⁶)")
    parser.add_argument("--mixed-seconds", type=float, default=90,
                        help="length of the mixed-load phase (0 skips it)")
    parser.add_argument("--mixed-share", type=float, default=0.5,
                        help="mixed load: the writers' rate as a share of the measured ingest rate")
    parser.add_argument("--mixed-think", type=float, default=0.5,
                        help="mixed load: each reader's pause between requests, seconds (± 50 %%)")
    parser.add_argument("--skip-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)

    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    check_services(pg_url, redis_url)
    name = f"momento_bench_{os.getpid()}"
    url = database_url(pg_url, name)
    log(f"creating throwaway database {name}")
    admin_sql(pg_url, f'CREATE DATABASE "{name}"')
    servers: list[subprocess.Popen] = []
    try:
        env = setup_django(url, redis_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        organization, cycle, _user, password, token, touchpoints, segments = build_cycle()
        now = dt.datetime.now(dt.UTC)
        n = args.ratings
        repeat = args.repeat or (5 if n <= 1_000_000 else 3)
        log(f"generating {n:,} ratings over {WEEKS} weeks for {len(touchpoints)} touchpoints")
        dataset = Dataset(n=n, touchpoints=touchpoints, segments=segments, seed=1, now=now, prefix="bench")
        results: dict = {"ratings": n, "date": now.isoformat(), "machine": machine_info(url),
                         "settings": {"clients": args.clients, "batch": args.batch,
                                      "repeat": repeat}}

        copy_rounds = args.copy_rounds or (3 if n <= 1_000_000 else 1)
        log(f"raw COPY of the same rows into a minimal table (the ceiling) and into Momento's, {copy_rounds} rounds")
        results.update(ceiling.measure(dataset, organization_id=organization.pk, rounds=copy_rounds,
                                       columns=COPY_COLUMNS, count=ratings_count))

        # What a proxy in front does by path (docker-compose.yml): the clients here
        # send ratings to the ingest server's port and everything else to the pages'.
        port = free_port()
        servers.append(start_gunicorn(env, port, args.workers, role="pages" if args.web == "split" else "all"))
        ingest_port = port
        if args.web == "split":
            ingest_port = free_port()
            servers.append(start_gunicorn(env, ingest_port, args.workers, role="ingest"))
        results["settings"]["web"] = args.web
        results["settings"]["gunicorn_workers"] = [server_workers(server.pid) for server in servers]
        warm_up(port=ingest_port, token=token, path=INGEST_PATH, workers=results["settings"]["gunicorn_workers"][-1])
        log(f"HTTP ingest through gunicorn on 127.0.0.1:{ingest_port}: {args.clients} clients, "
            f"batches of {args.batch:,}")
        ingest_seconds, outcome = http_ingest(dataset, port=ingest_port, token=token, path=INGEST_PATH,
                                              clients=args.clients, batch=args.batch)
        stored = ratings_count()
        results["ingest"] = {"seconds": round(ingest_seconds, 3), "rate_per_s": round(n / ingest_seconds),
                             "stored": stored, "exact": stored == n, "duplicates": duplicate_count(),
                             "responses": outcome}
        results["ingest"].update(ceiling.ingest_ratios(results))
        log(f"ingest: {n / ingest_seconds:,.0f}/s (minimal COPY {results['ceiling']['rate_per_s']:,}/s); "
            f"stored {stored:,} of {n:,}")
        if stored != n:
            log("WARNING: stored count differs from sent count")
        bench_comments.ratings_analyze()

        # The timed jobs and baselines run in rounds, one of each per round, and
        # each ratio is the median of its per-round ratios: this machine's speed
        # drifts by tens of per cent from minute to minute, and a ratio of two
        # figures measured minutes apart would measure the drift.
        imports = "from analytics.services import rollups_rebuild, rollups_refresh, heatmaps_refresh_cycle\n"
        imports += bench_comments.WORKER_SETUP  # times the jobs' term counting and insights
        # Warm-up: each worker has run its kind of task once before. The rollups
        # exist (the first, full refresh runs here); the incremental worker's
        # warm-up refresh adds a handful of new ratings, as its timed runs do;
        # every warm-up ends with the dashboard's snapshot.
        from analytics.services import rollups_refresh

        rollups_refresh()
        copy_into_ratings(Dataset(n=100, touchpoints=touchpoints, segments=segments, seed=99,
                                  now=dt.datetime.now(dt.UTC), prefix="warm", recent_days=1), organization.pk)
        warm = f"heatmaps_refresh_cycle(cycle_id={cycle.pk})"
        incremental_job = bench_comments.timed(
            WorkerJob(env, f"rollups_refresh()\n{warm}", setup=imports, warmup=f"rollups_refresh()\n{warm}"))
        rollups_job = bench_comments.timed(WorkerJob(env, "rollups_rebuild()", setup=imports, warmup=warm))
        rebuild_job = bench_comments.timed(WorkerJob(env, f"rollups_rebuild()\n{warm}", setup=imports, warmup=warm))
        alert_scans = bench_alerts.AlertScanPhase(WorkerJob, env, cycle.pk)
        drivers = bench_customers.KeyDriverPhase(env=env, dataset=dataset, organization_id=organization.pk, cycle_id=cycle.pk,
                                 worker_job=WorkerJob, weeks=WEEKS, log=log)
        floor_samples, pandas_samples, groups, pandas_groups = [], [], 0, 0
        vs_floor, vs_pandas, vs_rebuild = [], [], []
        new_ratings = max(1, n // 100)
        for round_number in range(repeat):
            log(f"round {round_number + 1} of {repeat}: raw GROUP BY (the floor), full rebuild (rollups; then with "
                f"heatmaps), {'' if args.skip_pandas else 'pandas, '}1 % new ratings and the incremental recompute")
            floor, groups = raw_group_by_seconds(cycle.timezone)
            floor_samples.append(floor)
            rollups_seconds = rollups_job.run()
            vs_floor.append(rollups_seconds / floor)
            drivers.round(rollups_seconds)
            rebuild_seconds = rebuild_job.run()
            if not args.skip_pandas:
                pandas_seconds, pandas_groups = pandas_baseline_seconds(url, cycle.timezone)
                pandas_samples.append(pandas_seconds)
                vs_pandas.append(pandas_seconds / rollups_seconds)
            # 10 % of the new ratings are late (days to weeks old).
            extra = Dataset(n=new_ratings, touchpoints=touchpoints, segments=segments, seed=2 + round_number,
                            now=dt.datetime.now(dt.UTC), prefix=f"late{round_number}", late_share=0.1, recent_days=1)
            copy_into_ratings(extra, organization.pk)
            incremental_seconds = incremental_job.run()
            vs_rebuild.append(incremental_seconds / rebuild_seconds)
            alert_scans.after_incremental(incremental_seconds)
        rollups_only, rebuild, incremental = rollups_job.close(), rebuild_job.close(), incremental_job.close()
        results["raw_group_by"] = {"seconds": round(_median(floor_samples), 3),
                                   "samples": [round(x, 4) for x in floor_samples], "groups": groups}
        results["full_rebuild"] = {**rebuild, "rollups_only_seconds": round(rollups_only["seconds"], 3),
                                   "rollups_only_samples": rollups_only["samples"],
                                   "rollups_only_peak_rss_mb": rollups_only["peak_rss_mb"],
                                   "rollups_only_parts": rollups_only["parts"],
                                   "vs_raw_group_by": round(_median(vs_floor), 3),
                                   "vs_raw_group_by_rounds": [round(x, 3) for x in vs_floor]}
        if not args.skip_pandas:
            results["pandas"] = {"seconds": round(_median(pandas_samples), 3),
                                 "samples": [round(x, 4) for x in pandas_samples], "groups": pandas_groups,
                                 "rebuild_speedup": round(_median(vs_pandas), 2),
                                 "rebuild_speedup_rounds": [round(x, 2) for x in vs_pandas]}
        results["key_drivers"] = drivers.close()
        results["incremental"] = {**incremental, "new_ratings": new_ratings,
                                  "vs_full_rebuild": round(_median(vs_rebuild), 3),
                                  "vs_full_rebuild_rounds": [round(x, 3) for x in vs_rebuild]}
        results["comments"] = bench_comments.figures(cycle_id=cycle.pk, results=results)
        results["alert_scan"] = alert_scans.close()

        log(f"latency: {args.requests} requests each to the dashboard and the heatmap API")
        cookie = session_cookie(port, "bench", password)
        results["dashboard"] = latency(f"http://127.0.0.1:{port}{DASHBOARD_PATH.format(cycle=cycle.pk)}",
                                       headers={"Cookie": cookie}, requests=args.requests)
        results["heatmap_api"] = latency(f"http://127.0.0.1:{port}{HEATMAP_API_PATH.format(cycle=cycle.pk)}",
                                         headers={"Authorization": f"Bearer {token}"}, requests=args.requests)
        results["dashboard_without_insights"] = bench_comments.without_insights(cycle_id=cycle.pk, measure=lambda: latency(
            f"http://127.0.0.1:{port}{DASHBOARD_PATH.format(cycle=cycle.pk)}", headers={"Cookie": cookie},
            requests=args.requests))
        log(f"survey page: {args.requests} quiet GETs, then {args.requests * 10:,} ratings by {survey.CLIENTS} clients")
        results["survey"] = survey.measure(port=port, touchpoint_id=touchpoints[0][0], ratings=args.requests * 10,
                                           requests=args.requests, token=token)
        log("page weight: the dashboard's and the map editor's first load in Chromium")
        results["page_weight"] = page_weight.measure(port=port, cookie=cookie, pages={
            "dashboard": DASHBOARD_PATH.format(cycle=cycle.pk), "map_editor": f"/cycles/{cycle.pk}/"})
        if args.mixed_seconds > 0:
            log(f"mixed load for {args.mixed_seconds:.0f} s: 4 clients ingest, 8 read, a Celery worker and beat run")
            results["mixed_load"] = mixed_load.run(
                env=env, port=port, ingest_port=ingest_port, gunicorn_pids=[server.pid for server in servers],
                token=token, cookie=cookie, cycle=cycle,
                count=ratings_count,
                dataset_factory=lambda size, prefix: Dataset(n=size, touchpoints=touchpoints, segments=segments, seed=7,
                                                             now=dt.datetime.now(dt.UTC), prefix=prefix, recent_days=1),
                measured_rate=results["ingest"]["rate_per_s"], seconds=args.mixed_seconds, batch=args.batch,
                share=args.mixed_share, think=args.mixed_think, paths={"ingest": INGEST_PATH, "heatmap": HEATMAP_API_PATH.format(cycle=cycle.pk),
                       "dashboard": DASHBOARD_PATH.format(cycle=cycle.pk)})
    finally:
        for job in RUNNING:
            job.process.kill()
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            log(f"dropped {name}")

    output = args.output or RESULTS / f"{now.date().isoformat()}-{n}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    log(f"results written to {output}")
    return results


def _spread(samples: list[float]) -> str:
    return f"{min(samples):.3f}–{max(samples):.3f} s" if len(samples) > 1 else ""


def print_table(results: dict) -> None:

    n = results["ratings"]
    repeat = results["settings"].get("repeat", 1)
    floor, rebuild, incremental = results["raw_group_by"], results["full_rebuild"], results["incremental"]
    rows = [
        ("ratings", f"{n:,}", f"timed jobs and baselines: medians of {repeat} rounds; ratios: median of the rounds' ratios"),
        *ceiling.table_rows(results),
        ("raw GROUP BY (floor)", f"{floor['seconds']} s", f"{floor['groups']:,} groups; {_spread(floor['samples'])}"),
        ("full rebuild (rollups)", f"{rebuild['rollups_only_seconds']} s",
         f"{rebuild['vs_raw_group_by']} × GROUP BY; {_spread(rebuild['rollups_only_samples'])}"),
        ("full rebuild + heatmaps", f"{rebuild['seconds']:.3f} s",
         f"peak RSS {rebuild['peak_rss_mb']:.0f} MB; {_spread(rebuild['samples'])}"),
    ]
    if "pandas" in results:
        pandas = results["pandas"]
        rows.append(("pandas read + pivot", f"{pandas['seconds']} s",
                     f"rebuild {pandas['rebuild_speedup']}× faster; {_spread(pandas['samples'])}"))
    rows += [
        ("incremental after 1 %", f"{incremental['seconds']:.3f} s",
         (f"{incremental['vs_full_rebuild']} × rebuild; peak RSS {incremental['peak_rss_mb']:.0f} MB; "
          f"{_spread(incremental['samples'])}")),
        *bench_alerts.table_rows(results),
        ("dashboard p50/p95", f"{results['dashboard']['p50_ms']} / {results['dashboard']['p95_ms']} ms",
         str(results['dashboard']['statuses'])),
        ("heatmap API p50/p95", f"{results['heatmap_api']['p50_ms']} / {results['heatmap_api']['p95_ms']} ms",
         str(results['heatmap_api']['statuses'])),
        *survey.table_rows(results),
        *bench_customers.table_rows(results),
    ]
    rows += bench_comments.table_rows(results)
    if "page_weight" in results:
        rows += page_weight.table_rows(results)
    if "mixed_load" in results:
        rows += mixed_load.table_rows(results)
    width = max(len(row[0]) for row in rows)
    print()
    print(f"| {'measure'.ljust(width)} | value | note |")
    print(f"| {'-' * width} | --- | --- |")
    for label, value, note in rows:
        print(f"| {label.ljust(width)} | {value} | {note} |")
    print()


if __name__ == "__main__":
    main()
