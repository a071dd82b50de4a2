"""The dashboard's critical moments say what their customers say (issue 15, item 4):
each one's distinctive words as chips, one verbatim, a link to all its comments;
the heatmap's cells carry their scope for the panel a click opens."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from analytics.scopes import heatmap_cell_scopes
from journeys.services import organization_comment_settings_update
from tests.analytics.comment_data import HOSTILE, airline_with_comments, rate
from tests.factories import MomentFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def _dashboard(client, cycle, **params):
    return client.get(reverse("analytics:dashboard", args=[cycle.pk]), params).content.decode()


def _insights_rows(html) -> dict[str, str]:
    """moment id → the HTML of its insights row."""
    return dict(re.findall(r'<tr class="critical-insights" data-moment-id="(\d+)"[^>]*>(.*?)</tr>', html, re.DOTALL))


def _cells(html) -> dict:
    start = html.index('<script id="dashboard-cells" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)])


@pytest.fixture
def client_logged_in(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def airline(organization, member, client):
    client.force_login(member)
    return airline_with_comments(organization=organization, hostile=True)


def test_each_critical_moment_shows_its_words_one_verbatim_and_a_link_to_its_comments(client, airline):
    html = _dashboard(client, airline)
    baggage, checkin, flight = (airline.moments.get(name=name) for name in ("Baggage claim", "Check-in", "Flight"))
    rows = _insights_rows(html)
    assert set(rows) == {str(baggage.pk), str(checkin.pk)}, "only critical moments, and each once"
    chips = re.findall(r'<li class="term-chip" title="([^"]+)">([^<]+)<', rows[str(baggage.pk)])
    assert "maleta perdida" in [term for _title, term in chips]
    assert "kiosk froze" not in rows[str(baggage.pk)] and "kiosk froze" in rows[str(checkin.pk)]
    title = {term: title for title, term in chips}["maleta perdida"]
    assert re.fullmatch(r"in 31 comments · z = \d+\.\d", title), title
    # The verbatim: the comment in quotes, its score, touchpoint and date.
    verbatim = re.search(r'<figure class="verbatim">(.*?)</figure>', rows[str(baggage.pk)], re.DOTALL).group(1)
    assert "“&lt;script&gt;alert(1)&lt;/script&gt; Mi maleta perdida" in verbatim
    assert "score 1/5 · Carousel · <time" in verbatim
    comments_url = reverse("analytics:comments", args=[airline.pk])
    assert f'href="{comments_url}?moment={baggage.pk}&amp;weeks=8">All comments (41)</a>' in rows[str(baggage.pk)]
    assert str(flight.pk) not in rows


def test_comment_markup_is_shown_as_text_everywhere_on_the_dashboard(client_logged_in, organization):
    client = client_logged_in
    cycle = ServiceCycleFactory(organization=organization, min_sample=20, critical_share=0.25)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Wifi <i>lounge</i>"))
    rate(touchpoint, [f"{HOSTILE} <img src=x onerror=alert({n})> wifi roto" for n in range(25)], score=1)
    rate(TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Flight")),
         [f"friendly crew and a smooth flight {n}" for n in range(60)], score=5)
    from analytics.services import rollups_refresh

    rollups_refresh()
    html = _dashboard(client, cycle)
    rows = _insights_rows(html)
    assert len(rows) == 1
    (row,) = rows.values()
    assert re.findall(r'<li class="term-chip"', row), "the words of the comments are chips"
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>otra vez" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row and "&lt;img src=x onerror=alert(" in row
    assert "Wifi &lt;i&gt;lounge&lt;/i&gt;" in html


def test_a_critical_moment_without_comments_says_so(client_logged_in, organization):
    cycle = ServiceCycleFactory(organization=organization, min_sample=20, critical_share=0.25)
    rate(TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Gate")), [""] * 25, score=1)
    from analytics.services import rollups_refresh

    rollups_refresh()
    (row,) = _insights_rows(_dashboard(client_logged_in, cycle)).values()
    assert "No comments in this period." in row and "term-chip" not in row and "verbatim" not in row


def test_a_critical_moment_whose_comments_all_differ_says_no_word_stands_out(client_logged_in, organization):
    cycle = ServiceCycleFactory(organization=organization, min_sample=20, critical_share=0.25)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
             "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
             "whiskey", "xray", "yankee"]
    rate(TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Lounge")), [w + w for w in words], score=1)
    from analytics.services import rollups_refresh

    rollups_refresh()
    (row,) = _insights_rows(_dashboard(client_logged_in, cycle)).values()
    assert "No word stands out: every comment says something different." in row
    assert "term-chip" not in row and '<figure class="verbatim">' in row, "still one of their comments"


def test_an_organization_that_switched_analysis_off_is_told_so(client, airline, organization):
    organization_comment_settings_update(organization=organization, comment_analysis=False)
    html = _dashboard(client, airline)
    rows = _insights_rows(html)
    assert len(rows) == 2
    for row in rows.values():
        assert "Comment analysis is off for this organization." in row
        assert "term-chip" not in row and "verbatim" not in row
        assert ">All comments</a>" in row, "the comments are still listed, without a count"


def test_words_and_figures_read_in_spanish(client, airline):
    html = client.get(reverse("analytics:dashboard", args=[airline.pk]), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    row = _insights_rows(html)[str(airline.moments.get(name="Baggage claim").pk)]
    assert "Lo que dicen los clientes insatisfechos" in row
    assert re.search(r'title="en 31 comentarios · z = \d+,\d"', row), row
    assert "puntuación 1/5 · Carousel" in row and "Todos los comentarios (41)" in row


def test_a_moment_critical_through_one_touchpoint_links_to_that_touchpoints_comments(client_logged_in,
                                                                                    organization):
    cycle = ServiceCycleFactory(organization=organization, min_sample=20, critical_share=0.25)
    moment = MomentFactory(cycle=cycle, name="Check-in")
    kiosk = TouchpointFactory(moment=moment, name="Kiosk", channel="kiosk")
    web = TouchpointFactory(moment=moment, name="Web check-in")
    rate(kiosk, [f"the kiosk froze again {n}" for n in range(25)], score=1)
    rate(web, ["quick and easy"] * 120, score=5)
    from analytics.services import rollups_refresh

    rollups_refresh()
    (row,) = _insights_rows(_dashboard(client_logged_in, cycle)).values()
    assert f"?moment={moment.pk}&amp;touchpoint={kiosk.pk}&amp;weeks=8" in row and "All comments (25)" in row


def test_custom_period_links_keep_its_dates(client, airline):
    html = _dashboard(client, airline, start="2026-01-05", end="2026-02-01")
    cells = _cells(html) if 'id="dashboard-cells"' in html else None
    for row in _insights_rows(html).values():
        assert "start=2026-01-05&amp;end=2026-02-01" in row
    if cells:
        assert cells["period"] == {"start": "2026-01-05", "end": "2026-02-01"}


def test_heatmap_cells_carry_the_scope_of_their_panel(client, airline):
    html = _dashboard(client, airline)
    cells = _cells(html)
    figures_rows = [moment.pk for moment in airline.moments.order_by("position")]
    assert cells["rows"]["moments"] == [{"moment": str(pk)} for pk in figures_rows]
    assert len(cells["rows"]["touchpoints"]) == 3
    assert cells["insights_url"] == reverse("api:cycle-insights", args=[airline.pk])
    assert cells["comments_url"] == reverse("analytics:comments", args=[airline.pk])
    assert cells["scale_tops"]["csat5"] == 5 and cells["timezone"] == airline.timezone
    assert len(cells["columns"]) == 8 and all(set(column) == {"start", "end"} for column in cells["columns"])


def test_week_columns_are_their_days_clipped_to_the_period_and_segments_and_channels_their_codes():
    period = {"start": "2026-11-04", "end": "2026-11-18"}  # a Wednesday to a Wednesday
    rows = [{"id": 7, "touchpoints": [{"id": 70}, {"id": 71}]}]
    weeks = heatmap_cell_scopes({"period": period, "dimension": "weeks", "rows": rows, "columns": [
        {"key": "2026-W45", "start": "2026-11-04"}, {"key": "2026-W46", "start": "2026-11-09"},
        {"key": "2026-W47", "start": "2026-11-16"}]})
    assert weeks["columns"] == [{"start": "2026-11-04", "end": "2026-11-08"},
                                {"start": "2026-11-09", "end": "2026-11-15"},
                                {"start": "2026-11-16", "end": "2026-11-18"}]
    assert weeks["rows"] == {"moments": [{"moment": "7"}], "touchpoints": [{"moment": "7", "touchpoint": "70"},
                                                                          {"moment": "7", "touchpoint": "71"}]}
    segments = heatmap_cell_scopes({"period": period, "dimension": "segments", "rows": rows,
                                    "columns": [{"key": "s12"}, {"key": "none"}]})
    assert segments["columns"] == [{"segment": "12"}, {"segment": "none"}]
    channels = heatmap_cell_scopes({"period": period, "dimension": "channels", "rows": rows,
                                    "columns": [{"key": "kiosk"}]})
    assert channels["columns"] == [{"channel": "kiosk"}] and channels["period"] == period


@pytest.mark.parametrize("dimension", ["channels", "segments"])
def test_channel_and_segment_columns_name_theirs(client, airline, organization, dimension):
    segment = SegmentFactory(organization=organization, name="Gold")
    cells = _cells(_dashboard(client, airline, dimension=dimension))
    if dimension == "segments":
        assert cells["columns"] == [{"segment": str(segment.pk)}, {"segment": "none"}]
    else:
        assert {column["channel"] for column in cells["columns"]} == {"web", "kiosk", "in_person"}


def test_the_dashboard_with_insights_keeps_its_query_budget(client, airline, django_assert_max_num_queries):
    _dashboard(client, airline)  # computes and stores the snapshot, with its insights
    with django_assert_max_num_queries(10):
        html = _dashboard(client, airline)
    assert "term-chip" in html
