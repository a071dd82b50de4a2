"""The PostgreSQL connection of a request dropped in the middle of a batch insert.

A test-only trigger pauses the INSERT at the 500th row of a 1,000-rating batch
(half of it is written, uncommitted); another connection then kills that
backend with pg_terminate_backend, as a failover or a network cut would. The
batch must be all or nothing: nothing of it is stored, the client gets a
retryable 503 (JSON, Retry-After), and retrying stores it exactly once.
"""

from __future__ import annotations

import threading

import pytest

from analytics import services as analytics_services
from journeys.tokens import api_token_create
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.models import Rating

from .support import Gunicorn, rating_items, rollups_match_raw, service_env, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_connection_dropped_mid_batch_stores_nothing_and_the_retry_stores_it_once(
    require_postgres, redis_server, faults, stop_later, workdir
):
    cycle = ServiceCycleFactory()
    touchpoints = [TouchpointFactory(moment=MomentFactory(cycle=cycle), scale=scale) for scale in ("csat5", "nps11")]
    _token, token = api_token_create(organization=cycle.organization, name="drop", scopes=["ingest"], created_by=None)
    items = rating_items(touchpoints, prefix="drop", count=1000)
    faults.pause_before_row(table="touchpoints_rating", seconds=60)
    faults.arm("drop-500")
    server = Gunicorn(workdir, service_env(redis_url=redis_server.url, MOMENTO_ROLLUP_DEBOUNCE_SECONDS="3600"),
                      workers=2)
    stop_later(server)
    server.start()

    answer: dict = {}
    sender = threading.Thread(target=lambda: answer.update(
        zip(("status", "body"), server.post_ratings(items, token=token, timeout=60), strict=False), headers=server.last_headers))
    sender.start()
    (backend,) = wait_until(faults.paused_backends, timeout=30, message="the batch paused mid-insert")
    faults.disarm("drop-500")
    faults.terminate(backend)
    sender.join(60)
    assert not sender.is_alive()

    assert answer["status"] == 503, answer
    assert "nothing was written" in answer["body"]["detail"]
    assert answer["headers"].get("Retry-After") == "2"
    assert not Rating.objects.filter(external_id__startswith="drop-").exists()

    # The client retries: stored once; a second retry is all duplicates.
    status, body = server.post_ratings(items, token=token)
    assert (status, body["created"], body["duplicate"]) == (201, 1000, 0)
    status, again = server.post_ratings(items, token=token)
    assert (status, again["created"], again["duplicate"]) == (200, 0, 1000)
    assert again["ids"] == body["ids"]
    assert Rating.objects.filter(external_id__startswith="drop-").count() == 1000

    # The ids the aborted insert used are a gap in the sequence; rollups still match.
    analytics_services.rollups_refresh()
    assert rollups_match_raw()
