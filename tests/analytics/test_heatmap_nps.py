"""NPS in the heatmap, its totals, the critical moments, the API and the dashboard (issue 16, item 5).

NPS is counted over ratings on the 0–10 scale only: a moment that mixes scales has the NPS of its
NPS touchpoints, never one diluted by (or averaged with) its CSAT ratings.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from analytics import services
from analytics.periods import last_weeks, local_today
from analytics.services import snapshots
from journeys.tokens import api_token_create
from tests.analytics.test_dashboard_figures import _page
from tests.factories import MembershipFactory, MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory
from tests.fuzz.test_api_schemathesis import CHECKS, SCHEMA, _in_process_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

RATED_ON = dt.timedelta(days=1)  # before today (UTC)
# The survey's 25 ratings: 10 × 10 and 5 × 9 (15 promoters), 3 × 8 and 2 × 7 (passives), 5 × 5 (detractors).
SURVEY_SCORES = [10] * 10 + [9] * 5 + [8] * 3 + [7] * 2 + [5] * 5
# By hand (Rocks 2016): n′ = 28, P′ = 15.75/28 = 0.5625, D′ = 5.75/28 = 0.205357, NPS′ = 0.357143,
# se = √((0.767857 − 0.127551)/28) = 0.151222, 35.7143 ± 29.6395.
NPS, NPS_LOW, NPS_HIGH = 40.0, 6.0748, 65.3538


@pytest.fixture
def cycle(organization):
    """"Post-trip" mixes an NPS survey (NPS 40) with a CSAT lounge; "Check-in" is CSAT only."""
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", min_sample=20, critical_share=0.25)
    day = dt.datetime.combine(local_today("UTC") - RATED_ON, dt.time(12), tzinfo=dt.UTC)
    post_trip = MomentFactory(cycle=cycle, name="Post-trip")
    survey = TouchpointFactory(moment=post_trip, name="Survey", scale="nps11", channel="email")
    lounge = TouchpointFactory(moment=post_trip, name="Lounge", channel="physical_place")
    kiosk = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Kiosk", channel="kiosk")
    for score in SURVEY_SCORES:
        RatingFactory(touchpoint=survey, score=score, occurred_at=day)
    for index in range(30):
        RatingFactory(touchpoint=lounge, score=1 if index < 20 else 5, occurred_at=day)
    for index in range(40):
        RatingFactory(touchpoint=kiosk, score=1 if index < 30 else 5, occurred_at=day)
    services.rollups_refresh()
    return cycle


def _data(cycle, dimension="weeks"):
    return services.heatmap_data_build(cycle=cycle, dimension=dimension,
                                       period=last_weeks(weeks=4, today=local_today("UTC")))


def _rated_column(data) -> int:
    year, week, _weekday = (local_today("UTC") - RATED_ON).isocalendar()
    return [column["key"] for column in data["columns"]].index(f"{year}-W{week:02d}")


def _nps(figures) -> tuple:
    return figures["nps"], figures["nps_low"], figures["nps_high"]


def test_an_nps_touchpoint_carries_its_nps_and_adjusted_wald_interval(cycle):
    data = _data(cycle)
    survey = next(tp for tp in data["rows"][0]["touchpoints"] if tp["name"] == "Survey")
    assert _nps(survey["total"]) == pytest.approx((NPS, NPS_LOW, NPS_HIGH), abs=1e-4)
    # The week of the ratings has it; weeks without ratings have none (not an interval of nothing).
    rated = _rated_column(data)
    assert _nps(survey["cells"][rated]) == pytest.approx((NPS, NPS_LOW, NPS_HIGH), abs=1e-4)
    assert [_nps(cell) for index, cell in enumerate(survey["cells"]) if index != rated] == [(None, None, None)] * 3


def test_a_moment_that_mixes_scales_has_the_nps_of_its_nps_touchpoints_only(cycle):
    data = _data(cycle)
    post_trip, check_in = data["rows"]
    lounge = next(tp for tp in post_trip["touchpoints"] if tp["name"] == "Lounge")
    # 55 ratings in the moment, but its NPS is the survey's 25: not (15 − 5)/55 = 18.
    assert post_trip["total"]["n"] == 55
    assert _nps(post_trip["total"]) == pytest.approx((NPS, NPS_LOW, NPS_HIGH), abs=1e-4)
    assert post_trip["cells"][_rated_column(data)]["nps"] == pytest.approx(NPS)
    assert _nps(lounge["total"]) == (None, None, None)
    assert _nps(check_in["total"]) == (None, None, None)
    assert all(cell["nps"] is None for cell in check_in["cells"])


@pytest.mark.parametrize("dimension", ["channels", "segments"])
def test_channel_and_segment_columns_carry_nps_too(cycle, dimension):
    post_trip = _data(cycle, dimension)["rows"][0]
    assert [cell["nps"] for cell in post_trip["cells"] if cell["nps"] is not None] == [pytest.approx(NPS)]


def test_critical_moments_carry_the_moments_nps(cycle):
    critical = {item["name"]: item for item in _data(cycle)["critical_moments"]}
    assert set(critical) == {"Post-trip", "Check-in"}
    assert _nps(critical["Post-trip"]) == pytest.approx((NPS, NPS_LOW, NPS_HIGH), abs=1e-4)
    assert _nps(critical["Post-trip"]["total"]) == _nps(critical["Post-trip"])
    assert _nps(critical["Check-in"]) == (None, None, None)


def test_a_snapshot_of_the_format_before_nps_is_recomputed_when_read(cycle, monkeypatch):
    period = last_weeks(weeks=4, today=local_today("UTC"))
    monkeypatch.setattr(snapshots, "SNAPSHOT_FORMAT", 3)
    old = services.heatmap_snapshot_compute(cycle=cycle, dimension="weeks", period=period)
    for row in old.data["rows"]:  # as format 3 stored it: no NPS anywhere
        row["total"].pop("nps")
    old.save(update_fields=["data"])
    monkeypatch.undo()

    snapshot, _structure = services.heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)

    assert snapshot.data["format"] == snapshots.SNAPSHOT_FORMAT == 4
    assert snapshot.data["rows"][0]["total"]["nps"] == pytest.approx(NPS)


@pytest.mark.parametrize("path", ["/api/v1/cycles/{id}/heatmap/", "/api/v1/cycles/{id}/critical-moments/"])
def test_the_api_gives_nps_and_matches_the_schema(cycle, organization, path):
    _token, secret = api_token_create(organization=organization, name="bi", scopes=["read"], created_by=None)
    case = SCHEMA[path]["GET"].Case(path_parameters={"id": cycle.pk}, query={"weeks": "4"})
    response = case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
    assert response.status_code == 200
    body = response.json()
    if "rows" in body:
        rated = [column["key"] for column in body["columns"]].index(
            "{}-W{:02d}".format(*(local_today("UTC") - RATED_ON).isocalendar()[:2]))
        figures = [body["rows"][0]["total"], body["rows"][0]["cells"][rated], body["rows"][0]["touchpoints"][0]["total"]]
    else:
        post_trip = next(item for item in body["critical_moments"] if item["name"] == "Post-trip")
        figures = [post_trip, post_trip["total"]]
    for found in figures:
        assert _nps(found) == pytest.approx((NPS, NPS_LOW, NPS_HIGH), abs=1e-4)


def test_the_schema_documents_nps_on_cells_totals_and_critical_moments(client, organization, member):
    client.force_login(member)
    components = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    for name in ("HeatmapCell", "HeatmapTotal", "CriticalMoment", "CriticalTouchpoint"):
        properties = components[name]["properties"]
        assert {"nps", "nps_low", "nps_high"} <= set(properties), name
        assert properties["nps"].get("nullable") is True
        assert "adjusted-Wald" in properties["nps_low"]["description"]


@pytest.mark.parametrize(("language", "line", "hover"), [
    ("en", "NPS +40 (+6 to +65)", "NPS +40 (95% interval: +6 to +65)"),
    ("es", "NPS +40 (+6 a +65)", "NPS +40 (intervalo del 95\u00a0%: +6 a +65)"),
])
def test_the_dashboard_shows_nps_with_its_interval_in_the_list_and_the_hover(
        client, organization, cycle, language, line, hover):
    client.force_login(MembershipFactory(organization=organization).user)
    response, html, figures = _page(client, cycle, language=language)
    assert response.status_code == 200
    post_trip = html[html.index('id="moment-'):]
    assert line in post_trip and 'class="hint legend nps-legend"' in html
    hovers = [text for row in figures["heatmap"]["moments"]["data"][0]["customdata"] for text, _t, _c in row]
    assert sum(hover in text for text in hovers) == 1  # the survey's week of Post-trip; Check-in has none
    emotion = figures["emotion"]["data"][0]["customdata"]
    assert hover in emotion[0] and "NPS" not in emotion[1]


def test_the_dashboard_says_nothing_of_nps_without_nps_ratings(client, organization):
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", min_sample=5)
    kiosk = TouchpointFactory(moment=MomentFactory(cycle=cycle), name="Kiosk")
    for _ in range(10):
        RatingFactory(touchpoint=kiosk, score=1)
    services.rollups_refresh()
    client.force_login(MembershipFactory(organization=organization).user)
    html = client.get(reverse("analytics:dashboard", args=[cycle.pk])).content.decode()
    assert "critical-row" in html and "NPS" not in html


def test_moments_without_touchpoints_or_ratings_have_no_nps(organization):
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC")
    MomentFactory(cycle=cycle, name="Empty")
    TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Unrated"), scale="nps11")
    data = _data(cycle)
    assert [_nps(row["total"]) for row in data["rows"]] == [(None, None, None)] * 2
    assert data["empty"] == "no_ratings" and data["critical_moments"] == []
