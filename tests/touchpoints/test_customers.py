"""The pseudonymous customer reference on ratings: only a keyed hash is kept, per
organization; the API (one and batch), the CSV import and export carry it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.api_support import token_client
from tests.factories import OrganizationFactory, TouchpointFactory
from tests.touchpoints.test_api_ratings import BATCH, RATINGS, post
from touchpoints.csv_io import ratings_export_lines, ratings_import_csv
from touchpoints.customers import customer_hash, customer_secret
from touchpoints.models import CUSTOMER_REFERENCE_MAX_LENGTH, Customer, Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def touchpoint():
    return TouchpointFactory(scale="csat5", key="check-in-kiosk")


@pytest.fixture
def client(touchpoint):
    return token_client(touchpoint.organization)


def test_a_customer_reference_is_stored_only_as_its_keyed_hash(client, touchpoint):
    response = post(client, RATINGS, {"touchpoint_key": "check-in-kiosk", "score": 2, "customer": "PNR-7XK2QD"})
    assert response.status_code == 201, response.content
    expected = customer_hash(customer_secret(organization_id=touchpoint.organization_id), "PNR-7XK2QD")
    assert response.json()["customer_hash"] == expected and len(expected) == 64
    rating = Rating.objects.get()
    assert rating.customer.key == expected
    # The reference itself is in no table.
    with connection.cursor() as cursor:
        for model in (Rating, Customer):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            assert "PNR-7XK2QD" not in repr(cursor.fetchall())


def test_the_same_reference_is_one_customer_in_an_organization_and_another_elsewhere(client, touchpoint):
    other_touchpoint = TouchpointFactory(key="elsewhere")
    response = post(client, BATCH, {"ratings": [
        {"touchpoint_key": "check-in-kiosk", "score": 1, "customer": "PNR-1"},
        {"touchpoint_key": "check-in-kiosk", "score": 5, "customer": " PNR-1 "},
        {"touchpoint_key": "check-in-kiosk", "score": 4, "customer": "PNR-2"},
        {"touchpoint_key": "check-in-kiosk", "score": 4},
    ]})
    assert response.status_code == 201, response.content
    linked = list(Rating.objects.order_by("id").values_list("customer_id", flat=True))
    assert linked[0] == linked[1] != linked[2] and linked[3] is None
    elsewhere = post(token_client(other_touchpoint.organization), RATINGS,
                     {"touchpoint_key": "elsewhere", "score": 3, "customer": "PNR-1"})
    assert elsewhere.json()["customer_hash"] != Customer.objects.get(pk=linked[0]).key
    assert Customer.objects.count() == 3


@pytest.mark.parametrize(("value", "code"), [
    ("x" * (CUSTOMER_REFERENCE_MAX_LENGTH + 1), "too_long"),
    ("x" * 10_000, "too_long"),
    ("PNR\n1", "customer_control_character"),
    ("PNR\x1b[31m", "customer_control_character"),
    ("PNR\x85", "customer_control_character"),
    ("   ", "customer_blank"),
    ("", "customer_blank"),
    (12345, "customer_not_string"),
    (["PNR-1"], "customer_not_string"),
])
def test_a_bad_customer_reference_is_a_field_error_and_nothing_is_written(client, value, code):
    single = post(client, RATINGS, {"touchpoint_key": "check-in-kiosk", "score": 2, "customer": value})
    assert single.status_code == 400 and "customer" in single.json(), single.content
    batch = post(client, BATCH, {"ratings": [{"touchpoint_key": "check-in-kiosk", "score": 2, "customer": "ok"},
                                             {"touchpoint_key": "check-in-kiosk", "score": 2, "customer": value}]})
    assert batch.status_code == 400
    assert batch.json()["errors"] == [{"index": 1, "field": "customer", "code": code,
                                       "message": batch.json()["errors"][0]["message"]}]
    assert not Rating.objects.exists() and not Customer.objects.exists()


def test_a_replay_may_leave_the_customer_out_but_not_change_it(client):
    rating = {"touchpoint_key": "check-in-kiosk", "score": 2, "external_id": "s-1", "customer": "PNR-1"}
    assert post(client, RATINGS, rating).status_code == 201
    assert post(client, RATINGS, rating).status_code == 200
    without = {key: value for key, value in rating.items() if key != "customer"}
    assert post(client, RATINGS, without).json()["duplicate"] is True
    changed = post(client, RATINGS, {**rating, "customer": "PNR-2"})
    assert changed.status_code == 409 and changed.json()["fields"] == ["customer"]
    unlinked = {"touchpoint_key": "check-in-kiosk", "score": 2, "external_id": "s-2"}
    assert post(client, RATINGS, unlinked).status_code == 201
    assert post(client, RATINGS, {**unlinked, "customer": "PNR-1"}).status_code == 409
    assert Rating.objects.count() == 2


def test_the_ratings_list_shows_the_hash_and_finds_a_customer_by_reference(client):
    post(client, BATCH, {"ratings": [
        {"touchpoint_key": "check-in-kiosk", "score": 1, "customer": "PNR-1"},
        {"touchpoint_key": "check-in-kiosk", "score": 4, "customer": "PNR-2"},
        {"touchpoint_key": "check-in-kiosk", "score": 5},
    ]})
    listed = client.get(RATINGS).json()["results"]
    assert sorted(item["customer_hash"] is None for item in listed) == [False, False, True]
    found = client.get(RATINGS, {"customer": "PNR-1"}).json()["results"]
    assert [item["score"] for item in found] == [1]
    assert client.get(RATINGS, {"customer": "nobody"}).json()["results"] == []
    assert client.get(RATINGS, {"customer": "bad\x07"}).status_code == 400


def test_csv_import_links_customers_and_the_export_carries_the_hash_only(touchpoint):
    organization = touchpoint.organization
    text = ("touchpoint_key,score,customer,external_id\n"
            "check-in-kiosk,1,PNR-1,c-1\ncheck-in-kiosk,5,PNR-1,c-2\ncheck-in-kiosk,3,,c-3\n")
    result = ratings_import_csv(organization=organization,
                                file=SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv"))
    assert result.created == 3
    first, second, third = Rating.objects.order_by("external_id")
    assert first.customer_id == second.customer_id is not None and third.customer_id is None
    exported = "".join(ratings_export_lines(cycle=touchpoint.moment.cycle))
    assert "PNR-1" not in exported
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["customer_hash"] for row in rows] == [first.customer.key, first.customer.key, ""]
    # The export imports again as duplicates only (the hash column is the export's, not read back).
    again = ratings_import_csv(organization=organization,
                               file=SimpleUploadedFile("e.csv", exported.encode(), content_type="text/csv"))
    assert (again.created, again.duplicate) == (0, 3)


def test_a_bad_customer_cell_names_its_line(touchpoint):
    from touchpoints.csv_io import CsvInvalid

    text = "touchpoint_key,score,customer\ncheck-in-kiosk,1,PNR-1\ncheck-in-kiosk,2,PNR\x0b2\n"
    with pytest.raises(CsvInvalid) as raised:
        ratings_import_csv(organization=touchpoint.organization,
                           file=SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv"))
    assert [(error.position, error.field, error.code) for error in raised.value.errors] == [
        (3, "customer", "customer_control_character")]
    assert not Rating.objects.exists()


def test_a_new_organization_gets_a_secret_of_its_own_once():
    first, second = OrganizationFactory(), OrganizationFactory()
    assert customer_secret(organization_id=first.pk) == customer_secret(organization_id=first.pk)
    assert customer_secret(organization_id=first.pk) != customer_secret(organization_id=second.pk)


def test_marking_a_loyalty_question_unmarks_the_cycles_other_one():
    from touchpoints.models import Touchpoint

    first = TouchpointFactory(scale="nps11")
    second = TouchpointFactory(moment=first.moment, scale="nps11")
    elsewhere = TouchpointFactory(loyalty_question=True)
    client = token_client(first.organization)
    from tests.api_support import member_client

    manager = member_client(first.organization)
    assert manager.patch(f"/api/v1/touchpoints/{first.pk}/", {"loyalty_question": True},
                         format="json").json()["loyalty_question"] is True
    assert manager.patch(f"/api/v1/touchpoints/{second.pk}/", {"loyalty_question": True},
                         format="json").status_code == 200
    flags = dict(Touchpoint.objects.values_list("pk", "loyalty_question"))
    assert (flags[first.pk], flags[second.pk], flags[elsewhere.pk]) == (False, True, True)
    assert client.patch(f"/api/v1/touchpoints/{first.pk}/", {"loyalty_question": True},
                        format="json").status_code == 403
