"""Read-only share links of a cycle (issue 19, item 6): made, listed and revoked by
CX managers (service, API, page); the token is a credential stored only as its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from journeys.models import ShareLink
from journeys.share_links import TOKEN_PREFIX, share_link_create, share_link_for_token, share_link_revoke
from journeys.tokens import api_token_create
from tests.factories import MembershipFactory, ServiceCycleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization, name="Hotel stay")


@pytest.fixture
def manager(organization):
    return MembershipFactory(organization=organization, role="cx_manager").user


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_login(manager)  # a session: no token scope may share
    return client


def _token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# --- The service -------------------------------------------------------------------------


def test_a_link_opens_its_cycle_until_it_expires_or_is_revoked(cycle, manager):
    link, token = share_link_create(cycle=cycle, created_by=manager)
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40
    assert share_link_for_token(token=token) == link
    assert share_link_for_token(token=token, now=link.expires_at + dt.timedelta(seconds=1)) is None
    share_link_revoke(link=link)
    assert share_link_for_token(token=token) is None
    first = link.revoked_at
    share_link_revoke(link=link)
    assert link.revoked_at == first, "revoking twice keeps the first time"


def test_without_an_expiry_a_link_lives_the_configured_days(cycle, manager, settings):
    settings.MOMENTO_SHARE_LINK_DAYS = 10
    link, _token = share_link_create(cycle=cycle, created_by=manager)
    assert abs(link.expires_at - (timezone.now() + dt.timedelta(days=10))) < dt.timedelta(minutes=1)


def test_only_the_tokens_hash_is_stored(cycle, manager):
    link, token = share_link_create(cycle=cycle, created_by=manager, name="Board")
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    secret = token[len(TOKEN_PREFIX):]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ShareLink._meta.db_table}")
        rows = cursor.fetchall()
    assert rows and not any(secret in str(value) for row in rows for value in row)


@pytest.mark.parametrize("token", ["", "shr_", "shr_nothing", "inv_" + "a" * 43, "shr_" + "a" * 200])
def test_an_unknown_or_malformed_token_opens_nothing(cycle, manager, token):
    share_link_create(cycle=cycle, created_by=manager)
    assert share_link_for_token(token=token) is None


@pytest.mark.parametrize("fields, error", [
    ({"expires_at": "past"}, "expires_at"),
    ({"expires_at": "too_far"}, "expires_at"),
    ({"period_start": dt.date(2026, 11, 1)}, "period"),
    ({"period_start": dt.date(2026, 11, 30), "period_end": dt.date(2026, 11, 1)}, "period"),
    ({"period_start": dt.date(2020, 1, 1), "period_end": dt.date(2026, 1, 1)}, "period"),
    ({"name": "x" * 101}, "name"),
])
def test_bad_input_writes_nothing_and_names_the_field(cycle, manager, fields, error):
    from django.core.exceptions import ValidationError

    now = timezone.now()
    fields = {**fields}
    if fields.get("expires_at") == "past":
        fields["expires_at"] = now - dt.timedelta(minutes=1)
    elif fields.get("expires_at") == "too_far":
        fields["expires_at"] = now + dt.timedelta(days=400)
    with pytest.raises(ValidationError) as raised:
        share_link_create(cycle=cycle, created_by=manager, **fields)
    assert error in raised.value.message_dict
    assert not ShareLink.objects.exists()


# --- The API -----------------------------------------------------------------------------


def test_post_makes_a_link_and_answers_its_url_once(api, cycle, manager):
    response = api.post(f"/api/v1/cycles/{cycle.pk}/share-links/", {
        "name": "Board", "period_start": "2026-11-02", "period_end": "2026-11-29", "include_comments": True,
    }, format="json")
    assert response.status_code == 201
    body = response.json()
    assert {"id", "url", "expires_at"} <= set(body)
    assert body["url"].startswith("http://testserver/shared/shr_")
    assert body["period_start"] == "2026-11-02" and body["include_comments"] is True and body["active"] is True
    link = ShareLink.objects.get(pk=body["id"])
    assert share_link_for_token(token=_token_of(body["url"])) == link and link.created_by == manager
    listed = api.get(f"/api/v1/cycles/{cycle.pk}/share-links/").json()
    assert [item["id"] for item in listed] == [link.pk] and "url" not in listed[0]
    assert "url" not in api.get(f"/api/v1/cycles/{cycle.pk}/share-links/{link.pk}/").json()


def test_delete_revokes_at_once(api, cycle, client):
    body = api.post(f"/api/v1/cycles/{cycle.pk}/share-links/", {}, format="json").json()
    url = body["url"].replace("http://testserver", "")
    assert client.get(url).status_code == 200
    assert api.delete(f"/api/v1/cycles/{cycle.pk}/share-links/{body['id']}/").status_code == 204
    assert client.get(url).status_code == 404
    assert api.get(f"/api/v1/cycles/{cycle.pk}/share-links/{body['id']}/").json()["active"] is False


@pytest.mark.parametrize("body, field", [
    ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ({"period_start": "2026-11-02"}, "period"),
    ({"period_start": "2026-11-30", "period_end": "2026-11-02"}, "period"),
    ({"period_start": "not a date", "period_end": "2026-11-02"}, "period_start"),
    ({"include_comments": "perhaps"}, "include_comments"),
])
def test_bad_input_is_a_400_by_field_and_writes_nothing(api, cycle, body, field):
    response = api.post(f"/api/v1/cycles/{cycle.pk}/share-links/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "team_lead"])
def test_members_who_do_not_edit_may_not_share(cycle, organization, role):
    client = APIClient()
    client.force_login(MembershipFactory(organization=organization, role=role).user)
    assert client.get(f"/api/v1/cycles/{cycle.pk}/share-links/").status_code == 403
    assert client.post(f"/api/v1/cycles/{cycle.pk}/share-links/", {}, format="json").status_code == 403
    assert not ShareLink.objects.exists()


def test_no_token_may_share(cycle, organization):
    _token, secret = api_token_create(organization=organization, name="bi", scopes=["read", "ingest"],
                                      created_by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.post(f"/api/v1/cycles/{cycle.pk}/share-links/", {}, format="json").status_code == 403
    assert client.get(f"/api/v1/cycles/{cycle.pk}/share-links/").status_code == 403


def test_another_organizations_cycle_and_links_are_not_found(cycle, manager, outsider):
    link, _token = share_link_create(cycle=cycle, created_by=manager)
    client = APIClient()
    client.force_login(outsider)
    assert client.get(f"/api/v1/cycles/{cycle.pk}/share-links/").status_code == 404
    assert client.delete(f"/api/v1/cycles/{cycle.pk}/share-links/{link.pk}/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_link_of_another_cycle_is_not_found_under_this_one(api, cycle, manager, organization):
    other = ServiceCycleFactory(organization=organization)
    link, _token = share_link_create(cycle=other, created_by=manager)
    assert api.delete(f"/api/v1/cycles/{cycle.pk}/share-links/{link.pk}/").status_code == 404


# --- The page ----------------------------------------------------------------------------


def test_the_page_makes_a_link_shows_it_once_and_revokes_it(client, cycle, manager):
    client.force_login(manager)
    page = reverse("journeys:share_links", args=[cycle.pk])
    response = client.post(page, {"name": "Board, December", "expires_on": "", "period_start": "2026-11-02",
                                  "period_end": "2026-11-29", "include_comments": "on"})
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    link = ShareLink.objects.get()
    url = html.split('id="share-url" type="text" readonly value="')[1].split('"')[0]
    assert share_link_for_token(token=_token_of(url)) == link
    assert link.include_comments and link.period_end == dt.date(2026, 11, 29)
    listing = client.get(page).content.decode()
    assert "Board, December" in listing and _token_of(url) not in listing and "Active" in listing
    response = client.post(reverse("journeys:share_link_revoke", args=[cycle.pk, link.pk]), follow=True)
    assert "Link revoked: it opens nothing from now on." in response.content.decode()
    assert share_link_for_token(token=_token_of(url)) is None


def test_the_expiry_day_is_the_last_day_the_link_works_in_the_cycles_time_zone(client, cycle, manager):
    client.force_login(manager)
    day = timezone.localdate() + dt.timedelta(days=3)
    client.post(reverse("journeys:share_links", args=[cycle.pk]), {"expires_on": day.isoformat()})
    link = ShareLink.objects.get()
    local = link.expires_at.astimezone(zoneinfo.ZoneInfo(cycle.timezone))
    assert local.date() == day + dt.timedelta(days=1) and local.time() == dt.time.min


def test_bad_input_on_the_page_is_shown_beside_the_fields(client, cycle, manager):
    client.force_login(manager)
    response = client.post(reverse("journeys:share_links", args=[cycle.pk]),
                           {"expires_on": "2020-01-01", "period_start": "2026-11-30", "period_end": "2026-11-01"})
    html = response.content.decode()
    assert response.status_code == 400 and "The expiry must be in the future." in html
    assert not ShareLink.objects.exists()


def test_a_viewer_is_told_who_may_share(client, cycle, organization):
    client.force_login(MembershipFactory(organization=organization, role="viewer").user)
    response = client.get(reverse("journeys:share_links", args=[cycle.pk]))
    assert response.status_code == 403 and "Only CX managers and admins can share a cycle." in response.content.decode()
