"""Workers by kind (issue 20, item 5), with real processes: a heavy job queued and
waiting (a rebuild nobody has taken yet) does not hold back the rollup refresh that
ingest asks for, because they live in different queues served by different workers."""

from __future__ import annotations

import json
import re

import pytest
import redis

from journeys.tokens import api_token_create
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory

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


def test_a_waiting_rebuild_does_not_delay_the_refresh_after_ingest(require_postgres, redis_server, stop_later,
                                                                  workdir):
    cycle = ServiceCycleFactory(timezone="Europe/Madrid")
    touchpoints = [TouchpointFactory(moment=MomentFactory(cycle=cycle), scale=scale) for scale in ("csat5", "nps11")]
    _token, token = api_token_create(organization=cycle.organization, name="queues", scopes=["ingest"],
                                     created_by=None)
    env = service_env(redis_url=redis_server.url, MOMENTO_ROLLUP_DEBOUNCE_SECONDS="1")
    server = Gunicorn(workdir, env, workers=2)
    stop_later(server)
    server.start()
    client = client_app(redis_server.url)
    broker = redis.Redis.from_url(redis_server.url)

    def heavy_tasks() -> list[str]:
        return [json.loads(message)["headers"]["task"] for message in broker.lrange("heavy", 0, -1)]

    # A full rebuild is queued first; only a refresh worker is running.
    refresh_worker = Worker(workdir, env, queues="refresh,celery")
    stop_later(refresh_worker)
    refresh_worker.start(client)
    client.send_task("analytics.rollups_rebuild")
    assert heavy_tasks() == ["analytics.rollups_rebuild"]

    status, body = server.post_ratings(rating_items(touchpoints, prefix="queued", count=300), token=token)
    assert status == 201, body
    wait_until(lambda: rollups_match_raw() and snapshot_matches_clean(cycle), timeout=60,
               message=lambda: f"the refresh on its own queue\n{refresh_worker.log_tail()}")
    # The rebuild still waits (with the key drivers the refresh asked for, heavy too).
    assert "analytics.rollups_rebuild" in heavy_tasks(), "the refresh worker must not take heavy work"

    # The heavy queue has a worker of its own, which takes the rebuild.
    heavy_worker = Worker(workdir, env, queues="heavy")
    stop_later(heavy_worker)
    heavy_worker.start(client)
    wait_until(lambda: re.search(r"analytics\.rollups_rebuild\[[^\]]+\] succeeded", heavy_worker.log_tail()),
               timeout=60, message=lambda: f"the rebuild on the heavy worker\n{heavy_worker.log_tail()}")
    # The rebuild's fan-out queues the key drivers (heavy too) as it finishes; the worker
    # takes them a moment later.
    wait_until(lambda: broker.llen("heavy") == 0, timeout=30,
               message=lambda: f"the heavy queue drained: {heavy_tasks()}\n{heavy_worker.log_tail()}")
    assert rollups_match_raw()
