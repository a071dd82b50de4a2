"""A cycle's new time zone re-buckets its rollups and snapshots once the change
commits (journeys.events → analytics.receivers), in a worker or embedded."""

from __future__ import annotations

import ast
import datetime as dt
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError as KombuOperationalError

from analytics import receivers, services, tasks, views
from analytics.models import CycleRollupState, DailyRollup, HeatmapSnapshot
from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today
from journeys import events
from journeys.services import cycle_update
from tests.analytics.helpers import raw_rows, rollup_rows
from tests.factories import MembershipFactory, MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db

OLD, NEW = "Europe/Madrid", "America/Bogota"


def _monday_two_weeks_ago(zone: str) -> dt.datetime:
    today = local_today(zone)
    monday = today - dt.timedelta(days=today.weekday() + 14)
    return dt.datetime.combine(monday, dt.time(), tzinfo=ZoneInfo(zone))


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, timezone=OLD, min_sample=1)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in"))
    # Twenty minutes either side of midnight, in the old zone and in the new one:
    # every one of these ratings falls on another local day in the other zone.
    for midnight in (_monday_two_weeks_ago(OLD), _monday_two_weeks_ago(NEW)):
        for minutes in (-20, 20):
            RatingFactory(touchpoint=touchpoint, score=1, occurred_at=midnight + dt.timedelta(minutes=minutes))
    services.rollups_refresh()
    return cycle


def local_days(zone: str) -> Counter:
    """Ratings per local day, computed here with zoneinfo (not by the product's SQL)."""
    info = ZoneInfo(zone)
    return Counter(occurred.astimezone(info).date() for occurred in Rating.objects.values_list("occurred_at", flat=True))


def rollup_days() -> Counter:
    counts: Counter = Counter()
    for day, n in DailyRollup.objects.values_list("day", "n"):
        counts[day] += n
    return counts


def week_counts(zone: str) -> dict[str, int]:
    counts: Counter = Counter()
    for day, n in local_days(zone).items():
        year, week, _weekday = day.isocalendar()
        counts[f"{year}-W{week:02d}"] += n
    return dict(counts)


def default_snapshot(cycle) -> HeatmapSnapshot:
    period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(NEW))
    return HeatmapSnapshot.objects.get(cycle=cycle, dimension="weeks", period_start=period.start,
                                       period_end=period.end)


def snapshot_week_counts(snapshot: HeatmapSnapshot) -> dict[str, int]:
    data = snapshot.data
    cells = data["rows"][0]["cells"]
    return {column["key"]: cell["n"] for column, cell in zip(data["columns"], cells, strict=False) if cell["n"]}


@pytest.fixture
def embedded(celery_in_process):
    """Embedded mode (no broker), as `make run`, even when the suite runs with REDIS_URL."""


def test_the_fixture_ratings_fall_on_other_days_in_the_other_zone(cycle):
    assert local_days(OLD) != local_days(NEW)
    assert rollup_days() == local_days(OLD)


def test_a_new_time_zone_rebuckets_the_rollups_by_local_day(cycle, embedded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cycle_update(cycle=cycle, timezone=NEW)
    assert rollup_days() == local_days(NEW)
    assert rollup_rows() == raw_rows()


def test_the_snapshots_are_recomputed_with_the_new_buckets(cycle, embedded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cycle_update(cycle=cycle, timezone=NEW)
    snapshot = default_snapshot(cycle)
    # Stored already (computed by the rebuild, not on this read) and current.
    assert snapshot.rollup_version == CycleRollupState.objects.get(cycle=cycle).version
    assert snapshot.data["timezone"] == NEW
    assert snapshot_week_counts(snapshot) == week_counts(NEW) != week_counts(OLD)


def test_nothing_is_rebuilt_before_the_change_commits_or_when_the_zone_stays(
        cycle, embedded, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    monkeypatch.setattr(services, "cycle_rebuild", lambda **kwargs: calls.append(kwargs))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cycle_update(cycle=cycle, timezone=NEW)
    assert calls == [] and len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cycle_update(cycle=cycle, timezone=OLD, name="Renamed")
        cycle_update(cycle=cycle, timezone=OLD)
    assert calls == [{"cycle_id": cycle.pk}]


def save_time_zone(client, cycle, zone: str, capture):
    """POST the settings form as a CX manager; the on-commit work runs (the test's
    transaction never commits), and then the redirect is followed."""
    client.force_login(MembershipFactory(organization=cycle.organization, role="cx_manager").user)
    with capture(execute=True):
        response = client.post(reverse("journeys:cycle_settings", args=[cycle.pk]), {
            "name": cycle.name, "description": "", "timezone": zone, "min_sample": "1",
            "critical_share_percent": "25"})
    assert response.status_code == 302
    return client.get(response["Location"])


class QueuedResult:
    id, state = "rebuild-task-1", "PENDING"


def test_with_a_worker_the_rebuild_is_queued_and_the_page_follows_its_progress(
        client, cycle, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.cycle_rebuild, "delay", lambda *args: queued.append(args) or QueuedResult())
    page = save_time_zone(client, cycle, NEW, django_capture_on_commit_callbacks).content.decode()
    assert queued == [(cycle.pk,)]
    status_url = reverse("analytics:task_status", args=[cycle.pk, QueuedResult.id])
    assert f'data-task-status-url="{status_url}"' in page
    assert "Counting this cycle's ratings again by days in America/Bogota" in page

    class Running:
        def __init__(self, task_id):
            self.state, self.info = "PROGRESS", {"done": 1, "total": 3}

    monkeypatch.setattr(views, "AsyncResult", Running)
    assert client.get(status_url).json() == {"state": "PROGRESS", "done": 1, "total": 3}
    # The worker's run of that task: rollups in the new zone, then the snapshots, reporting progress.
    reports = []
    monkeypatch.setattr(tasks.cycle_rebuild, "update_state", lambda state, meta: reports.append(meta))
    tasks.cycle_rebuild.apply(args=[cycle.pk], task_id=QueuedResult.id).get()
    assert rollup_days() == local_days(NEW)
    assert reports[0] == {"done": 0, "total": 1} and reports[-1]["done"] == reports[-1]["total"] >= 1


def test_embedded_the_page_says_the_recount_is_done(client, cycle, embedded, django_capture_on_commit_callbacks):
    page = save_time_zone(client, cycle, NEW, django_capture_on_commit_callbacks).content.decode()
    assert "Done: the dashboard and the weekly review count days in America/Bogota." in page
    assert "data-task-status-url" not in page
    assert rollup_days() == local_days(NEW)


def test_with_the_broker_down_the_rebuild_runs_at_once(cycle, settings, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def unreachable(*args):
        raise KombuOperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.cycle_rebuild, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        cycle_update(cycle=cycle, timezone=NEW)
    assert rollup_days() == local_days(NEW)
    assert events.cycle_job_current(cycle=cycle).finished


def test_a_failed_rebuild_does_not_fail_the_save_and_the_page_says_so(
        client, cycle, embedded, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(services, "cycle_rebuild", broken)
    response = save_time_zone(client, cycle, NEW, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Counting the days again in America/Bogota failed" in response.content.decode()


def test_the_receiver_is_registered_once_by_analytics():
    assert events.cycle_timezone_changed.callbacks.count(receivers.cycle_timezone_changed) == 1


def test_journeys_events_and_services_import_no_higher_layer_at_module_level():
    root = Path(__file__).resolve().parents[2] / "journeys"
    for name in ("events.py", "services.py"):
        tree = ast.parse((root / name).read_text())
        imported = {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import)
                     for alias in node.names}
        assert not imported & {"touchpoints", "analytics", "reviews"}, (name, imported)


def test_a_rating_arriving_after_the_change_is_counted_in_the_new_zone(cycle, embedded,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cycle_update(cycle=cycle, timezone=NEW)
    touchpoint = cycle.moments.get().touchpoints.get()
    RatingFactory(touchpoint=touchpoint, occurred_at=_monday_two_weeks_ago(NEW) - dt.timedelta(minutes=5))
    services.rollups_refresh()
    assert rollup_days() == local_days(NEW)
    assert sum(rollup_days().values()) == Rating.objects.count()  # each rating counted once
