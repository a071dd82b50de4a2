"""What a share link opens (issue 19, item 6): the cycle's map and dashboard, read-only,
without an account; nothing else, no names, no comments unless the link says so, a
period the URL cannot change, a friendly 404 once the link is dead, no write anywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import ShareLink
from journeys.share_links import share_link_create, share_link_revoke
from tests.analytics.report_data import report_airline
from tests.factories import MembershipFactory, SegmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def airline(organization, member):
    cycle = report_airline(organization=organization, owner=member)
    cycle.moments.filter(name="Baggage claim").update(owner=member)
    return cycle


def _link(cycle, **fields) -> tuple[ShareLink, str, str]:
    link, token = share_link_create(cycle=cycle, created_by=None, **fields)
    return link, reverse("analytics:shared_map", args=[token]), reverse("analytics:shared_dashboard", args=[token])


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'(?:href|action|src)="([^"]*)"', html))


def _leaves_the_link(html: str, token_path: str) -> list[str]:
    """Every address the page links to that is neither the link's own pages, nor a
    static file, nor an anchor, nor the language switch (public)."""
    return sorted(url for url in _hrefs(html) if not (
        url.startswith((token_path, "/static/", "#")) or url in ("/i18n/setlang/", "/jsi18n/")))


def test_the_map_is_shown_without_an_account_and_leads_nowhere_else(client, airline, member, organization):
    _link_row, map_url, dashboard_url = _link(airline)
    response = client.get(map_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Aerolínea Ñandú → ≥ 2026" in html and "Baggage claim" in html and "Carousel" in html
    assert "Reboot the kiosk and guide the passenger to the desk" in html, "protocols are part of the map"
    assert member.get_username() not in html and "Owner" not in html, "nobody's name"
    assert organization.name not in html, "no organization name beyond the cycle"
    assert 'id="editor-state"' not in html and "data-action=" not in html, "no editor"
    assert _leaves_the_link(html, map_url.rsplit("/", 2)[0]) == []
    assert dashboard_url in html
    assert "sessionid" not in response.cookies, "the visitor is never signed in"
    assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_dashboard_shows_the_figures_but_no_names_comments_or_actions(client, airline, member, organization):
    _link_row, map_url, dashboard_url = _link(airline)
    html = client.get(dashboard_url).content.decode()
    assert "Critical moments · Aerolínea Ñandú → ≥ 2026" in html
    assert "Baggage claim" in html and "Check-in" in html and 'id="dashboard-figures"' in html
    assert "Customers' comments are not part of it." in html
    assert "critical-insights" not in html and "maleta perdida" not in html, "no comments unless the link says so"
    assert "dashboard-cells" not in html and "cell-panel" not in html, "no way to the comments behind a cell"
    assert "recompute" not in html.lower() and "report-form" not in html and "ratings.csv" not in html
    assert 'class="wheel"' in html and "Click a moment to open it on the map" not in html, "a wheel without links"
    assert member.get_username() not in html and organization.name not in html
    assert _leaves_the_link(html, map_url.rsplit("/", 2)[0]) == []


def test_a_link_with_comments_shows_what_customers_say_but_no_way_to_the_comments(client, airline):
    _link_row, _map_url, dashboard_url = _link(airline, include_comments=True)
    html = client.get(dashboard_url).content.decode()
    assert "critical-insights" in html and "maleta perdida" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "All comments" not in html and "/dashboard/comments/" not in html


def test_the_visitor_chooses_the_period_unless_the_link_fixes_it(client, airline):
    _link_row, _map_url, open_url = _link(airline)
    html = client.get(open_url, {"weeks": "4"}).content.decode()
    assert 'name="weeks"' in html and re.search(r'<option value="4" selected>', html)
    start, end = dt.date(2020, 1, 6), dt.date(2020, 2, 2)
    _link_row, fixed_map, fixed_url = _link(airline, period_start=start, period_end=end)
    for params in ({}, {"weeks": "4"}, {"start": "2026-11-01", "end": "2026-11-30"}, {"weeks": "x"}):
        html = client.get(fixed_url, params).content.decode()
        assert "No ratings in this period yet." in html, params
        assert 'name="weeks"' not in html and 'name="start"' not in html, "no period picker"
        assert "It shows Jan. 6, 2020 to Feb. 2, 2020." in html
        assert "Showing the default view instead." not in html
    # The map's colours and its emotion curve are those of the fixed period too (none:
    # no ratings then), also when personas are asked for by the URL.
    fixed_map_html = client.get(fixed_map, {"view": "compact"}).content.decode()
    assert "% dissatisfied" not in fixed_map_html
    assert "01/06/2020 – 02/02/2020" in fixed_map_html and "No ratings yet" in fixed_map_html
    segment = SegmentFactory(organization=airline.organization)
    with_persona = client.get(fixed_map, {"view": "compact", "segment": segment.pk}).content.decode()
    assert "No ratings yet" in with_persona and "/personas/" not in with_persona
    client.get(open_url)  # the default period's snapshot, which the signed-in map shows too
    assert "% dissatisfied" in client.get(_link(airline)[1]).content.decode()


@pytest.mark.parametrize("language, words", [
    ("en", "This link does not work"),
    ("es", "Este enlace no funciona"),
])
def test_an_expired_revoked_or_unknown_link_is_a_friendly_404_in_the_visitors_language(
        client, airline, language, words):
    expired, expired_map, expired_dashboard = _link(airline)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked, revoked_map, revoked_dashboard = _link(airline)
    share_link_revoke(link=revoked)
    unknown = reverse("analytics:shared_map", args=["shr_" + "Z" * 43])
    for url in (expired_map, expired_dashboard, revoked_map, revoked_dashboard, unknown, "/shared/anything/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        html = response.content.decode()
        assert response.status_code == 404 and words in html, url
        assert "Aerolínea" not in html and "Baggage" not in html
        assert _leaves_the_link(html, "/shared/") == []


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_links_pages_refuse_every_write(client, airline, method):
    link, map_url, dashboard_url = _link(airline)
    for url in (map_url, dashboard_url):
        assert getattr(client, method)(url).status_code == 405
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_token_opens_nothing_but_its_two_pages(client, airline, organization):
    """Not a credential anywhere else: as a Bearer token, a query parameter or a cookie."""
    _link_row, map_url, _dashboard_url = _link(airline)
    token = map_url.rstrip("/").rsplit("/", 1)[-1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/ratings/", **headers).status_code == 401
    assert client.get(f"/api/v1/cycles/{airline.pk}/comments/", **headers).status_code == 401
    assert client.post("/api/v1/ratings/", {"touchpoint": 1, "score": 1}, **headers).status_code == 401
    assert client.post(f"/api/v1/cycles/{airline.pk}/share-links/", {}, **headers).status_code == 401
    client.cookies["sessionid"] = token
    for url in (reverse("analytics:dashboard", args=[airline.pk]), reverse("analytics:comments", args=[airline.pk]),
                reverse("journeys:cycle_detail", args=[airline.pk]) + f"?share={token}"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert not ShareLink.objects.filter(revoked_at__isnull=False).exists()


def test_a_link_shows_only_its_own_cycle(client, airline, organization):
    from tests.factories import ServiceCycleFactory

    other = ServiceCycleFactory(organization=organization, name="Secret other cycle")
    _link_row, map_url, dashboard_url = _link(airline)
    for url in (map_url, dashboard_url, map_url + f"?cycle={other.pk}", dashboard_url + f"?pk={other.pk}"):
        assert "Secret other cycle" not in client.get(url).content.decode()


def test_a_signed_in_member_sees_the_same_read_only_page(client, airline, organization):
    client.force_login(MembershipFactory(organization=organization, role="admin").user)
    _link_row, map_url, _dashboard_url = _link(airline)
    html = client.get(map_url).content.decode()
    assert "data-action=" not in html and "Log out" not in html and "/settings/" not in html


def test_the_shared_dashboard_keeps_a_query_budget(client, airline, django_assert_max_num_queries):
    _link_row, _map_url, dashboard_url = _link(airline, include_comments=True)
    client.get(dashboard_url)  # the snapshot is computed once
    with django_assert_max_num_queries(8):
        assert client.get(dashboard_url).status_code == 200
