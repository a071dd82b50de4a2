"""Mixed load: dashboards read while REST clients ingest, with a real worker and beat.

For `seconds` (default 90):

- **writers**: `ingest_clients` (4) threads POST batches of new ratings through
  gunicorn (the ingest server when the bench splits them, as docker-compose's
  proxy does), paced together at `share` (≥ 0.5) of the rate the ingest phase
  measured, each sending its next batch when its schedule says so (at once
  when it is late);
- **readers**: `readers` (8) threads, each in turn GETs the dashboard page (a
  session) and the heatmap API (a token), pausing `think` seconds (± 50 %)
  between requests, as people looking at a screen do. They read alone for
  `alone_seconds` first: the same latencies without writers, for comparison
  on a machine whose speed drifts;
- **markers**: one client records a single rating every second on a touchpoint
  no other client rates (added for the phase), and notes when the 201 came;
  a poller reads the stored snapshot of the dashboard's default view five
  times a second. The k-th marker is *fresh* when that snapshot first counts k
  ratings of the marker touchpoint: freshness is that instant minus its 201;
- **the workers and beat**: the `celery worker`s docker-compose.yml runs (one
  per kind of work: its queues, concurrency and priority, read from the file)
  and `celery beat` as subprocesses against the bench database and Redis, the
  workers' memory (their processes and pool children) sampled every second.

Reported: p50/p95/max of each read, freshness p50/p95/max, every 5xx, the
ingest rate reached, whether the ratings stored equal those acknowledged, and
the worker's resident memory over time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class CpuMeter:
    """Where the machine's CPU time went over the phase, sampled twice a second.

    Groups: the web servers (each gunicorn's tree: pages, and ingest when the
    ratings have a server of their own), every PostgreSQL process (the
    backends, their parallel workers, the WAL writer and checkpointer: the
    bench owns the cluster's load), the Celery worker and beat, this process
    (the clients) and the machine's total (`/proc/stat`), whose remainder is
    everything else. Each process counts from its first sample (zero when it
    was born during the phase), so short-lived processes are counted up to
    their last sample; a process's last half second is the most it can miss.
    """

    def __init__(self, *, gunicorn_pids: list[int], celery: Celery, interval: float = 0.5):
        self.gunicorn_pids, self.celery, self.interval = gunicorn_pids, celery, interval
        self.used_by: dict[str, float] = {"web": 0.0, "web_ingest": 0.0, "database": 0.0, "celery": 0.0,
                                          "clients": 0.0}
        # The database's share split by whose connection a backend serves (the rest: background processes).
        self.database_for: dict[str, float] = {"web": 0.0, "web_ingest": 0.0, "celery": 0.0, "clients": 0.0,
                                               "other": 0.0}
        self.backend_of: dict[tuple[int, float], str] = {}
        self.seen: dict[tuple[int, float], float] = {}  # (pid, create time) → CPU seconds last read
        self.machine_start = self._machine()
        self.stop = threading.Event()
        self._sample(first=True)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _machine() -> float:
        import psutil

        times = psutil.cpu_times()
        return times.user + times.nice + times.system + times.irq + times.softirq + times.steal

    def _groups(self) -> dict[str, list]:
        import psutil

        def tree(pid: int) -> list:
            with contextlib.suppress(psutil.NoSuchProcess):
                parent = psutil.Process(pid)
                return [parent, *parent.children(recursive=True)]
            return []

        database = [process for process in psutil.process_iter(["name"])
                    if (process.info["name"] or "").startswith(("postgres", "postmaster"))]
        pages, *ingest = self.gunicorn_pids
        return {"web": tree(pages), "web_ingest": [process for pid in ingest for process in tree(pid)],
                "database": database,
                "celery": [process for pid in self.celery.pids for process in tree(pid)],
                "clients": [psutil.Process()]}

    def _backends(self, groups: dict[str, list]) -> None:
        """Which group each new PostgreSQL backend serves: its title names the client's
        port, and the machine's connection table says which process holds that port
        (read only when a backend is new: it costs the clients' CPU)."""
        import psutil

        titles: dict[tuple[int, float], str] = {}
        for process in groups["database"]:
            with contextlib.suppress(psutil.Error):
                key = (process.pid, process.create_time())
                if key not in self.backend_of:
                    titles[key] = " ".join(process.cmdline())
        if not titles:
            return
        group_of = {process.pid: name for name in ("web", "web_ingest", "celery", "clients")
                    for process in groups[name]}
        ports = {connection.laddr.port: group_of[connection.pid]
                 for connection in psutil.net_connections(kind="tcp")
                 if connection.raddr and connection.raddr.port == 5432 and connection.pid in group_of}
        for key, title in titles.items():
            port = next((int(port) for port in re.findall(r"\((\d+)\)", title)), None)
            # A background process (no client), or a connection this sample did not catch yet.
            self.backend_of[key] = ports.get(port, "other") if port is not None else "other"

    def _sample(self, *, first: bool = False) -> None:
        import psutil

        groups = self._groups()
        self._backends(groups)
        for name, processes in groups.items():
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    key = (process.pid, process.create_time())
                    times = process.cpu_times()
                    seconds = times.user + times.system
                    if not first:
                        self.used_by[name] += seconds - self.seen.get(key, 0.0)
                        if name == "database":
                            self.database_for[self.backend_of.get(key, "other")] += seconds - self.seen.get(key, 0.0)
                    self.seen[key] = seconds

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self._sample()

    def used(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join(timeout=10)
        self._sample()
        total = self._machine() - self.machine_start
        used = {name: round(seconds, 1) for name, seconds in self.used_by.items()}
        return {**used, "machine": round(total, 1), "other": round(total - sum(self.used_by.values()), 1),
                "cores": os.cpu_count(),
                "database_for": {name: round(seconds, 1) for name, seconds in self.database_for.items()}}


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def _summary_ms(timings: list[float]) -> dict:
    return {"requests": len(timings), "p50_ms": round(statistics.median(timings), 1) if timings else None,
            "p95_ms": round(_percentile(timings, 0.95) or 0, 1), "max_ms": round(max(timings), 1) if timings else None}


def compose_workers() -> list[tuple[str, list[str], dict[str, str]]]:
    """The Celery workers docker-compose.yml runs: (service, the arguments after
    `worker`, the settings of its own that differ from the others', e.g. its
    priority), so the bench's workers are production's, queue for queue."""
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    workers = []
    for name, service in compose["services"].items():
        command = service.get("command")
        if isinstance(command, list) and "worker" in command:
            arguments = command[command.index("worker") + 1:]
            own = {key: str(value) for key, value in (service.get("environment") or {}).items()
                   if key.startswith("MOMENTO_WORKER")}
            workers.append((name, arguments, own))
    return workers


class Celery:
    """The `celery worker`s of docker-compose.yml (one per kind of work, with their queues,
    concurrency and priority) and `celery beat`, in their own process groups, stopped at
    the end."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.directory = tempfile.TemporaryDirectory(prefix="momento-bench-celery-")
        self.log = open(Path(self.directory.name) / "celery.log", "w+")  # noqa: SIM115 - closed in stop()
        celery = str(Path(sys.executable).parent / "celery")
        # Tasks queued while no worker ran (the ingest phase's debounced refreshes)
        # belong to earlier phases: the phase starts from an empty queue.
        subprocess.run([celery, "-A", "momento", "purge", "-f"], cwd=ROOT, env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        self.workers: list[subprocess.Popen] = []
        self.names: list[str] = []
        for service, arguments, own in compose_workers():
            arguments = [argument for argument in arguments if not argument.startswith("--loglevel")]
            node = f"bench{os.getpid()}-{service}"
            arguments[arguments.index("-n") + 1] = f"{node}@%h"
            self.names.append(f"{node}@{os.uname().nodename}")
            self.workers.append(subprocess.Popen(
                [celery, "-A", "momento", "worker", "--loglevel=WARNING", *arguments, "--without-gossip",
                 "--without-mingle"],
                cwd=ROOT, env={**env, **own}, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True))
        self.beat = subprocess.Popen(
            [celery, "-A", "momento", "beat", "--loglevel=WARNING",
             f"--pidfile={Path(self.directory.name) / 'beat.pid'}",
             f"--schedule={Path(self.directory.name) / 'beat-schedule'}"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in (*self.workers, self.beat)]

    def _wait_ready(self) -> None:
        deadline = time.time() + 90
        for name in self.names:
            ping = [str(Path(sys.executable).parent / "celery"), "-A", "momento", "inspect", "ping",
                    "-d", name, "--timeout", "2"]
            while subprocess.run(ping, cwd=ROOT, env=self.env, check=False, capture_output=True,
                                 timeout=30).returncode != 0:
                if time.time() > deadline or any(worker.poll() is not None for worker in self.workers):
                    self.stop()
                    raise RuntimeError(f"the Celery worker {name} did not start:\n" + self.tail())
                time.sleep(1)

    def rss_mb(self) -> float:
        """Every worker's resident memory: each main process and its pool's children."""
        import psutil

        total = 0
        for worker in self.workers:
            try:
                parent = psutil.Process(worker.pid)
                processes = [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += process.memory_info().rss
        return total / 2**20

    def tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-3000:]

    def stop(self) -> None:
        processes = (self.beat, *self.workers)
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.log.close()
        self.directory.cleanup()


class _Connection:
    """One keep-alive HTTP connection that reconnects after an error."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class _Phase:
    """The phase's clients and watchers as threads, and what they saw."""

    def __init__(self, *, port: int, ingest_port: int, token: str, cookie: str, marker_id: int, bodies: list[bytes],
                 interval: float, ingest_clients: int, think: float, paths: dict[str, str]):
        self.port, self.marker_id, self.bodies, self.interval = port, marker_id, bodies, interval
        self.ingest_port = ingest_port
        self.ingest_clients, self.think, self.paths = ingest_clients, think, paths
        self.api_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.read_targets = [("dashboard", paths["dashboard"], {"Cookie": cookie}),
                             ("heatmap_api", paths["heatmap"], {"Authorization": f"Bearer {token}"})]
        self.stop, self.watching, self.lock = threading.Event(), threading.Event(), threading.Lock()
        self.ingest: dict = {"created": 0, "batches": 0, "statuses": {}, "errors": []}
        self.reads: dict[str, list[float]] = {"dashboard": [], "heatmap_api": []}
        # The same readers before any writer starts: what the machine gives them alone.
        self.alone: dict[str, list[float]] = {"dashboard": [], "heatmap_api": []}
        self.writing = False
        self.read_statuses: dict[str, dict[str, int]] = {"dashboard": {}, "heatmap_api": {}}
        self.markers: list[tuple[int, float]] = []  # (k, monotonic time of its 201)
        self.marker_statuses: dict[str, int] = {}
        self.seen: dict[int, float] = {}  # k → when the snapshot first counted k markers
        self.rss: list[tuple[float, float]] = []
        self.last_counted = 0
        self.snapshot_changes: list[float] = []
        self.slow: list[tuple[float, str, float]] = []  # (seconds into the phase, read, ms) past 100 ms
        self._next_body = iter(range(len(bodies)))
        self.started = time.monotonic()

    @staticmethod
    def _note(statuses: dict[str, int], status: int) -> None:
        statuses[str(status)] = statuses.get(str(status), 0) + 1

    def writer(self, number: int) -> None:
        connection = _Connection(self.ingest_port)
        due = self.started + number * self.interval / self.ingest_clients  # the clients' batches interleave
        while not self.stop.is_set():
            pause = due - time.monotonic()
            if pause > 0 and self.stop.wait(pause):
                break
            with self.lock:
                index = next(self._next_body, None)
            if index is None:
                break
            status, payload = connection.request("POST", self.paths["ingest"], body=self.bodies[index],
                                                 headers=self.api_headers)
            with self.lock:
                self._note(self.ingest["statuses"], status)
                self.ingest["batches"] += 1
                if status in (200, 201):
                    self.ingest["created"] += int(json.loads(payload).get("created", 0))
                elif len(self.ingest["errors"]) < 3:
                    self.ingest["errors"].append(f"{status}: {payload[:200]!r}")
            due += self.interval
        connection.close()

    def reader(self, number: int, ready: threading.Barrier) -> None:
        connection = _Connection(self.port)
        rng = random.Random(number)
        # A reader has the page open already: its connection, the server
        # thread's database connection and the current snapshot are warm.
        for _name, path, headers in self.read_targets:
            connection.request("GET", path, headers=headers)
        ready.wait()
        turn = number % 2
        while not self.stop.is_set():
            name, path, headers = self.read_targets[turn]
            turn = 1 - turn
            writing = self.writing
            began = time.perf_counter()
            status, _payload = connection.request("GET", path, headers=headers)
            elapsed = (time.perf_counter() - began) * 1000
            with self.lock:
                (self.reads if writing else self.alone)[name].append(elapsed)
                if writing and elapsed > 100:
                    self.slow.append((round(time.monotonic() - self.started, 2), name, round(elapsed)))
                self._note(self.read_statuses[name], status)
            self.stop.wait(self.think * rng.uniform(0.5, 1.5))
        connection.close()

    def marker_client(self) -> None:
        connection = _Connection(self.ingest_port)
        k = 0
        while not self.stop.wait(1.0):
            body = json.dumps({"touchpoint": self.marker_id, "score": 3,
                               "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
                               "external_id": f"marker-{k + 1}"}).encode()
            status, _payload = connection.request("POST", "/api/v1/ratings/", body=body, headers=self.api_headers)
            with self.lock:
                self._note(self.marker_statuses, status)
            if status == 201:
                k += 1
                self.markers.append((k, time.monotonic()))
        connection.close()

    def poller(self, cycle) -> None:
        """The marker touchpoint's count in the stored snapshot of the default view, 5 times a second."""
        from django.db import connection

        from analytics.models import HeatmapSnapshot
        from analytics.periods import DEFAULT_DIMENSION, DEFAULT_WEEKS, last_weeks, local_today

        period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone))
        sql = ("SELECT jsonb_path_query_first(data, '$.rows[*].touchpoints[*] ? (@.id == $id).total.n', "
               f"jsonb_build_object('id', %s::bigint)) FROM {HeatmapSnapshot._meta.db_table} "
               "WHERE cycle_id = %s AND dimension = %s AND period_start = %s AND period_end = %s")
        try:
            while not self.watching.wait(0.2):
                with connection.cursor() as cursor:
                    cursor.execute(sql, [self.marker_id, cycle.pk, DEFAULT_DIMENSION, period.start, period.end])
                    row = cursor.fetchone()
                counted = int(row[0]) if row and row[0] is not None else 0
                now = time.monotonic()
                for k in range(1, counted + 1):
                    self.seen.setdefault(k, now)
                if counted != self.last_counted:
                    self.last_counted = counted
                    self.snapshot_changes.append(round(now - self.started, 2))
        finally:
            connection.close()

    def sampler(self, celery: Celery) -> None:
        while not self.watching.wait(1.0):
            self.rss.append((round(time.monotonic() - self.started, 1), round(celery.rss_mb(), 1)))

    def server_errors(self) -> int:
        every = (self.ingest["statuses"], self.marker_statuses, *self.read_statuses.values())
        return sum(n for statuses in every for status, n in statuses.items() if status.startswith("5"))

    def freshness(self) -> dict:
        found = [self.seen[k] - at for k, at in self.markers if k in self.seen]
        return {"markers": len(self.markers), "counted": len(found),
                "p50_s": round(statistics.median(found), 2) if found else None,
                "p95_s": round(_percentile(found, 0.95) or 0, 2) if found else None,
                "max_s": round(max(found), 2) if found else None,
                "samples": [round(x, 2) for x in found], "statuses": self.marker_statuses}


def run(*, env: dict[str, str], port: int, ingest_port: int, gunicorn_pids: list[int], token: str, cookie: str, cycle, dataset_factory,
        measured_rate: float, seconds: float, batch: int, paths: dict[str, str], count, ingest_clients: int = 4,
        readers: int = 8,
        share: float = 0.5, think: float = 0.5, alone_seconds: float = 20) -> dict:
    """Run the phase and return its results (see the module's docstring).

    `dataset_factory(n, prefix)` makes n new ratings of the cycle (recent
    `occurred_at`); `count()` is the ratings table's row count; `paths` holds
    the `ingest`, `heatmap` and `dashboard` paths.
    """
    from analytics.services import heatmaps_refresh_cycle, rollups_refresh
    from analytics.services.refresh import refresh_pending_clear
    from journeys.models import Moment
    from touchpoints.services import touchpoint_add

    # A touchpoint only the markers rate: its count in the snapshot is the number of markers counted.
    last_moment = Moment.objects.filter(cycle=cycle).order_by("-position").first()
    marker = touchpoint_add(moment=last_moment, name="Bench freshness marker", channel="web")
    rollups_refresh()
    refresh_pending_clear()
    heatmaps_refresh_cycle(cycle_id=cycle.pk)

    target_rate = share * measured_rate
    dataset = dataset_factory((int(target_rate * seconds / batch) + 2 * ingest_clients) * batch, "mixed")
    bodies = [json.dumps({"ratings": items}).encode() for items in dataset.api_batches(batch)]
    before = count()
    celery = Celery(env)
    phase = _Phase(port=port, ingest_port=ingest_port, token=token, cookie=cookie, marker_id=marker.pk, bodies=bodies,
                   interval=batch / (target_rate / ingest_clients), ingest_clients=ingest_clients, think=think,
                   paths=paths)
    ready = threading.Barrier(readers + 1, timeout=120)
    readers_threads = [threading.Thread(target=phase.reader, args=(i, ready)) for i in range(readers)]
    clients = [threading.Thread(target=phase.writer, args=(i,)) for i in range(ingest_clients)]
    clients.append(threading.Thread(target=phase.marker_client))
    watchers = [threading.Thread(target=phase.poller, args=(cycle,)),
                threading.Thread(target=phase.sampler, args=(celery,))]
    clients += readers_threads
    try:
        for thread in readers_threads:
            thread.start()
        ready.wait()
        time.sleep(alone_seconds)
        cpu = CpuMeter(gunicorn_pids=gunicorn_pids, celery=celery)
        phase.started = time.monotonic()
        phase.writing = True
        for thread in clients[:ingest_clients + 1] + watchers:
            thread.start()
        phase.stop.wait(seconds)
        phase.stop.set()
        for thread in clients:
            thread.join(timeout=180)
        elapsed = time.monotonic() - phase.started
        cpu_seconds = cpu.used()
        # The last markers need up to a debounce and a refresh to be counted.
        deadline = time.monotonic() + 60
        while phase.markers and phase.markers[-1][0] not in phase.seen and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        phase.stop.set()
        phase.watching.set()
        for thread in watchers:
            thread.join(timeout=30)
        worker_log = celery.tail()
        celery.stop()
        marker.delete()  # its ratings go with it: the count below is the writers' alone

    stored = count() - before
    achieved = phase.ingest["created"] / elapsed
    freshness = phase.freshness()
    rss = phase.rss
    return {
        "seconds": round(elapsed, 1),
        "settings": {"ingest_clients": ingest_clients, "readers": readers, "think_s": think, "batch": batch,
                     "share_target": share,
                     "workers": {service: " ".join(arguments) + "".join(f" {key}={value}" for key, value in own.items())
                                 for service, arguments, own in compose_workers()}},
        "ingest": {"rate_per_s": round(achieved), "target_per_s": round(target_rate),
                   "share_of_measured": round(achieved / measured_rate, 3), "batches": phase.ingest["batches"],
                   "created": phase.ingest["created"], "stored": stored, "exact": stored == phase.ingest["created"],
                   "statuses": phase.ingest["statuses"], "errors": phase.ingest["errors"]},
        "dashboard": {**_summary_ms(phase.reads["dashboard"]), "statuses": phase.read_statuses["dashboard"]},
        "heatmap_api": {**_summary_ms(phase.reads["heatmap_api"]), "statuses": phase.read_statuses["heatmap_api"]},
        "readers_alone": {"seconds": alone_seconds, "dashboard": _summary_ms(phase.alone["dashboard"]),
                          "heatmap_api": _summary_ms(phase.alone["heatmap_api"])},
        "freshness": freshness,
        "server_errors": phase.server_errors(),
        "cpu_seconds": {**cpu_seconds, "wall": round(elapsed, 1)},
        "worker_rss_mb": {"first": rss[0][1] if rss else None, "last": rss[-1][1] if rss else None,
                          "max": max(mb for _t, mb in rss) if rss else None, "series": rss[::5]},
        # When the stored snapshot's marker count changed (seconds into the phase): the worker's rhythm.
        "snapshot_changes_s": phase.snapshot_changes,
        # The reads slower than 100 ms, when: do they gather around the worker's refreshes?
        "slow_reads": phase.slow,
        "worker_log_tail": worker_log[-1500:] if phase.server_errors() or not freshness["counted"] else "",
    }


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    mixed = results["mixed_load"]
    ingest, fresh, rss = mixed["ingest"], mixed["freshness"], mixed["worker_rss_mb"]
    alone = mixed["readers_alone"]
    return [
        ("mixed: ingest while reading", f"{ingest['rate_per_s']:,}/s",
         (f"{ingest['share_of_measured']} × measured ingest; stored exact={ingest['exact']}; "
          f"{mixed['settings']['readers']} readers, {mixed['seconds']} s")),
        ("mixed: dashboard p50/p95", f"{mixed['dashboard']['p50_ms']} / {mixed['dashboard']['p95_ms']} ms",
         (f"{mixed['dashboard']['requests']} requests; readers alone {alone['dashboard']['p50_ms']} / "
          f"{alone['dashboard']['p95_ms']} ms")),
        ("mixed: heatmap API p50/p95", f"{mixed['heatmap_api']['p50_ms']} / {mixed['heatmap_api']['p95_ms']} ms",
         (f"{mixed['heatmap_api']['requests']} requests; readers alone {alone['heatmap_api']['p50_ms']} / "
          f"{alone['heatmap_api']['p95_ms']} ms")),
        ("mixed: freshness p50/p95", f"{fresh['p50_s']} / {fresh['p95_s']} s",
         f"max {fresh['max_s']} s; {fresh['counted']} of {fresh['markers']} markers counted"),
        ("mixed: 5xx / worker RSS", f"{mixed['server_errors']} / {rss['first']}→{rss['last']} MB",
         f"max {rss['max']} MB"),
    ]
