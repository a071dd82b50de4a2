"""Every task of every app starts from the one set of options (momento.celery): late
acknowledgement, time limits, and retries only on the errors that may pass."""

from __future__ import annotations

import pytest

import analytics.tasks  # noqa: F401 - registers the tasks (the worker autodiscovers them)
import reviews.tasks  # noqa: F401
import touchpoints.tasks  # noqa: F401
from momento.celery import TRANSIENT_ERRORS, app

OWN_TASKS = sorted(name for name in app.tasks if name.split(".")[0] in {"analytics", "reviews", "touchpoints"})
# Retries itself on a schedule of its own (reviews.webhooks.retry_countdown), counted in the deliveries.
OWN_RETRIES = {"reviews.webhook_deliver"}


def test_the_apps_tasks_are_all_found():
    assert {"analytics.rollups_refresh", "reviews.open_week", "touchpoints.ratings_import"} <= set(OWN_TASKS)


@pytest.mark.parametrize("name", OWN_TASKS)
def test_every_task_is_late_acknowledged_time_limited_and_retries_only_transient_errors(name):
    task = app.tasks[name]
    assert task.acks_late
    assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
    if name in OWN_RETRIES:
        assert not task.autoretry_for
    else:
        assert set(task.autoretry_for) == set(TRANSIENT_ERRORS)
