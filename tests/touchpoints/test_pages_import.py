"""The ratings import page: upload → preview and column mapping → import task → counts
or errors by line, nothing written for a bad file; roles, scoping and size limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from journeys.models import Membership
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints import imports, selectors, tasks
from touchpoints.models import Rating, RatingImport

pytestmark = pytest.mark.django_db

GOOD = (
    "touchpoint_key,score,occurred_at,external_id\n"
    "bag-drop,5,2026-03-02T09:15:00+01:00,s-1\n"
    "bag-drop,2,2026-03-02T10:15:00+01:00,s-2\n"
    "bag-drop,4,,s-3\n"
)
BAD_LINE_3 = (
    "touchpoint_key,score,occurred_at,external_id\n"
    "bag-drop,5,2026-03-02T09:15:00+01:00,b-1\n"
    "bag-drop,9,2026-03-02T10:15:00+01:00,b-2\n"
    "bag-drop,4,,b-3\n"
)


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, settings):
    settings.MOMENTO_UPLOAD_DIR = tmp_path / "imports"
    return settings.MOMENTO_UPLOAD_DIR


@pytest.fixture(autouse=True)
def embedded_celery(celery_in_process):
    """These tests run the task in-process (as `make run` does), with or without a broker;
    tests/touchpoints/test_import_worker.py covers a real worker."""


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Bag drop"), key="bag-drop", name="Counter")
    return cycle


@pytest.fixture
def manager(client, organization, cycle):
    user = MembershipFactory(organization=organization, role=Membership.Role.CX_MANAGER).user
    client.force_login(user)
    return client


def csv_file(content: str | bytes, name: str = "ratings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content, "text/csv")


def upload(client, organization, content, **extra):
    return client.post(reverse("touchpoints:import_upload", args=[organization.pk]), {"file": csv_file(content)},
                       **extra)


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """POST "Import". The test's transaction never commits, so the task queued
    on commit is run as a commit would run it (eagerly: no broker in tests)."""
    def start(client, rating_import):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("touchpoints:import_start", args=[rating_import.pk]))
    return start


def stored_files(upload_dir) -> list:
    return list(upload_dir.iterdir()) if upload_dir.exists() else []


def test_upload_shows_the_column_mapping_and_first_lines_before_importing(manager, organization, upload_dir):
    response = upload(manager, organization, GOOD)
    rating_import = RatingImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("touchpoints:import_detail", args=[rating_import.pk])
    page = manager.get(response["Location"]).content.decode()
    for text in ("Touchpoint (its key)", "Score, on the touchpoint", "External id", "2026-03-02T10:15:00+01:00",
                 'id="import-button"'):
        assert text in page
    assert rating_import.status == "uploaded" and rating_import.file_name == "ratings.csv"
    assert len(stored_files(upload_dir)) == 1  # waiting for the worker
    assert not Rating.objects.exists()


def test_unknown_and_missing_columns_are_flagged_and_the_file_cannot_be_imported(manager, organization, upload_dir):
    upload(manager, organization, "touchpoint_key,stars,when\nbag-drop,5,today\n")
    rating_import = RatingImport.objects.get()
    page = manager.get(reverse("touchpoints:import_detail", args=[rating_import.pk])).content.decode()
    assert "Unknown column" in page and "Missing: this column is required" in page
    assert "Missing column(s): score" in page and "Unknown column(s): stars, when" in page
    assert "This file cannot be imported; nothing was written." in page
    assert 'id="import-button"' not in page
    assert rating_import.status == "failed"
    assert stored_files(upload_dir) == []
    response = manager.post(reverse("touchpoints:import_start", args=[rating_import.pk]), follow=True)
    assert "already been imported" in response.content.decode()
    assert not Rating.objects.exists()


def test_import_shows_full_progress_and_the_counts_in_eager_mode(manager, organization, upload_dir, start):
    upload(manager, organization, GOOD)
    rating_import = RatingImport.objects.get()
    response = start(manager, rating_import)
    assert response.status_code == 302
    page = manager.get(response["Location"]).content.decode()
    assert 'value="100"' in page and "Import finished" in page
    assert '<strong data-count="created">3</strong> new ratings' in page
    assert '<strong data-count="duplicate">0</strong> duplicates skipped' in page
    assert Rating.objects.filter(organization=organization, source="csv").count() == 3
    assert stored_files(upload_dir) == []  # cleaned up
    status = manager.get(reverse("touchpoints:import_status", args=[rating_import.pk])).json()
    assert (status["finished"], status["percent"], status["status"]) == (True, 100, "succeeded")
    assert "3</strong> new ratings" in status["result_html"]


def test_a_file_imported_again_counts_duplicates_and_stores_nothing_twice(manager, organization, start):
    for _ in range(2):
        upload(manager, organization, GOOD)
        start(manager, RatingImport.objects.first())
    second = RatingImport.objects.first()
    assert (second.created_count, second.duplicate_count) == (0, 3)
    assert Rating.objects.count() == 3


def test_a_bad_line_shows_the_error_by_line_and_nothing_is_written(manager, organization, upload_dir, start):
    upload(manager, organization, BAD_LINE_3)
    rating_import = RatingImport.objects.get()
    start(manager, rating_import)
    page = manager.get(reverse("touchpoints:import_detail", args=[rating_import.pk])).content.decode()
    assert "The file was refused; nothing was written." in page
    assert '<td class="num">3</td><td><code>score</code></td>' in page
    assert "1 error found" in page
    assert not Rating.objects.exists()
    assert stored_files(upload_dir) == []
    rating_import.refresh_from_db()
    assert rating_import.status == "failed" and rating_import.errors[0]["line"] == 3


def test_many_bad_lines_show_the_first_errors_and_the_total(manager, organization, start):
    lines = "".join(f"bag-drop,{7 + index % 3},,x-{index}\n" for index in range(120))
    upload(manager, organization, "touchpoint_key,score,occurred_at,external_id\n" + lines)
    rating_import = RatingImport.objects.get()
    start(manager, rating_import)
    page = manager.get(reverse("touchpoints:import_detail", args=[rating_import.pk])).content.decode()
    assert "120 errors found (the first 50 below)" in page
    assert page.count("</td><td><code>score</code></td><td>") == 50
    assert not Rating.objects.exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file (it contains binary data)"),
    (b"PK\x03\x04\x14\x00\x06\x00workbook.xml", "This is a spreadsheet workbook, not a CSV file"),
    ("touchpoint_key,score,comment\nbag-drop,4,Facturación\n".encode("latin-1"), "The file is not UTF-8 text"),
    (b"", "The file is empty."),
    (b"\n\n  \n", "The file is empty."),
])
def test_a_file_that_is_not_a_csv_is_refused_with_a_clear_message(manager, organization, upload_dir, content,
                                                                     message):
    response = upload(manager, organization, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RatingImport.objects.exists() and not Rating.objects.exists()
    assert stored_files(upload_dir) == []


def test_semicolon_separated_file_is_flagged(manager, organization):
    upload(manager, organization, "touchpoint_key;score\nbag-drop;4\n")
    page = manager.get(reverse("touchpoints:import_detail", args=[RatingImport.objects.get().pk])).content.decode()
    assert "The columns are separated by semicolons" in page
    assert 'id="import-button"' not in page


def test_a_200_mb_upload_is_refused_from_its_declared_length_before_reading_it(manager, organization):
    # The body is tiny: had the view read it as the declared 200 MB, parsing would fail instead.
    response = upload(manager, organization, GOOD, CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 413
    content = response.content.decode()
    assert "the most Momento imports at once is" in content and "200.0" in content
    assert not RatingImport.objects.exists()


@override_settings(MOMENTO_CSV_MAX_BYTES=1000)
def test_an_upload_past_the_limit_is_stopped_while_streaming(manager, organization, upload_dir):
    content = "touchpoint_key,score\n" + "bag-drop,4\n" * 500
    response = upload(manager, organization, content)
    assert response.status_code == 413
    assert "the most Momento imports at once" in response.content.decode()
    assert not RatingImport.objects.exists() and stored_files(upload_dir) == []


@override_settings(MOMENTO_CSV_MAX_BYTES=1000)
def test_the_upload_service_stops_copying_past_the_limit(organization, upload_dir):
    class Stream:
        """A file whose size is not known in advance."""
        name = "big.csv"

        def __init__(self):
            self.left = 10

        def read(self, size=-1):
            self.left -= 1
            return b"bag-drop,4\n" * 50 if self.left >= 0 else b""

    with pytest.raises(ValidationError, match="the most Momento imports at once"):
        imports.rating_import_upload(organization=organization, file=Stream(), created_by=None)
    assert stored_files(upload_dir) == [] and not RatingImport.objects.exists()


def test_an_import_is_started_once_even_if_asked_twice(manager, organization, start):
    upload(manager, organization, "touchpoint_key,score\nbag-drop,4\nbag-drop,5\n")
    rating_import = RatingImport.objects.get()
    start(manager, rating_import)
    response = manager.post(reverse("touchpoints:import_start", args=[rating_import.pk]), follow=True)
    assert "already been imported or is being imported" in response.content.decode()
    assert Rating.objects.count() == 2


def test_status_reports_the_tasks_progress_while_it_runs(manager, organization, monkeypatch, settings):
    upload(manager, organization, GOOD)
    rating_import = RatingImport.objects.get()
    RatingImport.objects.filter(pk=rating_import.pk).update(status="running", task_id="task-1")

    class Running:
        def __init__(self, task_id):
            assert task_id == "task-1"
            self.info = {"done": 3000, "total": 4000}

    monkeypatch.setattr(selectors, "AsyncResult", Running)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a worker: the result backend holds the progress
    status = manager.get(reverse("touchpoints:import_status", args=[rating_import.pk])).json()
    assert status == {"status": "running", "finished": False, "done": 3000, "total": 4000, "percent": 75}
    page = manager.get(reverse("touchpoints:import_detail", args=[rating_import.pk])).content.decode()
    assert 'value="75"' in page and "3,000 of 4,000 lines" in page and "data-status-url" in page


def test_the_task_reports_progress_through_its_state(organization, cycle, monkeypatch, upload_dir):
    content = "touchpoint_key,score\n" + "bag-drop,4\n" * 2500
    rating_import = imports.rating_import_upload(organization=organization, file=csv_file(content), created_by=None)
    RatingImport.objects.filter(pk=rating_import.pk).update(status="queued")
    reports = []
    monkeypatch.setattr(tasks.ratings_import, "update_state",
                        lambda state, meta: reports.append((state, meta["done"], meta["total"])))
    result = tasks.ratings_import.apply(args=[rating_import.pk, "en"], task_id="progress-test").get()
    assert result == {"status": "succeeded", "rows": 2500, "created": 2500, "duplicate": 0, "errors": 0}
    assert reports[0] == ("PROGRESS", 1000, 2500) and reports[-1] == ("PROGRESS", 2500, 2500)
    assert stored_files(upload_dir) == []


def test_a_redelivered_task_does_not_import_the_file_twice(
    organization, cycle, django_capture_on_commit_callbacks
):
    rating_import = imports.rating_import_upload(
        organization=organization, file=csv_file("touchpoint_key,score\nbag-drop,4\n"), created_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        imports.rating_import_start(rating_import=rating_import)
    again = imports.rating_import_run(import_id=rating_import.pk)
    assert again.status == "succeeded" and Rating.objects.count() == 1


def test_uploads_nobody_imported_expire_and_their_files_are_deleted(organization, upload_dir):
    rating_import = imports.rating_import_upload(
        organization=organization, file=csv_file("touchpoint_key,score\nbag-drop,4\n"), created_by=None)
    RatingImport.objects.filter(pk=rating_import.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    assert imports.rating_imports_expire() == 1
    rating_import.refresh_from_db()
    assert rating_import.status == "expired" and stored_files(upload_dir) == []


def test_cycle_page_links_to_its_import_page_which_lists_its_touchpoint_keys(manager, cycle):
    page = manager.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    url = reverse("touchpoints:cycle_import_upload", args=[cycle.pk])
    assert f'href="{url}"' in page
    upload_page = manager.get(url).content.decode()
    assert "Touchpoint keys of Airline" in upload_page and "<code>bag-drop</code>" in upload_page
    manager.post(url, {"file": csv_file(GOOD)})
    assert RatingImport.objects.get().cycle == cycle


def test_navigation_links_to_the_import_page_for_cx_managers_only(client, organization, cycle):
    manager = MembershipFactory(organization=organization, role=Membership.Role.CX_MANAGER).user
    lead = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user
    client.force_login(manager)
    page = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "Import ratings" in page and "API tokens" not in page
    assert client.get(reverse("touchpoints:imports_home"))["Location"] == reverse(
        "touchpoints:import_upload", args=[organization.pk])
    client.force_login(lead)
    assert "Import ratings" not in client.get(reverse("journeys:cycle_list")).content.decode()
    assert client.get(reverse("touchpoints:imports_home")).status_code == 403


@pytest.mark.parametrize("role", [Membership.Role.TEAM_LEAD, Membership.Role.VIEWER])
def test_team_leads_and_viewers_get_403_with_a_message(client, organization, cycle, role, start):
    user = MembershipFactory(organization=organization, role=role).user
    rating_import = imports.rating_import_upload(
        organization=organization, file=csv_file(GOOD), created_by=None)
    client.force_login(user)
    for url in (reverse("touchpoints:import_upload", args=[organization.pk]),
                reverse("touchpoints:cycle_import_upload", args=[cycle.pk]),
                reverse("touchpoints:import_detail", args=[rating_import.pk]),
                reverse("touchpoints:import_status", args=[rating_import.pk])):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only CX managers and admins can import ratings." in response.content.decode()
    assert upload(client, organization, GOOD).status_code == 403
    assert start(client, rating_import).status_code == 403
    assert RatingImport.objects.count() == 1 and not Rating.objects.exists()


def test_another_organizations_pages_and_imports_are_404(client, organization, cycle, outsider, start):
    rating_import = imports.rating_import_upload(organization=organization, file=csv_file(GOOD), created_by=None)
    client.force_login(outsider)
    for url in (reverse("touchpoints:import_upload", args=[organization.pk]),
                reverse("touchpoints:cycle_import_upload", args=[cycle.pk]),
                reverse("touchpoints:import_detail", args=[rating_import.pk]),
                reverse("touchpoints:import_status", args=[rating_import.pk])):
        assert client.get(url).status_code == 404, url
    assert upload(client, organization, GOOD).status_code == 404
    assert start(client, rating_import).status_code == 404
    rating_import.refresh_from_db()
    assert rating_import.status == "uploaded" and not Rating.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, organization):
    response = client.get(reverse("touchpoints:import_upload", args=[organization.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_upload_page_query_count_is_bounded(manager, organization, cycle, django_assert_max_num_queries):
    for index in range(5):
        TouchpointFactory(moment=cycle.moments.get(), key=f"extra-{index}")
        imports.rating_import_upload(organization=organization, file=csv_file(GOOD), created_by=None)
    with django_assert_max_num_queries(10):
        assert manager.get(reverse("touchpoints:import_upload", args=[organization.pk])).status_code == 200


def test_an_upload_without_the_csrf_token_is_refused(organization, cycle):
    """The view is csrf_exempt only to check sizes before the body is read; it checks CSRF itself."""
    from django.test import Client

    user = MembershipFactory(organization=organization, role=Membership.Role.CX_MANAGER).user
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("touchpoints:import_upload", args=[organization.pk]), {"file": csv_file(GOOD)})
    assert response.status_code == 403
    assert not RatingImport.objects.exists()
