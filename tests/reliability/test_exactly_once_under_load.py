"""Exactly-once ingest under load, through gunicorn on 127.0.0.1 and PostgreSQL.

Eight concurrent clients push MOMENTO_LOAD_RATINGS ratings (100,000 unless
the environment says otherwise) in batches of MOMENTO_LOAD_BATCH (1,000). One
batch in ten is sent again: half of those after the original was answered,
half at the same moment as the original by a second client. A few batches
carry one invalid item and must be refused whole; a few repeat an
external_id inside the batch. Afterwards the stored ratings must be exactly
the valid unique ones, every answer 2xx or the expected 400, never a 5xx, and
the rollups must equal the raw SQL aggregate of the ratings.

Timing is reported (ratings/s), never asserted: performance is `make bench`'s job.
Every wait is bounded, so a hang fails the test instead of stalling CI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from analytics import services as analytics_services
from journeys.tokens import api_token_create
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.factories import (
    MomentFactory,
    SegmentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints.models import Rating

from .support import Gunicorn, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

RATINGS = int(os.environ.get("MOMENTO_LOAD_RATINGS", "100000"))
BATCH = int(os.environ.get("MOMENTO_LOAD_BATCH", "1000"))
CLIENTS = 8
GUNICORN_WORKERS = 3
REPLAY_SHARE = 0.10
INVALID_BATCHES = 5
WITHIN_BATCH_REPEATS = 5
DEADLINE_SECONDS = 300

SCALE_RANGES = {"csat5": (1, 5), "stars5": (1, 5), "nps11": (0, 10), "ces7": (1, 7), "thumbs2": (0, 1)}


@dataclass
class Job:
    kind: str  # original | replay_after | replay_together | invalid
    batch: int
    items: list[dict]
    body: bytes = b""
    answered: threading.Event = field(default_factory=threading.Event)
    partner: Job | None = None
    barrier: threading.Barrier | None = None
    status: int = 0
    response: dict | str | None = None
    seconds: float = 0.0


def _catalogue():
    cycle = ServiceCycleFactory(timezone="America/Mexico_City")
    moments = [MomentFactory(cycle=cycle) for _ in range(3)]
    touchpoints = [
        TouchpointFactory(moment=moments[index % 3], scale=scale)
        for index, scale in enumerate(["csat5", "nps11", "ces7", "thumbs2", "stars5", "csat5"])
    ]
    segments = [SegmentFactory(organization=cycle.organization) for _ in range(2)]
    return cycle, touchpoints, segments


def _rating(rng: random.Random, index: int, touchpoints, segments, now: dt.datetime) -> dict:
    touchpoint = rng.choice(touchpoints)
    low, high = SCALE_RANGES[touchpoint.scale]
    # Mostly recent, some late (up to 90 days old), in assorted UTC offsets.
    age = rng.uniform(60, 86400 * (90 if rng.random() < 0.1 else 21))
    offset = dt.timezone(dt.timedelta(hours=rng.choice([-6, 0, 1, 9])))
    item = {
        "score": rng.randint(low, high),
        "occurred_at": (now - dt.timedelta(seconds=age)).astimezone(offset).isoformat(),
        "external_id": f"load-{index}",
    }
    if rng.random() < 0.5:
        item["touchpoint"] = touchpoint.pk
    else:
        item["touchpoint_key"] = touchpoint.key
    choice = rng.random()
    if choice < 0.3:
        item["segment"] = rng.choice(segments).pk
    elif choice < 0.5:
        item["segment"] = rng.choice(segments).key
    if rng.random() < 0.3:
        item["first_contact_resolved"] = rng.random() < 0.6
    if rng.random() < 0.05:
        item["comment"] = "Tardaron mucho en atender ✈"
    return item


def _spoil(rng: random.Random, items: list[dict], kind: int) -> int:
    """Make one item invalid (each batch a different way); return its index."""
    index = rng.randrange(len(items))
    item = dict(items[index])
    if kind == 0:
        item["score"] = 99
    elif kind == 1:
        item.pop("touchpoint", None)
        item["touchpoint_key"] = "no-such-touchpoint"
    elif kind == 2:
        item["occurred_at"] = (timezone.now() + dt.timedelta(days=2)).isoformat()
    elif kind == 3:
        item["unexpected"] = True
    else:
        item["external_id"] = 12345
    items[index] = item
    return index


def _plan(rng: random.Random, touchpoints, segments) -> tuple[list[Job], list[Job]]:
    """Jobs in the order the clients take them, and the valid originals."""
    now = timezone.now()
    originals = []
    for batch, start in enumerate(range(0, RATINGS, BATCH)):
        items = [_rating(rng, index, touchpoints, segments, now) for index in range(start, min(RATINGS, start + BATCH))]
        originals.append(Job("original", batch, items))
    for job in rng.sample(originals, WITHIN_BATCH_REPEATS):
        # One more item repeating the first one's external_id (and content).
        job.items.append(dict(job.items[0]))
    replayed = rng.sample(originals, max(2, round(len(originals) * REPLAY_SHARE)))
    together = replayed[: len(replayed) // 2]
    after = replayed[len(replayed) // 2:]

    invalid = []
    for kind in range(INVALID_BATCHES):
        items = [_rating(rng, index, touchpoints, segments, now)
                 for index in range(RATINGS + kind * BATCH, RATINGS + (kind + 1) * BATCH)]
        for item in items:
            item["external_id"] = "bad-" + item["external_id"]
        job = Job("invalid", -1 - kind, items)
        job.bad_index = _spoil(rng, items, kind)
        invalid.append(job)

    queue: list[Job] = []
    pending = [job for job in originals if job not in together] + invalid
    rng.shuffle(pending)
    for job in together:
        # Two adjacent jobs with the same body, released by a barrier together.
        twin = Job("replay_together", job.batch, job.items, partner=job)
        job.partner, job.barrier = twin, threading.Barrier(2, timeout=60)
        twin.barrier = job.barrier
        position = rng.randrange(len(pending) + 1)
        pending[position:position] = [job, twin]
    queue.extend(pending)
    # After every original has been taken; each waits for its original's answer.
    queue.extend(Job("replay_after", job.batch, job.items, partner=job) for job in after)
    for job in queue:
        job.body = json.dumps({"ratings": job.items}).encode()
    return queue, originals


def _run_clients(server: Gunicorn, token: str, queue: list[Job]) -> list[BaseException]:
    lock = threading.Lock()
    position = {"next": 0}
    errors: list[BaseException] = []

    def client() -> None:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        try:
            while True:
                with lock:
                    if position["next"] >= len(queue):
                        return
                    job = queue[position["next"]]
                    position["next"] += 1
                if job.kind == "replay_after":
                    assert job.partner.answered.wait(DEADLINE_SECONDS), "original never answered"
                if job.barrier is not None:
                    job.barrier.wait()
                started = time.perf_counter()
                connection.request("POST", "/api/v1/ratings/batch/", body=job.body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                job.seconds = time.perf_counter() - started
                job.status = response.status
                try:
                    job.response = json.loads(payload)
                except ValueError:
                    job.response = payload[:500].decode(errors="replace")
                job.answered.set()
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + DEADLINE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        errors.append(TimeoutError(f"clients still running after {DEADLINE_SECONDS} s"))
    return errors


def _unique(items: list[dict]) -> list[str]:
    return list(dict.fromkeys(item["external_id"] for item in items))


def test_concurrent_clients_with_replays_and_invalid_batches_store_each_valid_rating_exactly_once(
    require_postgres, redis_server, stop_later, workdir
):
    cycle, touchpoints, segments = _catalogue()
    organization = cycle.organization
    _token, plaintext = api_token_create(organization=organization, name="load", scopes=["ingest", "read"],
                                         created_by=None)
    queue, originals = _plan(random.Random(8), touchpoints, segments)

    server = Gunicorn(workdir, service_env(redis_url=redis_server.url, MOMENTO_ROLLUP_DEBOUNCE_SECONDS="3600"),
                      workers=GUNICORN_WORKERS)
    stop_later(server)
    server.start()

    started = time.perf_counter()
    errors = _run_clients(server, plaintext, queue)
    ingest_seconds = time.perf_counter() - started
    assert not errors, f"{errors}\n{server.log_tail()}"

    statuses: dict[int, int] = {}
    for job in queue:
        statuses[job.status] = statuses.get(job.status, 0) + 1
    assert not [job for job in queue if job.status >= 500], f"5xx answers: {statuses}\n{server.log_tail()}"

    # Invalid batches: 400 naming the spoiled item, nothing of them stored.
    for job in (job for job in queue if job.kind == "invalid"):
        assert job.status == 400, (job.status, job.response)
        assert {error["index"] for error in job.response["errors"]} == {job.bad_index}
        assert "nothing was written" in job.response["detail"]
    assert not Rating.objects.filter(external_id__startswith="bad-").exists()

    # Originals and replays: counts and ids agree with what each batch held.
    for job in originals:
        unique = _unique(job.items)
        repeats = len(job.items) - len(unique)
        if job.partner is None:  # nobody else sent this batch while it ran
            assert job.status == 201, (job.status, job.response)
            assert (job.response["created"], job.response["duplicate"]) == (len(unique), repeats)
        elif job.partner.kind == "replay_together":
            twin = job.partner
            assert {job.status, twin.status} <= {200, 201}, (job.status, twin.status)
            assert job.response["created"] + twin.response["created"] == len(unique)
            assert job.response["duplicate"] + twin.response["duplicate"] == len(job.items) + repeats
            assert job.response["ids"] == twin.response["ids"]
    for job in (job for job in queue if job.kind == "replay_after"):
        assert job.status == 200, (job.status, job.response)
        assert (job.response["created"], job.response["duplicate"]) == (0, len(job.items))
        assert job.response["duplicate_indexes"] == list(range(len(job.items)))
        assert job.response["ids"] == job.partner.response["ids"]

    # Exactly the valid unique external ids are stored, once each.
    expected = {external_id for job in originals for external_id in _unique(job.items)}
    stored = list(Rating.objects.filter(organization=organization).values_list("external_id", flat=True))
    assert len(stored) == len(expected) == len(set(stored))
    assert set(stored) == expected
    created_total = sum(job.response["created"] for job in queue if job.status in (200, 201))
    assert created_total == len(expected)
    ids_by_external = dict(Rating.objects.filter(organization=organization).values_list("external_id", "pk"))
    for job in originals:
        assert job.response["ids"] == [ids_by_external[item["external_id"]] for item in job.items]

    # No double counting: the incremental rollups equal the raw aggregate.
    refresh_started = time.perf_counter()
    analytics_services.rollups_refresh()
    refresh_seconds = time.perf_counter() - refresh_started
    assert rollup_rows() == raw_rows()
    assert sum(row[3] for row in rollup_rows()) == len(expected)

    latencies = sorted(job.seconds for job in queue)
    figures = {
        "ratings_stored": len(expected), "requests": len(queue), "statuses": statuses,
        "ingest_seconds": round(ingest_seconds, 2), "ratings_per_second": round(len(expected) / ingest_seconds),
        "batch_p50_ms": round(statistics.median(latencies) * 1000), "batch_max_ms": round(latencies[-1] * 1000),
        "rollup_refresh_seconds": round(refresh_seconds, 2), "clients": CLIENTS, "batch": BATCH,
        "gunicorn_workers": GUNICORN_WORKERS,
    }
    print(f"\nexactly-once under load: {json.dumps(figures)}")
    report = os.environ.get("MOMENTO_RELIABILITY_REPORT")
    if report:
        with open(report, "a") as output:
            output.write(json.dumps({"test": "exactly_once_under_load", **figures}) + "\n")
