"""Workers by kind (issue 20, item 5): every task goes to the queue of its kind, so a
long rebuild or export never waits in front of a rollup refresh or a webhook."""

from __future__ import annotations

import pytest
from django.conf import settings

from momento.celery import app

APPS = ("journeys.", "touchpoints.", "analytics.", "reviews.")
QUEUES = {queue.name for queue in settings.CELERY_TASK_QUEUES}


def _momento_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith(APPS))


def test_every_task_of_the_apps_is_routed_to_a_declared_queue():
    tasks = _momento_tasks()
    assert len(tasks) >= 10, tasks
    unrouted = [name for name in tasks if name not in settings.CELERY_TASK_ROUTES]
    assert not unrouted, f"route these in CELERY_TASK_ROUTES (momento/settings.py): {unrouted}"
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= QUEUES
    stale = sorted(set(settings.CELERY_TASK_ROUTES) - set(tasks))
    assert not stale, f"routes of tasks that do not exist: {stale}"


@pytest.mark.parametrize("task, queue", [
    ("analytics.rollups_refresh", "refresh"),
    ("analytics.heatmaps_refresh", "refresh"),
    ("analytics.rollups_rebuild", "heavy"),
    ("analytics.cycle_rebuild", "heavy"),
    ("analytics.comment_terms_recount", "heavy"),
    ("touchpoints.ratings_import", "heavy"),
    ("reviews.webhook_deliver", "deliveries"),
])
def test_celery_routes_each_kind_of_work_to_its_queue(task, queue):
    """Asked through Celery's own router, as `apply_async` does."""
    route = app.amqp.router.route({}, task, args=(), kwargs={})
    assert route["queue"].name == queue


def test_a_worker_started_without_queues_consumes_them_all():
    """`make worker` and the tests' workers pass no -Q: with task_queues declared,
    Celery consumes every one of them, so the embedded setup needs no change."""
    assert {"refresh", "heavy", "deliveries"} <= QUEUES
    assert settings.CELERY_TASK_DEFAULT_QUEUE in QUEUES
