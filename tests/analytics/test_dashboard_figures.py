"""What the dashboard's marks and figures mean, and how they are written
(issue 13, items 5, 6 and 19).

- Red markers on the emotion curve are exactly the critical moments of the list.
- ▲ marks a cell that rose against the previous column; the first column has none.
- Shares read "43%" in English and "43 %" in Spanish everywhere, on the page and
  in the charts' hover; counts have thousands separators; unfamiliar figures
  are explained.
- Snapshots keep codes: computed in one language, read in another.
- Plotly gets no cloud/share button, no logo, a download-only toolbar.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from analytics import charts, services
from analytics.formatting import numbers
from analytics.models import DailyRollup, HeatmapSnapshot
from analytics.periods import last_weeks, local_today
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def _rollup(touchpoint, day, *, n: int, d: int, mean: float = 60.0) -> None:
    DailyRollup.objects.create(touchpoint=touchpoint, day=day, n=n, dissatisfied=d, sum_normalized=n * mean)


@pytest.fixture
def cycle(organization):
    """Four weeks of rollups: "Check-in" is critical through its kiosk only,
    "Baggage claim" as a whole; "Boarding" is fine. Big enough for thousands."""
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", min_sample=20, critical_share=0.25)
    today = local_today("UTC")
    check_in = MomentFactory(cycle=cycle, name="Check-in")
    kiosk = TouchpointFactory(moment=check_in, name="Kiosk", channel="kiosk")
    web = TouchpointFactory(moment=check_in, name="Web check-in", channel="web")
    boarding = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Boarding"), channel="phone")
    baggage = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim"), channel="in_person")
    for weeks_ago in range(4):
        day = today - dt.timedelta(weeks=weeks_ago)
        _rollup(kiosk, day, n=100, d=45)
        _rollup(web, day, n=900, d=30)
        _rollup(boarding, day, n=1200, d=60)
        # Baggage gets much worse in the newest week only.
        _rollup(baggage, day, n=400, d=360 if weeks_ago == 0 else 40)
    return cycle


def _url(cycle, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("analytics:dashboard", args=[cycle.pk]) + (f"?{query}" if query else "")


def _page(client, cycle, language="en", **params):
    response = client.get(_url(cycle, **params), HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    start = html.index('<script id="dashboard-figures" type="application/json">')
    start = html.index(">", start) + 1
    return response, html, json.loads(html[start:html.index("</script>", start)])


def test_the_emotion_curves_red_markers_are_the_critical_moments_of_the_list(client, member, cycle):
    client.force_login(member)
    response, html, figures = _page(client, cycle)
    listed = [item["name"] for item in response.context["data"]["critical_moments"]]
    assert sorted(listed) == ["Baggage claim", "Check-in"], "Check-in through its kiosk only"
    rows = response.context["data"]["rows"]
    marker = figures["emotion"]["data"][0]["marker"]
    red = [row["name"] for row, color in zip(rows, marker["color"], strict=False) if color == charts.CRITICAL_COLOR]
    assert sorted(red) == sorted(listed)
    assert "one of its touchpoints, is critical" in html


def test_the_worsening_mark_is_against_the_previous_column_and_never_on_the_first(client, member, cycle):
    client.force_login(member)
    _response, _html, figures = _page(client, cycle, weeks=4)
    heatmap = figures["heatmap"]["moments"]
    columns = heatmap["data"][0]["x"]
    marks = heatmap["data"][1]
    worsening = {(y, x) for x, y, text in zip(marks["x"], marks["y"], marks["text"], strict=False) if "▲" in text}
    assert worsening == {("3. Baggage claim", columns[-1])}, "the newest week, against the one before"
    assert not any(x == columns[0] for x, text in zip(marks["x"], marks["text"], strict=False) if "▲" in text)


@pytest.mark.parametrize(("language", "share", "thousands"), [("en", "45%", ","), ("es", f"45{NBSP}%", NBSP)])
def test_shares_and_counts_read_one_way_on_the_page_and_in_the_hover(client, member, cycle, language, share,
                                                                       thousands):
    client.force_login(member)
    _response, html, figures = _page(client, cycle, language=language, weeks=4)
    page = html.split('id="dashboard-figures"', 1)[0]
    assert numbers().percent(0.45) == share
    assert f"10{thousands}400" in page, "the period's ratings, with a thousands separator"
    assert "0.45" not in page and "0,45" not in page, "no share written as a fraction"
    kiosk_line = page.split("Kiosk:", 1)[1].split("</li>", 1)[0]
    assert kiosk_line.strip().startswith(share)

    touchpoints = figures["heatmap"]["touchpoints"]["data"][0]
    kiosk = next(index for index, label in enumerate(touchpoints["y"]) if label.endswith("Kiosk"))
    hover, text, color = touchpoints["customdata"][kiosk][-1]
    assert text.startswith(share) and share in hover and color.startswith("#")
    boarding = next(index for index, label in enumerate(touchpoints["y"]) if "Boarding" in label)
    assert f"1{thousands}200" in touchpoints["customdata"][boarding][-1][0]
    colorbar = figures["heatmap"]["moments"]["data"][0]["colorbar"]
    assert colorbar["ticktext"][3] == numbers().percent(0.3)
    assert "%{z:" not in json.dumps(figures), "no number left to Plotly's English-only formats"


def test_figures_a_team_lead_may_not_know_are_explained(client, member, cycle):
    client.force_login(member)
    _response, html, _figures = _page(client, cycle)
    head = html.split('<table class="table critical-list">', 1)[1].split("</thead>", 1)[0]
    for figure, words in (("Dissatisfied", "Wilson 95% interval"), ("Severity", "pessimistic number"),
                          ("Word-of-mouth reach", "probably hear"), ("Trend", "significant at 95%")):
        abbr = head.split(f">{figure}</abbr>", 1)[0].rsplit("<abbr", 1)[1]
        assert words in abbr, figure
    assert "Severity: the lower end of that interval" in html and "× 15 people each" in html


def test_a_snapshot_keeps_codes_and_reads_in_the_language_of_the_reader(client, member, cycle):
    period = last_weeks(weeks=4, today=local_today("UTC"))
    with translation.override("es"):
        spanish = services.heatmap_data_build(cycle=cycle, dimension="channels", period=period)
        services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=period)
    with translation.override("en"):
        english_data = services.heatmap_data_build(cycle=cycle, dimension="channels", period=period)
    # The same but for the instant the insights were read.
    assert {**english_data, "insights_at": None} == {**spanish, "insights_at": None}
    stored = HeatmapSnapshot.objects.get(dimension="weeks")
    assert all(set(column) == {"key", "start"} for column in stored.data["columns"])
    week = stored.data["columns"][-1]["key"]  # e.g. "2026-W49"
    number = week.split("-W")[1] + " " + week.split("-")[0]

    api = APIClient()
    api.force_authenticate(member)
    english = api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/?weeks=4", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["columns"][-1]["label"] == f"W{number}" and english["Content-Language"] == "en"
    spanish_api = api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/?weeks=4", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish_api.json()["columns"][-1]["label"] == f"S{number}"
    channels = api.get(f"/api/v1/cycles/{cycle.pk}/heatmap/?weeks=4&dimension=channels", HTTP_ACCEPT_LANGUAGE="en")
    assert [column["label"] for column in channels.json()["columns"]] == ["Web", "Phone", "In person", "Kiosk"]

    client.force_login(member)
    _response, _html, figures = _page(client, cycle, language="en", weeks=4, dimension="channels")
    assert figures["heatmap"]["moments"]["data"][0]["x"] == ["Web", "Phone", "In person", "Kiosk"]
    _response, _html, figures = _page(client, cycle, language="es", weeks=4, dimension="channels")
    assert figures["heatmap"]["moments"]["data"][0]["x"] == ["Web", "Teléfono", "En persona", "Quiosco"]


def test_plotly_gets_no_cloud_button_no_logo_and_a_download_only_toolbar(client, member, cycle):
    client.force_login(member)
    _response, _html, figures = _page(client, cycle)
    config = figures["config"]
    assert config["displaylogo"] is False
    assert config["showSendToCloud"] is False and config["plotlyServerURL"] == ""
    assert config["modeBarButtons"] == [["toImage"]], "an allow-list: a new Plotly button cannot slip in"
    assert config == charts.PLOTLY_CONFIG
    with open("static/js/dashboard.js") as script:
        assert "figures.config" in script.read(), "the page hands Plotly this config"
    for figure in (figures["heatmap"]["moments"], figures["emotion"]):
        assert figure["layout"]["margin"]["t"] >= charts.TOOLBAR_ROOM
        assert figure["layout"]["xaxis"]["fixedrange"] and figure["layout"]["yaxis"]["fixedrange"]


def test_a_moment_name_cannot_break_out_of_the_figures_script(client, member, cycle):
    name = '</script><script>alert("x")</script> & <b>'
    moment = cycle.moments.get(name="Boarding")
    moment.name = name
    moment.save()
    client.force_login(member)
    _response, html, figures = _page(client, cycle)
    script = html.split('<script id="dashboard-figures" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script and ">" not in script and "&" not in script
    # Plotly draws its own markup: the name reaches it escaped, and reads as written.
    assert '2. &lt;/script&gt;&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;' in figures["heatmap"][
        "moments"]["data"][0]["y"]
