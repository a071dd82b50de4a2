"""Celery workers killed with SIGKILL in the middle of a task.

Every analytics and review task is `acks_late`, so a task whose worker dies
is still on the broker: a whole worker killed leaves the message unacknowledged
and Redis hands it to another worker after the visibility timeout; a pool
child killed makes the parent requeue it at once (`reject_on_worker_lost`).
The task runs again, and because its database work is one transaction that
died with the worker, the second run must give exactly what a clean run gives.

The tasks are caught mid-way without any hook in product code: a test-only
PostgreSQL trigger sleeps right after the task's first write (inside its
transaction) while armed. The worker is killed during that sleep.
"""

from __future__ import annotations

import os
import re
import signal

import pytest

from analytics import services as analytics_services
from analytics.models import DailyRollup, HeatmapSnapshot, RollupWatermark
from reviews import services as review_services
from reviews.models import ReviewEvent, ReviewItem, ReviewRun
from reviews.selectors import last_complete_week
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from tests.reviews.conftest import add_ratings
from touchpoints.models import Rating
from touchpoints.services import ratings_record

from .support import (
    Worker,
    client_app,
    rating_items,
    rollups_match_raw,
    service_env,
    snapshot_matches_clean,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Redis redelivers an unacknowledged task this many seconds after its worker
# vanished (production keeps the default, an hour: above any task's time limit).
VISIBILITY_TIMEOUT = 3


@pytest.fixture(autouse=True)
def no_broker_from_the_test_process(monkeypatch):
    # Ratings recorded by the test itself must not queue anything on the
    # broker of the test settings (the shared Redis in CI).
    monkeypatch.setattr("analytics.services.ratings_arrived", lambda **kwargs: None)


def _cycle_with_ratings(count: int = 3000):
    cycle = ServiceCycleFactory(timezone="America/Bogota")
    touchpoints = [TouchpointFactory(moment=MomentFactory(cycle=cycle), scale=scale)
                   for scale in ("csat5", "nps11", "ces7", "thumbs2")]
    items = rating_items(touchpoints, prefix="kill", count=count, days=60)
    by_id = {touchpoint.pk: touchpoint for touchpoint in touchpoints}
    ratings_record(organization=cycle.organization,
                   rows=[{**item, "touchpoint": by_id[item["touchpoint"]]} for item in items])
    return cycle


def _worker(workdir, redis_server, *, pool: str, **env) -> Worker:
    return Worker(workdir, service_env(redis_url=redis_server.url, LOG_LEVEL="INFO", **env), pool=pool)


def test_worker_killed_mid_rollup_refresh_is_redelivered_and_counts_every_rating_once(
    require_postgres, redis_server, faults, stop_later, workdir
):
    cycle = _cycle_with_ratings()
    faults.pause_after_statement(name="rollup", table="analytics_dailyrollup", seconds=60)
    faults.arm("rollup")
    app = client_app(redis_server.url)
    first = _worker(workdir, redis_server, pool="solo", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    stop_later(first)
    first.start(app)

    app.send_task("analytics.rollups_refresh")
    wait_until(faults.paused_backends, timeout=30, message=lambda: f"refresh mid-way\n{first.log_tail()}")
    first.kill()
    faults.disarm("rollup")
    # Whatever the dead worker wrote was never committed.
    assert not DailyRollup.objects.exists()
    assert RollupWatermark.objects.filter(last_rating_id__gt=0).count() == 0

    second = _worker(workdir, redis_server, pool="solo", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    stop_later(second)
    second.start(app)
    wait_until(lambda: rollups_match_raw() and snapshot_matches_clean(cycle), timeout=60,
               message=lambda: f"redelivered refresh (rollups {rollups_match_raw()})\n{second.log_tail()}")
    assert "analytics.rollups_refresh" in second.log.read_text()
    assert sum(DailyRollup.objects.values_list("n", flat=True)) == Rating.objects.count() == 3000
    # A further run finds nothing new and changes nothing.
    assert analytics_services.rollups_refresh().to_id == RollupWatermark.objects.get(name=analytics_services.WATERMARK_NAME).last_rating_id
    assert rollups_match_raw()


def test_pool_child_killed_mid_heatmap_task_is_requeued_and_snapshot_equals_a_clean_run(
    require_postgres, redis_server, faults, stop_later, workdir
):
    cycle = _cycle_with_ratings()
    analytics_services.rollups_refresh()
    faults.pause_after_statement(name="heatmap", table="analytics_heatmapsnapshot", events="INSERT OR UPDATE",
                                 seconds=60)
    faults.arm("heatmap")
    app = client_app(redis_server.url)
    worker = _worker(workdir, redis_server, pool="prefork")
    stop_later(worker)
    worker.start(app)

    app.send_task("analytics.heatmaps_refresh", args=[cycle.pk])
    wait_until(faults.paused_backends, timeout=30, message=lambda: f"heatmap task mid-way\n{worker.log_tail()}")
    children = worker.pool_children()
    assert len(children) == 1
    faults.disarm("heatmap")
    os.kill(children[0], signal.SIGKILL)
    assert not HeatmapSnapshot.objects.filter(cycle=cycle).exists()

    wait_until(lambda: snapshot_matches_clean(cycle), timeout=60,
               message=lambda: f"requeued heatmap task\n{worker.log_tail()}")
    log = worker.log.read_text()
    assert "WorkerLostError" in log, log[-3000:]
    # Received, lost with its child, received again (the same task id).
    assert len(re.findall(r"Task analytics\.heatmaps_refresh\[[^\]]+\] received", log)) >= 2, log[-3000:]
    # One snapshot per view, not one per attempt.
    assert HeatmapSnapshot.objects.filter(cycle=cycle).count() == 1


def _critical_week(cycle_timezone: str = "Europe/Madrid"):
    cycle = ServiceCycleFactory(timezone=cycle_timezone, min_sample=20, critical_share=0.25)
    week = last_complete_week(cycle=cycle)
    touchpoints = []
    for index in range(3):
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
        add_ratings(touchpoint, week_start=week, n=40, dissatisfied=30 if index < 2 else 2, day=index)
        touchpoints.append(touchpoint)
    return cycle, week


def test_weekly_review_task_killed_midway_opens_each_item_once_when_rerun(
    require_postgres, redis_server, faults, stop_later, workdir
):
    cycle, week = _critical_week()
    faults.pause_after_statement(name="review", table="reviews_reviewitem", seconds=60)
    faults.arm("review")
    app = client_app(redis_server.url)
    first = _worker(workdir, redis_server, pool="solo", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    stop_later(first)
    first.start(app)

    app.send_task("reviews.open_week", args=[cycle.pk, week.isoformat()], kwargs={"send_digest": False})
    wait_until(faults.paused_backends, timeout=30, message=lambda: f"review task mid-way\n{first.log_tail()}")
    first.kill()
    faults.disarm("review")
    assert not ReviewItem.objects.filter(cycle=cycle).exists()

    second = _worker(workdir, redis_server, pool="solo", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    stop_later(second)
    second.start(app)
    wait_until(lambda: re.search(r"Task reviews\.open_week\[[^\]]+\] succeeded", second.log.read_text()),
               timeout=60, message=lambda: f"redelivered review task\n{second.log_tail()}")
    items = ReviewItem.objects.filter(cycle=cycle, week_start=week)
    findings = review_services._critical_findings(cycle=cycle, week_start=week)
    assert len(findings) >= 2
    assert items.count() == len(findings)
    assert len({(item.moment_id, item.touchpoint_id) for item in items}) == len(findings)
    assert ReviewEvent.objects.filter(review_item__in=items, kind=ReviewEvent.Kind.OPENED).count() == len(findings)
    assert ReviewRun.objects.filter(cycle=cycle, week_start=week).count() == 1
    # Another delivery of the same week opens nothing new.
    assert review_services.review_week_open(cycle=cycle, week_start=week) == []
    assert ReviewItem.objects.filter(cycle=cycle, week_start=week).count() == len(findings)
