"""In Chromium: import a CSV with a bad line, then a good one; follow a running
import's progress bar; manage API tokens; delete a touchpoint; cycle settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.models import ApiToken, Membership
from journeys.services import cycle_create, moment_add
from tests.factories import MembershipFactory, UserFactory
from touchpoints import imports
from touchpoints.models import Rating, RatingImport, Touchpoint
from touchpoints.services import touchpoint_add

pytestmark = pytest.mark.browser

HEADER = "touchpoint_key,score,occurred_at,external_id\n"
BAD = HEADER + ("bag-drop,5,2026-03-02T09:15:00+01:00,r-1\n"
                "bag-drop,9,2026-03-02T10:15:00+01:00,r-2\n"
                "bag-drop,4,,r-3\n")
GOOD = HEADER + ("bag-drop,5,2026-03-02T09:15:00+01:00,r-1\n"
                 "bag-drop,2,2026-03-02T10:15:00+01:00,r-2\n"
                 "bag-drop,4,,r-3\n")


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, settings):
    settings.MOMENTO_UPLOAD_DIR = tmp_path / "imports"


@pytest.fixture(autouse=True)
def embedded_celery(celery_in_process):
    """No worker runs beside the live server: run the import task in-process, as `make run` does."""


@pytest.fixture
def cycle(cx_manager):
    cycle = cycle_create(organization=cx_manager.memberships.get().organization, name="Airline")
    moment = moment_add(cycle=cycle, name="Bag drop", kind="SMOT")
    touchpoint_add(moment=moment, name="Counter", channel="in_person", key="bag-drop", interaction="human")
    touchpoint_add(moment=moment, name="Self-service kiosk", channel="kiosk", key="bag-kiosk")
    return cycle


def choose_file(page, content: str, name: str = "ratings.csv") -> None:
    page.get_by_label("Ratings file (CSV)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()})


def test_import_a_bad_file_then_a_good_one(page, shoot, log_in, cx_manager, cycle):
    log_in(cx_manager)
    page.get_by_role("link", name="Import ratings").click()
    expect(page.get_by_role("heading", name="Import ratings")).to_be_visible()
    choose_file(page, BAD)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="How the columns are read")).to_be_visible()
    expect(page.locator("table.mapping")).to_contain_text("Touchpoint (its key)")
    expect(page.locator("table.preview tbody tr")).to_have_count(3)
    shoot("import-preview")

    page.get_by_role("button", name="Import").click()
    outcome = page.locator("#import-outcome")
    expect(outcome).to_contain_text("The file was refused; nothing was written.")
    expect(outcome.locator("table.errors tbody tr")).to_have_count(1)
    expect(outcome.locator("table.errors tbody tr").first).to_contain_text("3")
    expect(outcome.locator("table.errors")).to_contain_text("score")
    assert not Rating.objects.exists()
    shoot("import-bad-line")

    # The fix: upload the corrected file from the cycle's own import page.
    page.goto(f"/cycles/{cycle.pk}/")
    page.get_by_role("link", name="Import ratings").last.click()
    expect(page.locator("details.key-reference")).to_contain_text("Touchpoint keys of Airline")
    choose_file(page, GOOD)
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.locator("#import-progress-text")).to_have_text("100 % · Finished")
    expect(page.locator('[data-count="created"]')).to_have_text("3")
    expect(page.locator('[data-count="duplicate"]')).to_have_text("0")
    expect(page.get_by_role("link", name="Open the dashboard")).to_be_visible()
    assert Rating.objects.filter(source="csv").count() == 3
    shoot("import-done")


def test_the_progress_bar_follows_a_running_import_to_the_end(page, shoot, log_in, cx_manager, cycle):
    rating_import = imports.rating_import_upload(
        organization=cycle.organization, cycle=cycle, file=_upload(GOOD), created_by=cx_manager)
    # As if a worker had picked it up: the page must poll until the outcome is stored.
    RatingImport.objects.filter(pk=rating_import.pk).update(status="running", task_id="browser-test")
    progress = {"status": "running", "finished": False, "done": 1000, "total": 4000, "percent": 25}
    status_url = re.compile(rf".*/imports/{rating_import.pk}/status/$")
    page.route(status_url, lambda route: route.fulfill(json=progress))
    log_in(cx_manager)
    page.goto(f"/imports/{rating_import.pk}/")
    expect(page.locator("#import-progress")).to_have_attribute("value", "25")
    expect(page.locator("#import-progress-text")).to_have_text("25 % · 1,000 of 4,000 lines")
    shoot("import-running", narrow=False)

    imports.rating_import_run(import_id=rating_import.pk)  # the worker finishes
    page.unroute(status_url)
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.locator('[data-count="created"]')).to_have_text("3")


def test_a_file_over_the_limit_is_refused_before_it_is_sent(page, log_in, cx_manager, cycle, settings):
    settings.MOMENTO_CSV_MAX_BYTES = 1000
    log_in(cx_manager)
    page.goto(f"/organizations/{cycle.organization_id}/imports/")
    choose_file(page, HEADER + "bag-drop,4,,x\n" * 200)
    expect(page.locator("#file-error")).to_contain_text("The file is larger than 1000 bytes, the most Momento imports at once.")
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#file-error")).to_contain_text("Split it into smaller files.")
    assert not RatingImport.objects.exists()


def test_admin_creates_copies_and_revokes_an_api_token(page, shoot, log_in, transactional_db):
    user = UserFactory(username="ana")
    MembershipFactory(user=user, role=Membership.Role.ADMIN)
    log_in(user)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    page.get_by_role("button", name="Create token").click()  # no name: refused, nothing created
    expect(page.locator(".field-error").first).to_contain_text("Give the token a name")
    page.get_by_label("Name").fill("Survey tool")
    page.get_by_label("Read data").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-value")
    expect(secret).to_have_value(re.compile(r"^mom_[0-9a-f]{8}_"))
    expect(page.get_by_role("note")).to_contain_text("This is the only time Momento shows it")
    shoot("token-created")
    plaintext = secret.input_value()
    token = ApiToken.objects.get()
    assert token.scopes == ["ingest", "read"] and plaintext.startswith(f"mom_{token.prefix}_")

    page.get_by_role("link", name="Back to the API tokens").click()
    row = page.locator(f'tr[data-token-id="{token.pk}"]')
    expect(row).to_contain_text("Active")
    expect(page.locator("body")).not_to_contain_text(plaintext)
    row.get_by_role("link", name="Revoke Survey tool").click()
    expect(page.get_by_role("heading", name="Revoke token “Survey tool”?")).to_be_visible()
    shoot("token-revoke", narrow=False)
    page.get_by_role("button", name="Revoke token").click()
    expect(page.locator(".messages")).to_contain_text("Token “Survey tool” revoked.")
    expect(row).to_contain_text("Revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None
    shoot("tokens")


def test_delete_a_touchpoint_and_change_the_cycle_settings(page, shoot, log_in, cx_manager, cycle):
    log_in(cx_manager)
    page.goto(f"/cycles/{cycle.pk}/")
    card = page.locator('#lane .moment-card:has(h2:text-is("Bag drop"))')
    expect(card.locator(".touchpoint-name")).to_have_count(2)
    page.get_by_role("button", name="Delete touchpoint Self-service kiosk").click()
    dialog = page.locator("#touchpoint-delete-dialog")
    expect(dialog).to_contain_text("“Self-service kiosk” and all its ratings will be deleted.")
    shoot("editor-delete-touchpoint", narrow=False)
    dialog.get_by_role("button", name="Cancel").click()
    assert Touchpoint.objects.filter(moment__cycle=cycle).count() == 2
    page.get_by_role("button", name="Delete touchpoint Self-service kiosk").click()
    dialog.get_by_role("button", name="Delete touchpoint").click()
    expect(page.locator("#editor-status")).to_have_text("Touchpoint “Self-service kiosk” deleted.")
    expect(card.locator(".touchpoint-name")).to_have_text(["Counter"])
    assert list(Touchpoint.objects.filter(moment__cycle=cycle).values_list("name", flat=True)) == ["Counter"]

    page.get_by_text("Cycle settings").click()
    settings_form = page.locator("#cycle-settings form")
    settings_form.get_by_label("Minimum sample").fill("0")
    settings_form.get_by_role("button", name="Save settings").click()
    expect(page.locator("#cycle-settings .field-error")).to_contain_text("greater than or equal to 1")
    settings_form = page.locator("#cycle-settings form")
    settings_form.get_by_label("Minimum sample").fill("40")
    settings_form.get_by_label("Critical dissatisfied share (%)").fill("30")
    settings_form.get_by_label("Time zone").select_option("America/Bogota")
    shoot("cycle-settings", narrow=False)
    settings_form.get_by_role("button", name="Save settings").click()
    expect(page.locator(".messages")).to_contain_text("Settings of “Airline” saved.")
    cycle.refresh_from_db()
    assert (cycle.min_sample, cycle.critical_share, cycle.timezone) == (40, 0.3, "America/Bogota")


def _upload(content: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("ratings.csv", content.encode(), "text/csv")
