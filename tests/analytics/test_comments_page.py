"""The comments page behind every figure (issue 15, item 2): server-rendered,
newest first, 50 a page, its filters shown and changeable; bad filters give a
message, never a 500; another organization's cycle is 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.services import rollups_refresh
from tests.analytics.comment_data import HOSTILE, airline_with_comments
from tests.factories import MomentFactory, RatingFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def airline(organization, member, client):
    client.force_login(member)
    return airline_with_comments(organization=organization, hostile=True)


def _page(client, cycle, **params):
    response = client.get(reverse("analytics:comments", args=[cycle.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def _ids(html) -> list[int]:
    return [int(value) for value in re.findall(r'data-rating-id="(\d+)"', html)]


def _messages(html) -> list[str]:
    return re.findall(r'<li class="message error">(.*?)</li>', html)


def test_comments_are_listed_newest_first_with_score_touchpoint_segment_and_date(client, airline):
    html = _page(client, airline)
    assert "121 comments, newest first" in html
    ids = _ids(html)
    assert len(ids) == 50
    from touchpoints.models import Rating

    expected = list(Rating.objects.filter(touchpoint__moment__cycle=airline).exclude(comment="")
                    .order_by("-occurred_at", "-id").values_list("pk", flat=True)[:50])
    assert ids == expected
    first = re.search(r'<li class="comment-item[^"]*" data-rating-id="\d+">(.*?)</li>', html, re.DOTALL).group(1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Mi maleta perdida &lt;b&gt;otra vez&lt;/b&gt;" in first
    assert "score 1/5" in first and "dissatisfied" in first and "Baggage claim › Carousel" in first
    assert "No segment" in first and "<time datetime=" in first
    assert "<script>alert" not in html and "<b>otra vez" not in html


def test_pages_hold_fifty_and_keep_the_filters(client, airline):
    moment = airline.moments.get(name="Baggage claim")
    first = _page(client, airline, moment=moment.pk, weeks=4)
    assert "41 comments, newest first" in first and "Page 1 of 1" not in first
    assert len(_ids(first)) == 41
    everything = _page(client, airline, weeks=4)
    assert "Page 1 of 3" in everything
    assert 'href="?weeks=4&amp;page=2" rel="next"' in everything
    second = _page(client, airline, weeks=4, page=2)
    third = _page(client, airline, weeks=4, page=3)
    assert len(_ids(second)) == 50 and len(_ids(third)) == 21
    assert not set(_ids(everything)) & set(_ids(second)) and not set(_ids(second)) & set(_ids(third))
    assert 'rel="prev"' in second and 'rel="next"' not in third
    # A page past the end, or not a number, shows the last or the first: never a 404 or a 500.
    assert _ids(_page(client, airline, weeks=4, page=99)) == _ids(third)
    assert _ids(_page(client, airline, weeks=4, page="abc")) == _ids(everything)


def test_filters_narrow_the_list_and_show_as_chosen(client, airline, organization):
    baggage = airline.moments.get(name="Baggage claim")
    kiosk = airline.moments.get(name="Check-in").touchpoints.get()
    gold = SegmentFactory(organization=organization, name="Gold")
    RatingFactory(touchpoint=kiosk, score=1, comment="kiosk broken for gold", segment=gold,
                  occurred_at=timezone.now() - dt.timedelta(hours=1))
    html = _page(client, airline, moment=baggage.pk, dissatisfied="true")
    assert "31 comments, newest first" in html and "Dissatisfied customers only." in html
    assert f'<option value="{baggage.pk}" selected>Baggage claim</option>' in html
    assert '<option value="true" selected>Dissatisfied only</option>' in html
    assert "31 comments" in _page(client, airline, touchpoint=baggage.touchpoints.get().pk, dissatisfied="1")
    assert "10 comments" in _page(client, airline, moment=baggage.pk, dissatisfied="false")
    assert "41 comments" in _page(client, airline, channel="kiosk")
    segment_page = _page(client, airline, segment=gold.pk)
    assert "1 comment, newest first" in segment_page and "kiosk broken for gold" in segment_page
    assert f'<option value="{gold.pk}" selected>Gold</option>' in segment_page and "Gold" in segment_page
    assert "121 comments" in _page(client, airline, segment="none")


def test_a_custom_period_lists_only_its_days(client, airline):
    today = timezone.localdate(timezone=dt.UTC)
    html = _page(client, airline, start="2020-01-01", end="2020-01-31")
    assert "0 comments, newest first" in html and "No comments match these filters in this period." in html
    assert 'value="2020-01-01"' in html and 'value="2020-01-31"' in html and " open>" in html
    assert "comments, newest first" in _page(client, airline, start=(today - dt.timedelta(days=10)).isoformat(),
                                             end=today.isoformat())


@pytest.mark.parametrize(("params", "message"), [
    ({"moment": "abc"}, "Not one of this cycle&#x27;s. Showing all instead."),
    ({"touchpoint": "99999"}, "Not one of this cycle&#x27;s. Showing all instead."),
    ({"segment": "99999"}, "Not a segment of this organization (an id, or none). Showing all instead."),
    ({"channel": "moon"}, "Unknown channel. Showing all instead."),
    ({"dissatisfied": "maybe"}, "Use true or false. Showing all instead."),
    ({"start": "nope", "end": "2026-01-01"}, ("Give both start and end as dates (YYYY-MM-DD). Showing the last "
                                             "weeks instead.")),
    ({"weeks": "500"}, "The period is too long"),
    ({"weeks": "-3"}, "The period needs at least one week."),
])
def test_bad_filters_give_a_message_and_the_list_without_them(client, airline, params, message):
    html = _page(client, airline, **params)
    assert any(found.startswith(message) for found in _messages(html)), _messages(html)
    assert "121 comments, newest first" in html


def test_another_cycles_moment_or_a_touchpoint_of_another_moment_is_refused(client, airline, organization):
    other = MomentFactory(cycle=ServiceCycleFactory(organization=organization))
    html = _page(client, airline, moment=other.pk)
    assert _messages(html) == ["Not one of this cycle&#x27;s. Showing all instead."]
    baggage = airline.moments.get(name="Baggage claim")
    kiosk = airline.moments.get(name="Check-in").touchpoints.get()
    html = _page(client, airline, moment=baggage.pk, touchpoint=kiosk.pk)
    assert _messages(html) == ["This touchpoint is not one of that moment. Showing all instead."]
    assert "41 comments" in html


def test_another_organizations_cycle_is_404_and_the_page_needs_a_login(client, outsider, airline):
    url = reverse("analytics:comments", args=[airline.pk])
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(url, {"moment": airline.moments.first().pk}).status_code == 404


def test_a_segment_of_another_organization_is_not_listed_or_accepted(client, airline, other_organization):
    foreign = SegmentFactory(organization=other_organization, name="Someone else's")
    html = _page(client, airline, segment=foreign.pk)
    assert "Someone else&#x27;s" not in html and len(_messages(html)) == 1


def test_the_back_link_returns_to_the_dashboard_of_the_same_period(client, airline):
    html = _page(client, airline, start="2026-01-05", end="2026-02-01")
    dashboard = reverse("analytics:dashboard", args=[airline.pk])
    assert f'href="{dashboard}?start=2026-01-05&amp;end=2026-02-01" id="back-to-dashboard"' in html
    assert f'href="{dashboard}?weeks=13" id="back-to-dashboard"' in _page(client, airline, weeks=13)


def test_the_page_reads_in_spanish(client, airline):
    response = client.get(reverse("analytics:comments", args=[airline.pk]), HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert "121 comentarios, del más reciente al más antiguo" in html and "Volver al panel" in html
    assert "puntuación 1/5" in html and "Página 1 de 3" in html


def test_the_query_count_does_not_grow_with_the_comments(client, organization, member,
                                                         django_assert_max_num_queries):
    client.force_login(member)
    cycle = ServiceCycleFactory(organization=organization)
    segment = SegmentFactory(organization=organization)
    moments = [MomentFactory(cycle=cycle) for _ in range(3)]
    touchpoints = [TouchpointFactory(moment=moment) for moment in moments for _ in range(2)]
    for index in range(120):
        RatingFactory(touchpoint=touchpoints[index % 6], score=1 + index % 5, comment=f"comment {index}",
                      segment=segment if index % 2 else None,
                      occurred_at=timezone.now() - dt.timedelta(hours=index + 1))
    rollups_refresh()
    url = reverse("analytics:comments", args=[cycle.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url, {"moment": moments[0].pk, "segment": segment.pk, "dissatisfied": "true"})
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert len(_ids(response.content.decode())) == 50


def test_dashboard_links_lead_to_the_listed_comments(client, airline):
    dashboard = client.get(reverse("analytics:dashboard", args=[airline.pk])).content.decode()
    link = re.search(r'<a class="all-comments" href="([^"]+)">All comments \((\d+)\)</a>', dashboard)
    html = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert f"{link.group(2)} comments, newest first" in html
    assert HOSTILE not in html
