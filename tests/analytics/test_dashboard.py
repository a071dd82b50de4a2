import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import services
from tests.factories import (
    MomentFactory,
    RatingFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization)


def rate_three_moments(cycle):
    """Three moments of 30 ratings each, the last one critical, folded into the rollups."""
    for position in range(3):
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, protocol=f"Protocol {position}"))
        for index in range(30):
            RatingFactory(touchpoint=touchpoint, score=1 if (position == 2 and index % 2) else 5,
                          occurred_at=timezone.now() - dt.timedelta(days=index % 20, hours=1))
    services.rollups_refresh()
    return cycle


@pytest.fixture
def rated_cycle(cycle):
    return rate_three_moments(cycle)


def _url(cycle, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("analytics:dashboard", args=[cycle.pk]) + (f"?{query}" if query else "")


def _figures(response):
    content = response.content.decode()
    start = content.index('<script id="dashboard-figures" type="application/json">') + len(
        '<script id="dashboard-figures" type="application/json">')
    return json.loads(content[start:content.index("</script>", start)])


def test_dashboard_requires_login(client, cycle):
    response = client.get(_url(cycle))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_of_another_organization_is_404(client, outsider, rated_cycle):
    client.force_login(outsider)
    assert client.get(_url(rated_cycle)).status_code == 404
    assert client.post(reverse("analytics:recompute", args=[rated_cycle.pk])).status_code == 404


def test_dashboard_shows_heatmap_emotion_curve_and_critical_moments(client, member, rated_cycle):
    client.force_login(member)
    response = client.get(_url(rated_cycle))
    assert response.status_code == 200
    figures = _figures(response)
    heatmap = figures["heatmap"]["moments"]["data"][0]
    assert heatmap["type"] == "heatmap" and len(heatmap["y"]) == 3
    assert len(figures["heatmap"]["touchpoints"]["data"][0]["y"]) == 3
    assert figures["emotion"]["data"][0]["y"][0] == pytest.approx(100.0)
    assert {shape["type"] for shape in figures["emotion"]["layout"]["shapes"]} == {"rect"}
    content = response.content.decode()
    assert "Protocol 2" in content and "critical-row" in content
    assert "vendor/plotly-cartesian.min.js" in content and "<script>" not in content  # no inline JS


@pytest.mark.parametrize("dimension", ["weeks", "channels", "segments"])
def test_every_dimension_renders(client, member, rated_cycle, dimension):
    client.force_login(member)
    response = client.get(_url(rated_cycle, dimension=dimension, weeks=4))
    assert response.status_code == 200 and response.context["dimension"] == dimension


@pytest.mark.parametrize(("params", "message"), [
    ({"dimension": "moons"}, "Unknown dimension"),
    ({"weeks": "500"}, "too long"),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "too long"),
    ({"start": "nope", "end": "2026-01-01"}, "YYYY-MM-DD"),
])
def test_bad_input_shows_a_message_and_the_default_view(client, member, rated_cycle, params, message):
    client.force_login(member)
    response = client.get(_url(rated_cycle, **params))
    assert response.status_code == 200
    assert message in " ".join(response.context["errors"])
    assert response.context["figures"] is not None


def test_cycle_without_moments_explains_itself(client, member, cycle):
    client.force_login(member)
    response = client.get(_url(cycle))
    assert response.status_code == 200 and not response.context["figures"]
    assert "no moments of truth yet" in response.content.decode()


def test_cycle_without_touchpoints_or_ratings_explains_itself(client, member, cycle):
    client.force_login(member)
    moment = MomentFactory(cycle=cycle)
    assert "no touchpoints yet" in client.get(_url(cycle)).content.decode()
    TouchpointFactory(moment=moment)
    response = client.get(_url(cycle))
    assert "No ratings in this period yet" in response.content.decode() and response.context["figures"] is None


def test_too_few_ratings_are_explained(client, member, cycle):
    client.force_login(member)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    for _ in range(5):
        RatingFactory(touchpoint=touchpoint, score=1, occurred_at=timezone.now() - dt.timedelta(hours=2))
    services.rollups_refresh()
    content = client.get(_url(cycle)).content.decode()
    assert "Too few ratings to judge" in content and "No critical moments in this period." in content


def test_dashboard_query_count_is_bounded(client, member, rated_cycle, django_assert_max_num_queries):
    client.force_login(member)
    client.get(_url(rated_cycle))  # computes and stores the snapshot
    with django_assert_max_num_queries(10):
        response = client.get(_url(rated_cycle))
    assert response.status_code == 200


def test_dashboard_recomputes_a_stale_snapshot_from_rollups(client, member, rated_cycle):
    client.force_login(member)
    assert client.get(_url(rated_cycle)).context["data"]["n"] == 90
    touchpoint = rated_cycle.moments.first().touchpoints.first()
    RatingFactory(touchpoint=touchpoint, occurred_at=timezone.now() - dt.timedelta(hours=1))
    services.rollups_refresh()
    assert client.get(_url(rated_cycle)).context["data"]["n"] == 91


@pytest.fixture
def embedded(celery_in_process):
    """Embedded mode (no broker) even when the suite runs with REDIS_URL."""


def test_recompute_now_runs_and_reports_status(client, member, rated_cycle, embedded):
    client.force_login(member)
    touchpoint = rated_cycle.moments.first().touchpoints.first()
    RatingFactory(touchpoint=touchpoint, occurred_at=timezone.now() - dt.timedelta(hours=1))
    response = client.post(reverse("analytics:recompute", args=[rated_cycle.pk]),
                           {"dimension": "weeks", "weeks": "8"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    answer = response.json()
    assert answer["state"] == "SUCCESS"
    assert client.get(answer["status_url"]).json()["state"] == "SUCCESS"
    assert client.get(_url(rated_cycle)).context["data"]["n"] == 91


def test_recompute_without_javascript_redirects_back(client, member, rated_cycle, embedded):
    client.force_login(member)
    response = client.post(reverse("analytics:recompute", args=[rated_cycle.pk]), {"weeks": "8"})
    assert response.status_code == 302 and response["Location"] == _url(rated_cycle)


def test_recompute_with_bad_period_is_400(client, member, rated_cycle):
    client.force_login(member)
    response = client.post(reverse("analytics:recompute", args=[rated_cycle.pk]), {"weeks": "999"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "too long" in response.json()["errors"][0]


def test_status_of_a_task_not_started_for_this_cycle_is_404(client, member, rated_cycle):
    client.force_login(member)
    url = reverse("analytics:task_status", args=[rated_cycle.pk, "not-a-task"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("dimension", ["weeks", "channels", "segments"])
def test_every_figure_is_valid_plotly(client, member, rated_cycle, dimension):
    # charts.py writes Plotly JSON by hand for speed; Plotly's own validator
    # must accept every figure the page draws.
    import plotly.graph_objects as go

    client.force_login(member)
    figures = _figures(client.get(_url(rated_cycle, dimension=dimension)))
    for figure in (figures["heatmap"]["moments"], figures["heatmap"]["touchpoints"], figures["emotion"]):
        validated = go.Figure(figure)
        assert validated.data
    assert figures["heatmap"]["moments"]["data"][0]["type"] == "heatmap"


def test_a_moment_without_touchpoints_is_named_on_the_page(client, member, rated_cycle):
    MomentFactory(cycle=rated_cycle, name="Lounge (being mapped)")
    client.force_login(member)
    html = client.get(_url(rated_cycle)).content.decode()
    assert "These moments have no touchpoints yet" in html and "Lounge (being mapped)" in html
    assert 'id="heatmap-chart"' in html, "the others are still drawn"
