"""Uploads are limited in size and type: the ratings CSV through the API and through the import page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api_support import token_client
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints.models import Rating, RatingImport

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
GOOD_CSV = b"touchpoint_key,score,external_id\nkiosk,4,a-1\n"


@pytest.fixture
def kiosk(organization):
    moment = MomentFactory(cycle=ServiceCycleFactory(organization=organization))
    return TouchpointFactory(moment=moment, key="kiosk")


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.MOMENTO_UPLOAD_DIR = tmp_path / "imports"
    return settings.MOMENTO_UPLOAD_DIR


@pytest.fixture
def admin_client(client, organization):
    client.force_login(MembershipFactory(organization=organization).user)
    return client


REFUSED_FILES = {
    "an image": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    "binary named .csv": SimpleUploadedFile("ratings.csv", b"kiosk,4\n\x00\x01\x02\xff\xfe" * 20,
                                            content_type="text/csv"),
    "a PDF declared as such": SimpleUploadedFile("ratings.csv", b"%PDF-1.7\n" + GOOD_CSV,
                                                 content_type="application/pdf"),
}


@pytest.mark.parametrize("kind", REFUSED_FILES)
def test_the_api_refuses_what_is_not_a_csv(kind, organization, kiosk):
    upload = REFUSED_FILES[kind]
    upload.seek(0)
    response = token_client(organization).post("/api/v1/ratings/csv/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content[:300]
    assert Rating.objects.count() == 0


def test_the_api_refuses_a_csv_over_the_limit_with_413(organization, kiosk, settings):
    settings.MOMENTO_CSV_MAX_BYTES = 1000
    body = GOOD_CSV + b"".join(b"kiosk,4,x-%d\n" % index for index in range(200))
    upload = SimpleUploadedFile("big.csv", body, content_type="text/csv")
    response = token_client(organization).post("/api/v1/ratings/csv/", {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert Rating.objects.count() == 0


@pytest.mark.parametrize("declared", ["text/csv", "application/vnd.ms-excel", "application/octet-stream"])
def test_the_api_accepts_a_real_csv_under_the_labels_browsers_use(declared, organization, kiosk):
    upload = SimpleUploadedFile("ratings.csv", GOOD_CSV, content_type=declared)
    response = token_client(organization).post("/api/v1/ratings/csv/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize("kind", REFUSED_FILES)
def test_the_import_page_refuses_what_is_not_a_csv(kind, admin_client, organization, kiosk, upload_dir):
    upload = REFUSED_FILES[kind]
    upload.seek(0)
    response = admin_client.post(f"/organizations/{organization.pk}/imports/", {"file": upload})
    assert response.status_code == 400
    assert RatingImport.objects.count() == 0
    assert not upload_dir.exists() or not any(upload_dir.iterdir()), "nothing kept on disk"


def test_the_import_page_refuses_a_file_over_the_limit_with_413(admin_client, organization, kiosk, upload_dir,
                                                                settings):
    settings.MOMENTO_CSV_MAX_BYTES = 1000
    body = GOOD_CSV + b"".join(b"kiosk,4,x-%d\n" % index for index in range(200))
    response = admin_client.post(f"/organizations/{organization.pk}/imports/",
                                 {"file": SimpleUploadedFile("big.csv", body, content_type="text/csv")})
    assert response.status_code == 413
    assert RatingImport.objects.count() == 0
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_a_request_body_over_the_api_limit_is_refused_before_it_is_read(organization, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = token_client(organization).post("/api/v1/ratings/batch/", {"ratings": [{"score": 1}] * 500},
                                               format="json")
    assert response.status_code == 413
