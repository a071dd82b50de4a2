"""The heatmap and the emotion curve as files (issue 19, item 5): PNG and SVG from
GET /api/v1/cycles/<id>/heatmap.png (…svg, emotion-curve.png, …svg), drawn on the
server, for a cycle of 1 moment or 40 with long names, in the caller's language."""

from __future__ import annotations

import datetime as dt
import io
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from analytics import images, services
from analytics.image_api import CONTENT_TYPES
from analytics.periods import last_weeks, local_today
from journeys.tokens import api_token_create
from tests.factories import MomentFactory, RatingFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
URLS = {("heatmap", "png"): "heatmap.png", ("heatmap", "svg"): "heatmap.svg",
        ("emotion", "png"): "emotion-curve.png", ("emotion", "svg"): "emotion-curve.svg"}


def _cycle(organization, moments: int, *, name_length: int = 12, rated: int = 1):
    cycle = ServiceCycleFactory(organization=organization, name="Tienda online · pedido")
    for index in range(moments):
        name = (f"{index + 1:02d} Facturación y envío → ≥ " * 10)[:name_length]
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name=name))
        if index < rated:
            for score in (1, 1, 2, 4, 5) * 5:
                RatingFactory(touchpoint=touchpoint, score=score,
                              occurred_at=timezone.now() - dt.timedelta(days=1 + index % 20))
    services.rollups_refresh()
    return cycle


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


def _png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(content)) as picture:
        picture.verify()
        return picture.size


def _svg_texts(content: bytes) -> str:
    root = ElementTree.fromstring(content)
    assert root.tag == f"{SVG}svg"
    return " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("chart, kind", list(URLS))
def test_each_chart_comes_as_a_valid_file_of_a_sensible_size(api, organization, chart, kind):
    cycle = _cycle(organization, 3, rated=3)
    response = api.get(f"/api/v1/cycles/{cycle.pk}/{URLS[chart, kind]}?weeks=4")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[kind]
    name = "heatmap" if chart == "heatmap" else "emotion-curve"
    assert response["Content-Disposition"] == f'attachment; filename="cycle-{cycle.pk}-{name}.{kind}"'
    if kind == "png":
        width, height = _png_size(response.content)
        assert 600 <= width <= 3000 and 250 <= height <= 2000, (width, height)
    else:
        texts = _svg_texts(response.content)
        assert "Tienda online · pedido" in texts, "text stays text: searchable and read aloud"
        assert "01 Facturaci" in texts


def test_the_labels_follow_the_callers_language(api, organization):
    cycle = _cycle(organization, 2, rated=2)
    texts = _svg_texts(api.get(f"/api/v1/cycles/{cycle.pk}/heatmap.svg?weeks=4",
                               HTTP_ACCEPT_LANGUAGE="es").content)
    assert "Insatisfechos" in texts and "%" in texts
    week = local_today(cycle.timezone).isocalendar()
    assert f"S{week.week:02d} {week.year}" in texts


def test_touchpoint_rows_on_request(api, organization):
    cycle = _cycle(organization, 2, rated=2)
    texts = _svg_texts(api.get(f"/api/v1/cycles/{cycle.pk}/heatmap.svg?level=touchpoints").content)
    assert "›" in texts


@pytest.mark.parametrize("moments, name_length", [(1, 12), (40, 120)])
def test_one_moment_or_forty_with_long_names_still_read(organization, moments, name_length):
    cycle = _cycle(organization, moments, name_length=name_length, rated=min(moments, 3))
    period = last_weeks(weeks=8, today=local_today(cycle.timezone))
    snapshot, _structure = services.heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
    labels = [f"W{index}" for index in range(len(snapshot.data["columns"]))]
    width, height = _png_size(images.heatmap_image(snapshot.data, column_labels=labels, title="t"))
    assert width <= images.MAX_WIDTH * images.PNG_DPI and height <= images.MAX_HEIGHT * images.PNG_DPI
    assert height >= 300 if moments == 40 else height < 600
    width, height = _png_size(images.emotion_curve_image(snapshot.data, title="t"))
    assert 600 <= width <= images.MAX_WIDTH * images.PNG_DPI
    svg = _svg_texts(images.heatmap_image(snapshot.data, column_labels=labels, title="t", image_format="svg"))
    assert ("…" in svg) == (name_length > images.LABEL_CHARS), "long names are cut with an ellipsis in images"


def test_a_moment_without_ratings_leaves_a_gap_in_the_curve_not_a_zero(organization):
    cycle = _cycle(organization, 3, rated=1)
    period = last_weeks(weeks=8, today=local_today(cycle.timezone))
    snapshot, _structure = services.heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=period)
    assert [row["total"]["mean"] is None for row in snapshot.data["rows"]] == [False, True, True]
    _png_size(images.emotion_curve_image(snapshot.data, title="t"))


def test_a_read_token_may_fetch_the_images(organization):
    cycle = _cycle(organization, 1)
    _token, secret = api_token_create(organization=organization, name="bi", scopes=["read"], created_by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get(f"/api/v1/cycles/{cycle.pk}/heatmap.png").status_code == 200


@pytest.mark.parametrize("query, field", [
    ("level=weeks", "level"), ("weeks=0", "period"), ("start=2020-01-01&end=2020-01-31", "period"),
    ("dimension=moons", "dimension"),
])
def test_bad_input_is_a_json_400_naming_the_field(api, organization, query, field):
    cycle = _cycle(organization, 1)
    response = api.get(f"/api/v1/cycles/{cycle.pk}/heatmap.png?{query}")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert field in response.json()


def test_a_cycle_without_moments_is_a_400(api, organization):
    cycle = ServiceCycleFactory(organization=organization)
    response = api.get(f"/api/v1/cycles/{cycle.pk}/emotion-curve.svg")
    assert response.status_code == 400 and "cycle" in response.json()


def test_another_organizations_cycle_is_not_found(organization, outsider):
    cycle = _cycle(organization, 1)
    client = APIClient()
    client.force_authenticate(outsider)
    for url in URLS.values():
        assert client.get(f"/api/v1/cycles/{cycle.pk}/{url}").status_code == 404
