"""What an import records and how it ends: codes shown in the reader's language, a
cycle's import limited to its touchpoints, the claim, expiry, and giving up on retries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from journeys.models import Membership
from momento.celery import app as celery_app
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints import imports, tasks
from touchpoints.models import Rating, RatingImport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, settings):
    settings.MOMENTO_UPLOAD_DIR = tmp_path / "imports"
    return settings.MOMENTO_UPLOAD_DIR


@pytest.fixture(autouse=True)
def embedded_celery(celery_in_process):
    """The task runs in this process, as in `make run`."""


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Bag drop"), key="bag-drop")
    return cycle


@pytest.fixture
def hotel(organization):
    """Another cycle of the same organization."""
    hotel = ServiceCycleFactory(organization=organization, name="Hotel")
    TouchpointFactory(moment=MomentFactory(cycle=hotel, name="Front desk"), key="front-desk")
    return hotel


@pytest.fixture
def admin(client, organization):
    client.force_login(MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user)
    return client


def csv_file(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("ratings.csv", content.encode(), "text/csv")


def uploaded(organization, content: str, *, cycle=None) -> RatingImport:
    return imports.rating_import_upload(organization=organization, cycle=cycle, file=csv_file(content),
                                        created_by=None)


def queued(organization, content: str, *, cycle=None) -> RatingImport:
    rating_import = uploaded(organization, content, cycle=cycle)
    RatingImport.objects.filter(pk=rating_import.pk).update(status="queued", task_id="t-1", queued_at=timezone.now())
    return rating_import


def detail(client, rating_import, language: str) -> str:
    url = reverse("touchpoints:import_detail", args=[rating_import.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def stored_files(upload_dir) -> list:
    return list(upload_dir.iterdir()) if upload_dir.exists() else []


# --- Codes, translated when shown (issue 13, item 6) ------------------------------------


def test_errors_are_stored_as_codes_and_shown_in_the_readers_language(admin, organization, cycle):
    rating_import = queued(organization, "touchpoint_key,score\nno-such-key,4\n")
    imports.rating_import_run(import_id=rating_import.pk)
    rating_import.refresh_from_db()
    assert rating_import.errors == [{"line": 2, "field": "touchpoint_key", "code": "touchpoint_key_unknown",
                                     "params": {"key": "no-such-key"}}]
    assert "Clave de punto de contacto desconocida «no-such-key»." in detail(admin, rating_import, "es")
    english = detail(admin, rating_import, "en")
    assert "Unknown touchpoint key “no-such-key”." in english and "desconocida" not in english


def test_an_import_run_in_spanish_reads_english_for_an_english_reader(admin, organization, cycle):
    rating_import = queued(organization, "touchpoint_key,score\nbag-drop,9\n")
    tasks.ratings_import.apply(args=[rating_import.pk, "es"]).get()
    english = detail(admin, rating_import, "en")
    assert "Score 9 is outside the csat5 scale (1–5)." in english
    assert "fuera de la escala" in detail(admin, rating_import, "es")


def test_the_preview_is_stored_as_codes_and_shown_in_the_readers_language(admin, organization, cycle):
    rating_import = uploaded(organization, "touchpoint_key,stars\nbag-drop,5\n")
    assert rating_import.preview["problems"][0]["code"] == "header_missing_columns"
    assert rating_import.preview["columns"][0] == {"name": "touchpoint_key", "key": "touchpoint_key", "state": "ok"}
    assert rating_import.errors[0]["code"] == "header_missing_columns"
    spanish = detail(admin, rating_import, "es")
    assert "Punto de contacto (su clave)" in spanish and "Columna desconocida" in spanish
    english = detail(admin, rating_import, "en")
    assert "Touchpoint (its key)" in english and "Unknown column" in english
    assert "Missing column(s): score" in english and "Unknown column(s): stars" in english


def test_errors_stored_before_codes_are_still_shown(admin, organization, cycle):
    rating_import = uploaded(organization, "touchpoint_key,score\nbag-drop,4\n")
    RatingImport.objects.filter(pk=rating_import.pk).update(
        status="failed", finished_at=timezone.now(), error_count=1,
        errors=[{"line": 2, "field": "score", "message": "Puntuación fuera de escala."}],
        preview={**rating_import.preview, "columns": [{"name": "score", "field": "Puntuación", "state": "ok"}],
                 "problems": [], "notes": ["Nota antigua."]},
    )
    page = detail(admin, rating_import, "en")
    assert "Puntuación fuera de escala." in page and "Nota antigua." in page


# --- A cycle's import takes that cycle's touchpoints only (item 7) ----------------------------


def test_a_cycles_import_refuses_a_touchpoint_of_another_cycle_with_a_line_error(admin, organization, cycle, hotel):
    rating_import = queued(organization, "touchpoint_key,score\nbag-drop,4\nfront-desk,5\n", cycle=cycle)
    imports.rating_import_run(import_id=rating_import.pk)
    rating_import.refresh_from_db()
    assert rating_import.status == "failed"
    assert rating_import.errors == [{"line": 3, "field": "touchpoint_key", "code": "touchpoint_other_cycle",
                                     "params": {"cycle": "Airline"}}]
    assert not Rating.objects.exists()
    assert "only takes the touchpoints of “Airline”" in detail(admin, rating_import, "en")


def test_a_cycles_import_refuses_another_cycles_touchpoint_by_id_too(organization, cycle, hotel):
    other = hotel.moments.get().touchpoints.get()
    rating_import = queued(organization, f"touchpoint,score\n{other.pk},5\n", cycle=cycle)
    imports.rating_import_run(import_id=rating_import.pk)
    rating_import.refresh_from_db()
    assert [(error["field"], error["code"]) for error in rating_import.errors] == [
        ("touchpoint", "touchpoint_other_cycle")]
    assert not Rating.objects.exists()


def test_the_organizations_import_takes_the_touchpoints_of_every_cycle(organization, cycle, hotel):
    rating_import = queued(organization, "touchpoint_key,score\nbag-drop,4\nfront-desk,5\n")
    assert imports.rating_import_run(import_id=rating_import.pk).status == "succeeded"
    assert Rating.objects.count() == 2


def test_the_cycles_import_page_says_it_takes_only_that_cycles_touchpoints(admin, cycle):
    page = admin.get(reverse("touchpoints:cycle_import_upload", args=[cycle.pk])).content.decode()
    assert 'id="cycle-scope"' in page and "Only the touchpoints of Airline are accepted here" in page


# --- The claim, expiry and retries (item 9) ---------------------------------------------------


def test_an_import_whose_row_another_worker_holds_is_left_to_it(organization, cycle, monkeypatch):
    rating_import = queued(organization, "touchpoint_key,score\nbag-drop,4\n")
    # As PostgreSQL's SKIP LOCKED answers while another delivery imports the file.
    monkeypatch.setattr(imports, "_locked", lambda import_id: None)
    again = imports.rating_import_run(import_id=rating_import.pk)
    assert again.status == "running"  # the claim moved it; the import is the other worker's
    assert not Rating.objects.exists()


def test_an_upload_nobody_started_is_not_imported_by_a_stray_task(organization, cycle):
    rating_import = uploaded(organization, "touchpoint_key,score\nbag-drop,4\n")
    assert imports.rating_import_run(import_id=rating_import.pk).status == "uploaded"
    assert not Rating.objects.exists()


def test_an_import_left_running_by_a_dead_worker_is_imported_by_the_redelivery(organization, cycle, upload_dir):
    rating_import = queued(organization, "touchpoint_key,score\nbag-drop,4\n")
    RatingImport.objects.filter(pk=rating_import.pk).update(status="running")  # claimed, then the worker died
    assert imports.rating_import_run(import_id=rating_import.pk).status == "succeeded"
    assert Rating.objects.count() == 1 and stored_files(upload_dir) == []


def test_a_transient_error_past_the_last_retry_marks_the_import_failed_with_the_reason(
    admin, organization, cycle, monkeypatch, upload_dir
):
    rating_import = queued(organization, "touchpoint_key,score\nbag-drop,4\n")
    attempts = []

    def database_away(**kwargs):
        attempts.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(imports, "rating_import_run", database_away)
    monkeypatch.setattr(tasks.ratings_import, "max_retries", 2)
    # Eager retries re-apply the task; let each attempt report instead of raising.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    result = tasks.ratings_import.apply(args=[rating_import.pk, "en"])
    assert result.state == "FAILURE" and isinstance(result.result, OperationalError)
    assert len(attempts) == 3  # the first try and two retries
    rating_import.refresh_from_db()
    assert rating_import.status == "failed" and rating_import.finished_at is not None
    assert rating_import.errors == [{"line": 0, "field": "file", "code": "database_unavailable", "params": {}}]
    assert stored_files(upload_dir) == []
    page = detail(admin, rating_import, "en")
    assert "could not reach the database, even after several retries" in page and "Importing" not in page
    assert "no ha podido acceder a la base de datos" in detail(admin, rating_import, "es")


def test_an_unexpected_error_marks_the_import_failed_at_once(organization, cycle, monkeypatch):
    rating_import = queued(organization, "touchpoint_key,score\nbag-drop,4\n")
    monkeypatch.setattr(imports, "ratings_import_csv", lambda **kwargs: 1 / 0)
    result = tasks.ratings_import.apply(args=[rating_import.pk, "en"], throw=False)
    assert result.state == "FAILURE" and isinstance(result.result, ZeroDivisionError)
    rating_import.refresh_from_db()
    assert rating_import.status == "failed" and rating_import.errors[0]["code"] == "import_crashed"


def test_expiry_claims_each_row_before_deleting_its_file(organization, cycle, upload_dir, monkeypatch):
    old = uploaded(organization, "touchpoint_key,score\nbag-drop,4\n")
    started = uploaded(organization, "touchpoint_key,score\nbag-drop,5\n")
    RatingImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    RatingImport.objects.filter(pk=started.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    delete = imports._delete_file

    def delete_while_someone_starts_the_other(path):
        delete(path)
        # While expiry works through the stale uploads, someone clicks "Import" on the second.
        if RatingImport.objects.filter(pk=started.pk, status="uploaded").exists():
            imports.rating_import_start(rating_import=started)

    monkeypatch.setattr(imports, "_delete_file", delete_while_someone_starts_the_other)
    assert imports.rating_imports_expire() == 1
    old.refresh_from_db()
    started.refresh_from_db()
    assert old.status == "expired" and not imports.upload_path(old).exists()
    assert started.status == "queued" and imports.upload_path(started).exists()


def test_an_import_stuck_without_a_worker_for_a_day_is_marked_failed(admin, organization, cycle, upload_dir):
    stuck = queued(organization, "touchpoint_key,score\nbag-drop,4\n")
    recent = queued(organization, "touchpoint_key,score\nbag-drop,5\n")
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    RatingImport.objects.filter(pk=stuck.pk).update(status="running", started_at=two_days_ago,
                                                    created_at=two_days_ago)
    # Uploaded long ago but queued just now: not stuck.
    RatingImport.objects.filter(pk=recent.pk).update(created_at=two_days_ago)
    imports.rating_imports_expire()
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == "failed" and stuck.errors[0]["code"] == "import_stalled"
    assert recent.status == "queued"
    assert "stopped without an outcome" in detail(admin, stuck, "en")
