"""The PDF report as background work (issue 19, item 5): the dashboard's button starts a
task whose progress a page follows, then the file is downloaded; a cycle deleted
meanwhile, a crash or a lost task end as a failure the page words, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import exports, tasks
from analytics.models import ReportExport
from analytics.periods import Period
from tests.analytics.report_data import pdf_text
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Hotel stay")
    TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in desk"))
    return cycle


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def _queued(cycle, member, **fields) -> ReportExport:
    return ReportExport.objects.create(
        organization=cycle.organization, cycle=cycle, cycle_name=cycle.name, requested_by=member,
        period_start=dt.date(2026, 11, 2), period_end=dt.date(2026, 11, 29), task_id="task-1", **fields)


def test_the_button_makes_the_report_and_the_file_is_downloaded_in_the_embedded_mode(
        signed_in, member, cycle, celery_in_process, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("analytics:report_pdf", args=[cycle.pk]),
                                  {"start": "2026-11-02", "end": "2026-11-29"}, **JSON)
    assert response.status_code == 202
    answer = response.json()
    export = ReportExport.objects.get()
    assert answer["export"] == export.pk and answer["download_url"] == f"/exports/{export.pk}/report.pdf"
    # The first answer may say "pending": the task runs once the request's transaction commits.
    status = signed_in.get(answer["status_url"]).json()
    assert status["state"] == "SUCCESS" and status["error"] is None
    download = signed_in.get(answer["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="momento-hotel-stay-2026-11-02-2026-11-29.pdf"'
    text = pdf_text(download.content)
    assert "Hotel stay" in text and "No ratings in this period" in text
    assert export.requested_by == member


def test_without_javascript_the_form_leads_to_the_exports_page(signed_in, cycle, celery_in_process,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("analytics:report_pdf", args=[cycle.pk]), {"weeks": "4"})
    export = ReportExport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    page = signed_in.get(response["Location"]).content.decode()
    assert "The report is ready." in page and f'href="/exports/{export.pk}/report.pdf"' in page


def test_the_report_is_written_in_the_language_of_whoever_asked(signed_in, cycle, celery_in_process,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("analytics:report_pdf", args=[cycle.pk]), {"weeks": "4"}, HTTP_ACCEPT_LANGUAGE="es")
    export = ReportExport.objects.get()
    assert export.language == "es"
    assert "Informe del ciclo de servicio" in pdf_text(bytes(export.content))


def test_while_a_worker_makes_it_the_status_reports_sections_done(signed_in, cycle, member, monkeypatch, settings):
    export = _queued(cycle, member, status=ReportExport.Status.RUNNING)

    class Running:
        def __init__(self, task_id):
            assert task_id == "task-1"
            self.info = {"done": 2, "total": 6}

    monkeypatch.setattr(exports, "AsyncResult", Running)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a worker: the result backend holds the progress
    status = signed_in.get(reverse("analytics:export_status", args=[export.pk])).json()
    assert status["state"] == "PROGRESS" and (status["done"], status["total"]) == (2, 6)
    page = signed_in.get(reverse("analytics:export_detail", args=[export.pk])).content.decode()
    assert f'data-export-status-url="/exports/{export.pk}/status/"' in page and "Making the PDF report…" in page
    assert signed_in.get(reverse("analytics:export_download", args=[export.pk])).status_code == 404


def test_the_task_tells_its_progress_section_by_section(cycle, member, monkeypatch):
    export = _queued(cycle, member)
    reports = []
    monkeypatch.setattr(tasks.report_export, "update_state",
                        lambda state, meta: reports.append((state, meta["done"], meta["total"])))
    result = tasks.report_export.apply(args=[export.pk], task_id="progress-test").get()
    assert result["status"] == "succeeded" and result["size"] > 1000
    total = reports[-1][2]
    assert reports == [("PROGRESS", done, total) for done in range(1, total + 1)]
    assert total == 7, "cover, wheel, heatmap, emotion curve, critical moments, review items, the file"


def test_an_export_of_a_cycle_deleted_meanwhile_fails_cleanly_and_the_page_says_so(signed_in, cycle, member):
    export = _queued(cycle, member)
    cycle.delete()
    result = tasks.report_export.apply(args=[export.pk]).get()
    export.refresh_from_db()
    assert result["status"] == "failed" and export.status == "failed" and export.error_code == "cycle_deleted"
    assert export.cycle is None and export.cycle_name == "Hotel stay"
    status = signed_in.get(reverse("analytics:export_status", args=[export.pk])).json()
    assert status["state"] == "FAILURE"
    assert status["error"] == "The cycle was deleted before its report was ready."
    page = signed_in.get(reverse("analytics:export_detail", args=[export.pk])).content.decode()
    assert "The cycle was deleted before its report was ready." in page and "Hotel stay" in page
    assert signed_in.get(reverse("analytics:export_download", args=[export.pk])).status_code == 404


def test_a_cycle_deleted_while_its_report_is_being_made_fails_cleanly(cycle, member, monkeypatch):
    from analytics import report

    export = _queued(cycle, member)
    made = report.report_pdf

    def delete_midway(**kwargs):
        content = made(**kwargs)
        kwargs["cycle"].delete()
        return content

    monkeypatch.setattr(report, "report_pdf", delete_midway)
    exports.report_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.error_code, export.content) == ("failed", "cycle_deleted", None)


def test_a_crash_is_recorded_and_worded_never_a_500(signed_in, cycle, monkeypatch, celery_in_process,
                                                   django_capture_on_commit_callbacks):
    from analytics import report

    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "report_pdf", crash)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("analytics:report_pdf", args=[cycle.pk]), {"weeks": "4"}, **JSON)
    assert response.status_code == 202
    export = ReportExport.objects.get()
    assert (export.status, export.error_code) == ("failed", "export_crashed")
    status = signed_in.get(response.json()["status_url"]).json()
    assert status["state"] == "FAILURE" and status["error"].startswith("The report could not be made.")


def test_running_twice_stores_one_outcome(cycle, member):
    export = _queued(cycle, member)
    exports.report_export_run(export_id=export.pk)
    export.refresh_from_db()
    first = bytes(export.content)
    assert exports.report_export_run(export_id=export.pk).status == "succeeded"
    export.refresh_from_db()
    assert bytes(export.content) == first and export.finished_at is not None


def test_an_export_no_worker_took_for_an_hour_is_failed_when_looked_at(signed_in, cycle, member):
    export = _queued(cycle, member)
    ReportExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    status = signed_in.get(reverse("analytics:export_status", args=[export.pk])).json()
    assert status["state"] == "FAILURE" and status["error"] == "No worker made the report in time; try again."


def test_exports_older_than_a_day_are_deleted_when_another_starts(cycle, member, django_capture_on_commit_callbacks):
    old = _queued(cycle, member, status=ReportExport.Status.SUCCEEDED, content=b"%PDF-old")
    ReportExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=False):
        new = exports.report_export_start(cycle=cycle, period=Period(start=dt.date(2026, 11, 2),
                                                                     end=dt.date(2026, 11, 8)), requested_by=member)
    assert list(ReportExport.objects.values_list("pk", flat=True)) == [new.pk]


def test_a_bad_period_starts_nothing_and_says_why(signed_in, cycle):
    response = signed_in.post(reverse("analytics:report_pdf", args=[cycle.pk]),
                              {"start": "2026-12-01", "end": "2026-11-01"}, **JSON)
    assert response.status_code == 400 and response.json() == {"errors": ["The period ends before it starts."]}
    response = signed_in.post(reverse("analytics:report_pdf", args=[cycle.pk]), {"weeks": "0"}, follow=True)
    assert "The period needs at least one week." in response.content.decode()
    assert not ReportExport.objects.exists()


def test_another_organizations_exports_are_not_found(client, cycle, member, outsider):
    export = _queued(cycle, member, status=ReportExport.Status.SUCCEEDED, content=b"%PDF-secret")
    client.force_login(outsider)
    for name in ("analytics:export_detail", "analytics:export_status", "analytics:export_download"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404, name
    assert client.post(reverse("analytics:report_pdf", args=[cycle.pk]), {"weeks": "4"}).status_code == 404


def test_every_member_of_the_organization_may_follow_and_download_an_export(client, cycle, member, organization):
    export = _queued(cycle, member, status=ReportExport.Status.SUCCEEDED, content=b"%PDF-made")
    client.force_login(MembershipFactory(organization=organization, role="viewer").user)
    assert client.get(reverse("analytics:export_download", args=[export.pk])).content == b"%PDF-made"
