"""The analytics tasks: on the beat schedule, retried only on transient errors,
time-limited, safe to redeliver, and reporting progress that the page reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from analytics import services, tasks, views
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

ALL_TASKS = [tasks.rollups_refresh, tasks.rollups_rebuild, tasks.heatmaps_refresh, tasks.cycle_recompute,
             tasks.cycle_rebuild]


def test_the_rollup_refresh_is_on_the_beat_schedule_every_few_minutes(beat_schedule):
    task = PeriodicTask.objects.get(task="analytics.rollups_refresh")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (settings.MOMENTO_ROLLUP_INTERVAL_MINUTES, "minutes")


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda task: task.name)
def test_every_task_is_late_acknowledged_time_limited_and_retries_only_transient_errors(task):
    assert task.acks_late
    assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
    assert set(task.autoretry_for) == {*tasks.TRANSIENT_ERRORS} and ValueError not in task.autoretry_for


class Retried(Exception):
    pass


@pytest.mark.parametrize("error, retried", [(OperationalError("connection lost"), True), (ValueError("a bug"), False)])
def test_a_lost_connection_is_retried_and_a_bug_is_not(monkeypatch, error, retried):
    def failing(**_kwargs):
        raise error

    def retry(*args, exc=None, **kwargs):
        raise Retried(exc)

    monkeypatch.setattr(services, "rollups_refresh_and_fan_out", failing)
    monkeypatch.setattr(tasks.rollups_refresh, "retry", retry)
    with pytest.raises(Retried if retried else ValueError) as raised:
        tasks.rollups_refresh.run()
    assert (raised.value.args[0] if retried else raised.value) is error


def test_a_recompute_reports_its_progress_in_the_task_state(monkeypatch, organization):
    cycle = ServiceCycleFactory(organization=organization)
    for _ in range(2):
        TouchpointFactory(moment=MomentFactory(cycle=cycle))
    reports = []
    monkeypatch.setattr(tasks.cycle_recompute, "update_state",
                        lambda state, meta: reports.append((state, meta["done"], meta["total"])))
    today = dt.date.today()
    tasks.cycle_recompute.apply(args=[cycle.pk, "channels", (today - dt.timedelta(days=13)).isoformat(),
                                      today.isoformat()], task_id="recompute-progress").get()
    assert reports[0] == ("PROGRESS", 0, 1)
    assert reports[-1][0] == "PROGRESS" and reports[-1][1] == reports[-1][2] >= 2, reports


def test_the_page_reads_a_workers_progress(client, organization, settings, monkeypatch):
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(MembershipFactory(organization=organization).user)
    settings.CELERY_TASK_ALWAYS_EAGER = False

    class Running:
        def __init__(self, task_id):
            self.state, self.info = "PROGRESS", {"done": 2, "total": 5}

    monkeypatch.setattr(views, "AsyncResult", Running)
    cache.set(views._task_key("worker-task"), cycle.pk)
    response = client.get(reverse("analytics:task_status", args=[cycle.pk, "worker-task"]))
    assert response.json() == {"state": "PROGRESS", "done": 2, "total": 5}
