"""Redis (broker and cache) stopped while clients keep sending ratings.

The ratings live in PostgreSQL, so the API must keep accepting and storing
them; queueing the rollup refresh and the rate limiter's cache are what fail,
and both must degrade (logged) instead of turning the answer into a 500 or
hanging. Once Redis is back, the next refresh folds everything in: rollups
and heatmap equal a clean computation. Uses a redis-server of its own on a
free loopback port, with a real gunicorn and a real Celery worker.
"""

from __future__ import annotations

import time

import pytest

from journeys.tokens import api_token_create
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.models import Rating

from .support import (
    Gunicorn,
    Worker,
    client_app,
    rating_items,
    rollups_match_raw,
    service_env,
    snapshot_matches_clean,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# A request during the outage must answer well within this (it would hang on a
# broker without connect/publish timeouts).
OUTAGE_REQUEST_TIMEOUT = 15


def test_redis_outage_keeps_ingest_working_and_rollups_catch_up_afterwards(
    require_postgres, redis_server, stop_later, workdir
):
    cycle = ServiceCycleFactory(timezone="Europe/Madrid")
    touchpoints = [TouchpointFactory(moment=MomentFactory(cycle=cycle), scale=scale)
                   for scale in ("csat5", "nps11", "ces7")]
    _token, token = api_token_create(organization=cycle.organization, name="outage", scopes=["ingest"],
                                     created_by=None)
    env = service_env(redis_url=redis_server.url, MOMENTO_ROLLUP_DEBOUNCE_SECONDS="1")
    server = Gunicorn(workdir, env, workers=2)
    stop_later(server)
    server.start()
    worker = Worker(workdir, {**env, "LOG_LEVEL": "INFO"})
    stop_later(worker)
    worker.start(client_app(redis_server.url))

    # Before: the pipeline works end to end.
    status, body = server.post_ratings(rating_items(touchpoints, prefix="before", count=600), token=token)
    assert status == 201, body
    wait_until(lambda: rollups_match_raw() and snapshot_matches_clean(cycle), timeout=60,
               message=lambda: f"first refresh by the worker (rollups {rollups_match_raw()}, "
               f"heatmap {snapshot_matches_clean(cycle)})\n{worker.log_tail()}")

    # During: Redis is gone; batches and single ratings are still stored.
    redis_server.stop()
    during = rating_items(touchpoints, prefix="during", count=2500, seed=2)
    outage_timings = []
    for start in range(0, len(during), 500):
        started = time.perf_counter()
        status, body = server.post_ratings(during[start:start + 500], token=token, timeout=OUTAGE_REQUEST_TIMEOUT)
        outage_timings.append(time.perf_counter() - started)
        assert status == 201, (status, body, server.log_tail())
        assert body["created"] == 500
    status, body = server.request("POST", "/api/v1/ratings/", token=token, timeout=OUTAGE_REQUEST_TIMEOUT,
                                  body=b'{"touchpoint": %d, "score": 1, "external_id": "during-single"}'
                                  % touchpoints[0].pk)
    assert status == 201, body
    # A replay during the outage is still recognised (the database decides).
    status, body = server.post_ratings(during[:500], token=token, timeout=OUTAGE_REQUEST_TIMEOUT)
    assert (status, body["created"], body["duplicate"]) == (200, 0, 500)
    assert Rating.objects.filter(external_id__startswith="during-").count() == 2501
    log = server.log.read_text()
    assert "could not schedule the rollup refresh" in log and "rate limit not applied" in log
    assert "Traceback" not in log

    # After: Redis is back (empty: the queued refresh and debounce key are gone);
    # the next ingest schedules a refresh that catches up on everything.
    redis_server.start()
    recovered = time.perf_counter()
    status, body = server.post_ratings(rating_items(touchpoints, prefix="after", count=100, seed=3), token=token)
    assert status == 201, body
    wait_until(lambda: rollups_match_raw() and snapshot_matches_clean(cycle), timeout=90,
               message=lambda: f"catch-up after the outage (rollups {rollups_match_raw()}, "
               f"heatmap {snapshot_matches_clean(cycle)})\n{worker.log_tail()}")
    catch_up_seconds = time.perf_counter() - recovered
    assert Rating.objects.filter(organization=cycle.organization).count() == 600 + 2501 + 100
    print(f"\nredis outage: batch answers during the outage {max(outage_timings):.2f} s at most; "
          f"rollups and heatmap caught up {catch_up_seconds:.1f} s after Redis returned")
