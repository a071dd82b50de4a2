"""A new time zone in the cycle settings: the page follows the recount to the end
(worker and embedded mode), and the dashboard's "recompute now" still follows its
task with the same status protocol (static/js/task_progress.js)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics import tasks, views
from analytics.services import rollups_refresh
from journeys.services import cycle_create, moment_add
from tests.factories import RatingFactory, TouchpointFactory

pytestmark = pytest.mark.browser

RUNNING = "Counting this cycle's ratings again by days in America/Bogota"
DONE = "Done: the dashboard and the weekly review count days in America/Bogota."
RUNNING_ES = "Contando de nuevo las valoraciones de este ciclo por días de America/Bogota"
DONE_ES = "Hecho: el panel y la revisión semanal cuentan los días en America/Bogota."
RETRYING = {"en": "The server does not answer; trying again…", "es": "El servidor no responde; volviendo a intentarlo…"}
UNREACHABLE = {
    "en": "Could not reach the server. Reload the page to see how the work went.",
    "es": "No se ha podido contactar con el servidor. Recarga la página para ver cómo ha ido el trabajo.",
}
TASK_STATUS = re.compile(r".*/dashboard/tasks/[^/]+/$")


@pytest.fixture
def cycle(cx_manager):
    cycle = cycle_create(organization=cx_manager.memberships.get().organization, name="Hotel stay",
                         timezone="Europe/Madrid")
    touchpoint = TouchpointFactory(moment=moment_add(cycle=cycle, name="Check-in", kind="SMOT"))
    for hours in (1, 5, 30):
        RatingFactory(touchpoint=touchpoint, score=2, occurred_at=timezone.now() - dt.timedelta(hours=hours))
    rollups_refresh()  # as after an ingest
    return cycle


class Queued:
    def __init__(self, task_id="rebuild-1"):
        self.id, self.state = task_id, "PENDING"


class Progressing:
    """What a worker's task reports, read by the status endpoint: 1/3, 2/3, then done."""

    reads = 0

    def __init__(self, task_id):
        Progressing.reads += 1
        if Progressing.reads < 3:
            self.state, self.info = "PROGRESS", {"done": Progressing.reads, "total": 3}
        else:
            self.state, self.info = "SUCCESS", {"cycle": 1}


@pytest.fixture
def worker_mode(settings, monkeypatch):
    """A worker's answers without a worker: the task is queued nowhere and its state is scripted."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    Progressing.reads = 0
    monkeypatch.setattr(tasks.cycle_rebuild, "delay", lambda *args: Queued())
    monkeypatch.setattr(tasks.cycle_recompute, "delay", lambda *args: Queued("recompute-1"))
    monkeypatch.setattr(views, "AsyncResult", Progressing)


def change_time_zone(page, zone: str, save: str = "Save settings") -> None:
    page.locator("#cycle-settings summary").click()
    page.locator("#settings_timezone").select_option(zone)
    page.get_by_role("button", name=save).click()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_cycle_page_follows_the_recount_until_it_is_done(page, shoot, log_in, cx_manager, cycle, worker_mode,
                                                             language):
    log_in(cx_manager)
    if language == "es":
        page.get_by_label("Language").select_option("es")
        expect(page.get_by_role("heading", name="Ciclos de servicio")).to_be_visible()
    page.goto(f"/cycles/{cycle.pk}/")
    change_time_zone(page, "America/Bogota", "Save settings" if language == "en" else "Guardar ajustes")
    job = page.locator("#cycle-job")
    expect(job).to_contain_text(RUNNING if language == "en" else RUNNING_ES)
    expect(job.locator("progress")).to_be_visible()
    shoot(f"cycle-timezone-running-{language}")
    expect(job).to_contain_text(DONE if language == "en" else DONE_ES, timeout=15_000)
    expect(job.locator("progress")).to_have_count(0)
    assert Progressing.reads == 3
    shoot(f"cycle-timezone-done-{language}")


def test_embedded_the_recount_is_done_when_the_page_comes_back(page, log_in, cx_manager, cycle, celery_in_process):
    from analytics.models import DailyRollup

    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/")
    change_time_zone(page, "America/Bogota")
    expect(page.locator("#cycle-job")).to_have_text(DONE)
    assert sum(DailyRollup.objects.filter(touchpoint__moment__cycle=cycle).values_list("n", flat=True)) == 3


def test_recompute_now_on_the_dashboard_follows_its_task_to_the_end(page, log_in, cx_manager, cycle, worker_mode):
    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.locator("#recompute-progress")).to_be_visible()
    # At SUCCESS the dashboard reloads itself, with the button ready again.
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0].type === 'reload'",
                           timeout=15_000)
    expect(page.get_by_role("button", name="Recompute now")).to_be_enabled()
    assert Progressing.reads == 3


def test_the_cycle_page_says_when_the_server_does_not_answer_and_carries_on(page, log_in, cx_manager, cycle,
                                                                            worker_mode):
    offline = {"on": True}
    page.route(TASK_STATUS, lambda route: route.abort("internetdisconnected") if offline["on"] else route.fallback())
    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/")
    change_time_zone(page, "America/Bogota")
    job = page.locator("#cycle-job")
    expect(job).to_have_text(RETRYING["en"])
    expect(job.locator("progress")).to_be_visible()
    offline["on"] = False
    expect(job).to_contain_text(RUNNING)
    expect(job).to_have_text(DONE, timeout=15_000)
    assert Progressing.reads == 3


@pytest.mark.parametrize("language", ["en", "es"])
def test_recompute_now_says_when_the_server_does_not_answer(page, shoot, log_in, cx_manager, cycle, worker_mode,
                                                            language):
    page.route(TASK_STATUS, lambda route: route.abort("internetdisconnected"))
    log_in(cx_manager)
    if language == "es":
        page.get_by_label("Language").select_option("es")
        expect(page.get_by_role("heading", name="Ciclos de servicio")).to_be_visible()
    page.goto(f"/cycles/{cycle.pk}/dashboard/")
    button = page.locator("#recompute-form button")
    button.click()
    status = page.locator("#recompute-status")
    expect(status).to_have_text(RETRYING[language])
    expect(button).to_be_disabled()
    expect(status).to_have_text(UNREACHABLE[language], timeout=15_000)
    expect(button).to_be_enabled()
    expect(page.locator("#recompute-progress")).to_be_hidden()
    shoot(f"dashboard-recompute-unreachable-{language}")
