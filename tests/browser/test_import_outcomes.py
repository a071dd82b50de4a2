"""In Chromium, in English and Spanish: a cycle's import refuses another cycle's touchpoint
by line, the outcome reads in the reader's language, and an import that gave up says why."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from journeys.services import cycle_create, moment_add
from touchpoints import imports
from touchpoints.models import Rating, RatingImport
from touchpoints.services import touchpoint_add

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, settings):
    settings.MOMENTO_UPLOAD_DIR = tmp_path / "imports"


@pytest.fixture(autouse=True)
def embedded_celery(celery_in_process):
    """The import runs in-process, as `make run` does."""


@pytest.fixture
def cycles(cx_manager):
    organization = cx_manager.memberships.get().organization
    airline = cycle_create(organization=organization, name="Airline")
    touchpoint_add(moment=moment_add(cycle=airline, name="Bag drop", kind="SMOT"), name="Counter",
                   channel="in_person", key="bag-drop", interaction="human")
    hotel = cycle_create(organization=organization, name="Hotel")
    touchpoint_add(moment=moment_add(cycle=hotel, name="Arrival", kind="SMOT"), name="Front desk",
                   channel="in_person", key="front-desk", interaction="human")
    return airline, hotel


def in_spanish(page) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": page.url}])


def test_a_cycles_import_refuses_another_cycles_touchpoint_in_either_language(page, shoot, log_in, cx_manager,
                                                                            cycles):
    airline, _hotel = cycles
    log_in(cx_manager)
    page.goto(f"/cycles/{airline.pk}/imports/")
    expect(page.locator("#cycle-scope")).to_contain_text("Only the touchpoints of Airline are accepted here")
    shoot("import-cycle-scope")
    page.get_by_label("Ratings file (CSV)").set_input_files({
        "name": "mixed.csv", "mimeType": "text/csv",
        "buffer": b"touchpoint_key,score,external_id\nbag-drop,4,m-1\nfront-desk,5,m-2\n"})
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("button", name="Import").click()
    outcome = page.locator("#import-outcome")
    expect(outcome).to_contain_text("The file was refused; nothing was written.")
    row = outcome.locator("table.errors tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("belongs to another service cycle; this import only takes the touchpoints of “Airline”")
    assert not Rating.objects.exists()
    shoot("import-other-cycle-en")

    in_spanish(page)
    page.reload()
    expect(page.locator("#import-outcome")).to_contain_text("El archivo se ha rechazado")
    expect(page.locator("#import-outcome table.errors")).to_contain_text(
        "pertenece a otro ciclo de servicio; esta importación solo acepta los puntos de contacto de «Airline»")
    expect(page.locator("table.mapping")).to_contain_text("Punto de contacto (su clave)")
    shoot("import-other-cycle-es")


def test_an_import_that_gave_up_says_why_in_the_readers_language(page, shoot, log_in, cx_manager, cycles):
    airline, _hotel = cycles
    rating_import = imports.rating_import_upload(
        organization=airline.organization, cycle=airline, created_by=cx_manager,
        file=SimpleUploadedFile("ratings.csv", b"touchpoint_key,score\nbag-drop,4\n", "text/csv"))
    RatingImport.objects.filter(pk=rating_import.pk).update(status="running")
    assert imports.rating_import_fail(import_id=rating_import.pk, code="database_unavailable")
    log_in(cx_manager)
    page.goto(f"/imports/{rating_import.pk}/")
    outcome = page.locator("#import-outcome")
    expect(outcome).to_contain_text("The import did not finish; nothing was written.")
    expect(page.locator("#import-stopped-reason")).to_contain_text("could not reach the database")
    expect(page.locator("#import-progress-text")).to_have_text("100 % · Finished")
    shoot("import-gave-up-en")
    in_spanish(page)
    page.reload()
    expect(page.locator("#import-stopped-reason")).to_contain_text("no ha podido acceder a la base de datos")
    shoot("import-gave-up-es")
