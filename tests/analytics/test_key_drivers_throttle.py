"""Key drivers after new ratings: at once after a quiet spell, else once per interval.

Under steady ingest the rollups are refreshed every few seconds; the key drivers
(a model over every linked customer, and the dashboard's figures drawn again
after them) followed each refresh (`make bench`, mixed load)."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings

from analytics import services, tasks
from tests.factories import RatingFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(monkeypatch) -> dict[str, list]:
    cache.clear()
    calls: dict[str, list] = {"now": [], "later": []}
    monkeypatch.setattr(tasks.key_drivers_refresh, "delay", lambda *args: calls["now"].append(args))
    monkeypatch.setattr(tasks.key_drivers_refresh, "apply_async",
                        lambda args, **options: calls["later"].append((tuple(args), options)))
    return calls


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS=30)
def test_at_once_after_a_quiet_spell_then_once_when_the_interval_ends(scheduled):
    services.key_drivers_soon(7)
    assert scheduled["now"] == [(7,)] and scheduled["later"] == []
    # Refreshes within the interval: one task, when it ends, for all of them.
    for _ in range(5):
        services.key_drivers_soon(7)
    assert scheduled["now"] == [(7,)]
    assert len(scheduled["later"]) == 1
    (args, options) = scheduled["later"][0]
    assert args == (7,) and 29 <= options["countdown"] <= 30 and options["task_id"]
    # Another cycle has its own interval.
    services.key_drivers_soon(8)
    assert scheduled["now"] == [(7,), (8,)]
    # The scheduled task starts: a new interval, and the next refresh schedules its end.
    services.key_drivers_window_open(cycle_id=7, task_id=options["task_id"])
    services.key_drivers_soon(7)
    assert scheduled["now"] == [(7,), (8,)]
    assert len(scheduled["later"]) == 2 and 29 <= scheduled["later"][1][1]["countdown"] <= 30
    cache.clear()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS=30)
def test_another_task_of_the_cycle_does_not_release_the_scheduled_one(scheduled):
    services.key_drivers_soon(7)
    services.key_drivers_soon(7)
    assert len(scheduled["later"]) == 1
    services.key_drivers_window_open(cycle_id=7, task_id="a-rebuild's")
    services.key_drivers_soon(7)
    assert len(scheduled["later"]) == 1, "the one scheduled still comes, and counts these ratings"
    cache.clear()


@pytest.mark.parametrize("settings_", [{"MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS": 0, "CELERY_TASK_ALWAYS_EAGER": False},
                                       {"MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS": 30, "CELERY_TASK_ALWAYS_EAGER": True}])
def test_every_time_without_an_interval_or_without_a_worker(scheduled, settings_):
    with override_settings(**settings_):
        for _ in range(3):
            services.key_drivers_soon(7)
    assert scheduled["now"] == [(7,)] * 3 and scheduled["later"] == []


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS=30,
                   MOMENTO_TERMS_DEBOUNCE_SECONDS=30)
def test_the_refresh_after_ingest_throttles_them_a_rebuild_does_not(scheduled, django_capture_on_commit_callbacks):
    touchpoint = TouchpointFactory()
    cycle_id = touchpoint.moment.cycle_id
    with mock.patch.object(tasks.heatmaps_refresh, "delay"), mock.patch.object(tasks.terms_refresh, "apply_async"):
        for _ in range(3):
            RatingFactory(touchpoint=touchpoint, score=2)
            with django_capture_on_commit_callbacks(execute=True):
                services.rollups_refresh_and_fan_out()
        assert scheduled["now"] == [(cycle_id,)] and len(scheduled["later"]) == 1
        with django_capture_on_commit_callbacks(execute=True):
            services.rollups_rebuild_and_fan_out()
    assert scheduled["now"] == [(cycle_id,), (cycle_id,)]
    cache.clear()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS=30)
def test_the_task_opens_the_interval(monkeypatch):
    """The task itself (whoever queued it) starts the cycle's interval, so the next
    refresh waits for its end, and the task scheduled releases its key."""
    cache.clear()
    monkeypatch.setattr(services, "key_drivers_refresh_cycle", lambda **kwargs: 0)
    monkeypatch.setattr(tasks, "_dashboard_warm", lambda cycle_id: [])
    cache.set(services.refresh.KEY_DRIVERS_PENDING_KEY.format(cycle_id=7), "its-id", 60)
    tasks.key_drivers_refresh.apply(args=[7], task_id="its-id").get()
    assert cache.get(services.refresh.KEY_DRIVERS_WINDOW_KEY.format(cycle_id=7)) is not None
    assert cache.get(services.refresh.KEY_DRIVERS_PENDING_KEY.format(cycle_id=7)) is None
    cache.clear()
