"""The service-cycle wheel (issue 19, item 1): Carlzon's circle drawn from plain data.

- Moments run clockwise from 12 o'clock, one segment each, coloured by the dissatisfied
  share with the heatmap's scale; grey without ratings.
- Kinds are an outer ring; critical moments are outlined and marked, alerting ones ▲.
- Every moment has its full text (title, aria-label); names are wrapped at spaces and
  shortened, never running off the picture; with more than 16 moments they are listed.
- es/en; hostile names are escaped; a cycle without moments still gives a picture.
- The figures come from snapshots (all customers, or one segment's column).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET

import pytest

from analytics import wheel
from analytics.charts import share_color
from analytics.models import DailyRollup
from analytics.periods import last_weeks, local_today
from analytics.series import MAX_SIDE_BY_SIDE, MomentFigures, Series, segments_choose, series_from_snapshot
from tests.factories import MomentFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

SVG = "{http://www.w3.org/2000/svg}"
PERIOD = (dt.date(2026, 10, 5), dt.date(2026, 11, 29))
KINDS = ["ZMOT", "FMOT", "SMOT", "TMOT"]


def _series(count: int, *, name=lambda index: f"Moment {index + 1}", critical=(), no_ratings=(), label="All"):
    moments = []
    for index in range(count):
        n = 0 if index in no_ratings else 100
        dissatisfied = (index * 7) % 60 if n else 0
        moments.append(MomentFigures(moment_id=1000 + index, position=index, name=name(index),
                                     kind=KINDS[min(3, index * 4 // max(count, 1))], n=n, dissatisfied=dissatisfied,
                                     share=dissatisfied / n if n else None, mean=70.0 if n else None,
                                     critical=index in critical))
    return Series(key="all", label=label, segment_id=None, moments=moments)


def _draw(series, language="en", **kwargs) -> ET.Element:
    svg = wheel.wheel_svg(title="Airline passenger journey", series=series, period=PERIOD, language=language,
                          moment_url=kwargs.pop("moment_url", lambda pk: f"/cycles/1/#moment-{pk}"), **kwargs)
    return ET.fromstring(svg)


def _moments(root: ET.Element) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("class") == "wheel-moment"]


@pytest.mark.parametrize("count", [1, 10, 40])
def test_every_moment_is_one_linked_segment_with_its_full_text(count):
    root = _draw(_series(count))
    moments = _moments(root)
    assert len(moments) == count
    for index, element in enumerate(moments):
        assert element.tag == f"{SVG}a"
        assert element.get("href") == f"/cycles/1/#moment-{1000 + index}"
        label = element.get("aria-label")
        assert label.startswith(f"{index + 1}. Moment {index + 1} · ")
        assert element.find(f"{SVG}title").text == label
    # Several links inside: a group, named by its title, described by every moment in words.
    assert root.get("role") == "group"
    assert root.find(f"{SVG}title").text == "Service-cycle wheel: Airline passenger journey · All"
    assert root.find(f"{SVG}desc").text.count("dissatisfied") == count


def test_without_links_the_wheel_is_one_image_described_in_words():
    root = _draw(_series(3), moment_url=None)
    assert root.get("role") == "img"
    assert not [element for element in root.iter() if element.tag == f"{SVG}a"]
    assert "1. Moment 1 · ZMOT · 0% dissatisfied (0 of 100 ratings)" in root.find(f"{SVG}desc").text


def _start_point(path: str) -> tuple[float, float]:
    x, y = re.match(r"M([-\d.]+),([-\d.]+)", path).groups()
    return float(x), float(y)


def test_moments_run_clockwise_from_twelve_o_clock():
    moments = _moments(_draw(_series(4)))
    starts = [_start_point(element.find(f"{SVG}path").get("d")) for element in moments]
    angles = [math.degrees(math.atan2(x - wheel.CENTER_X, wheel.CENTER_Y - y)) % 360 for x, y in starts]
    assert [round(angle) for angle in angles] == [0, 90, 180, 270]


def test_a_single_moment_is_the_whole_ring():
    path = _moments(_draw(_series(1)))[0].find(f"{SVG}path").get("d")
    # Two half rings (outer and inner), each closed: an arc alone cannot close a circle.
    assert path.count("A") == 4 and path.count("Z") == 2


def test_segments_are_coloured_by_dissatisfied_share_and_grey_without_ratings():
    series = _series(5, no_ratings={2})
    for figures, element in zip(series.moments, _moments(_draw(series)), strict=True):
        fill = element.find(f"{SVG}path").get("fill")
        assert fill == (share_color(figures.share) if figures.n else wheel.NO_DATA_COLOR)
    assert "no ratings in this period" in _moments(_draw(series))[2].get("aria-label")


def test_the_outer_ring_shows_the_kind_with_a_legend():
    series = _series(8)
    root = _draw(series)
    for figures, element in zip(series.moments, _moments(root), strict=True):
        assert element.findall(f"{SVG}path")[1].get("fill") == wheel.KIND_COLORS[figures.kind]
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Outer ring: kind of moment" in texts
    assert {"ZMOT: researching", "FMOT: first contact", "SMOT: using it", "TMOT: response and feedback"} <= set(texts)


def test_critical_moments_are_outlined_and_marked_and_alerting_ones_get_a_triangle():
    series = _series(6, critical={1})
    root = _draw(series, alerting_ids={1000 + 4})
    moments = _moments(root)
    critical = moments[1]
    assert any(path.get("stroke") == wheel.CRITICAL_COLOR for path in critical.findall(f"{SVG}path"))
    assert critical.find(f"{SVG}circle").get("fill") == wheel.CRITICAL_COLOR
    assert critical.get("aria-label").endswith("· critical moment")
    assert not moments[0].findall(f"{SVG}circle")
    alerting = moments[4]
    assert any(path.get("fill") == wheel.ALERT_COLOR for path in alerting.findall(f"{SVG}path"))
    assert alerting.get("aria-label").endswith("· alerting")
    assert "alerting moment: an alert is open" in [text.text for text in root.iter(f"{SVG}text")]


def test_the_alerting_legend_appears_only_when_a_moment_alerts():
    texts = [text.text for text in _draw(_series(3), alerting_ids={999}).iter(f"{SVG}text")]
    assert "alerting moment: an alert is open" not in texts


LONG = "Support between purchase and flight, where the customer changes, asks and waits for the airline to answer"


def _label_lines(element) -> list[str]:
    # The number inside the segment is the first text; the name's lines follow.
    return [text.text for text in element.findall(f"{SVG}text")][1:]


@pytest.mark.parametrize("count", [10, 16])
def test_long_names_are_wrapped_at_spaces_on_two_lines_and_whole_in_the_title(count):
    """(Three lines for up to four moments, which leave more room.)"""
    name = (LONG * 2)[:120]
    root = _draw(_series(count, name=lambda index: name))
    for element in _moments(root):
        lines = _label_lines(element)
        assert 1 <= len(lines) <= 2
        assert lines[-1].endswith("…")
        words = set(name.replace(",", "").split())
        for line in lines:
            # Whole words only, the last perhaps shortened with an ellipsis.
            assert all(word.rstrip(",…") in words or word.endswith("…") for word in line.split())
        assert name in element.find(f"{SVG}title").text


def _estimated_extent(text: ET.Element) -> tuple[float, float]:
    width = len(text.text) * float(text.get("font-size")) * (
        wheel.BOLD_CHAR_WIDTH if text.get("font-weight") == "700" else wheel.CHAR_WIDTH)
    x = float(text.get("x"))
    anchor = text.get("text-anchor")
    return {"start": (x, x + width), "end": (x - width, x), "middle": (x - width / 2, x + width / 2)}[anchor]


@pytest.mark.parametrize("count", [1, 10, 16, 40])
def test_no_name_runs_off_the_picture(count):
    """By the drawing's own estimate of text widths; the browser test measures the real ones."""
    root = _draw(_series(count, name=lambda index: (LONG * 2)[:120], critical={0, 3}))
    width = float(root.get("viewBox").split()[2])
    for text in root.iter(f"{SVG}text"):
        left, right = _estimated_extent(text)
        assert left >= 0 and right <= width, text.text


def test_forty_moments_carry_numbers_and_are_listed_below():
    root = _draw(_series(40, name=lambda index: f"Moment number {index + 1} " + "x" * 100))
    moments = _moments(root)
    assert [_label_lines(element) for element in moments] == [[]] * 40  # no names around the wheel
    listed = [element for element in root.iter() if element.get("class") == "wheel-name"]
    assert len(listed) == 40
    assert listed[39].find(f"{SVG}text").text.startswith("40. Moment number 40 x")
    assert listed[39].get("href") == "/cycles/1/#moment-1039"


def test_spanish_words_and_numbers():
    root = _draw(_series(3, critical={2}), language="es")
    label = _moments(root)[1].get("aria-label")
    assert label == "2. Moment 2 · FMOT · 7\u00a0% insatisfechos (7 de 100 valoraciones)"
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "300 valoraciones" in texts and "Anillo exterior: tipo de momento" in texts
    assert "05/10/2026 – 29/11/2026" in texts


def test_names_are_escaped():
    series = _series(2, name=lambda index: '<script>alert("x")</script> & co')
    svg = wheel.wheel_svg(title="<b>cycle</b>", series=series, period=PERIOD, language="en")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    ET.fromstring(svg)  # still well-formed


def test_a_cycle_without_moments_says_so():
    root = _draw(Series(key="all", label="All customers", segment_id=None, moments=[]))
    assert "This cycle has no moments of truth yet." in [text.text for text in root.iter(f"{SVG}text")]


def test_the_legend_can_be_left_to_the_page():
    texts = [text.text for text in _draw(_series(3), with_legend=False).iter(f"{SVG}text")]
    assert "Outer ring: kind of moment" not in texts


# --- Figures from snapshots ---------------------------------------------------------------


def _cell(n: int, d: int, *, critical: bool = False) -> dict:
    return {"n": n, "d": d, "share": d / n if n else None, "mean": 50.0 if n else None, "critical": critical}


SNAPSHOT = {
    "dimension": "segments",
    "columns": [{"key": "s7"}, {"key": "none"}],
    "critical_moments": [{"moment_id": 2}],
    "rows": [
        {"id": 1, "position": 0, "name": "Search", "moment_kind": "ZMOT", "total": _cell(50, 5),
         "cells": [_cell(20, 2), _cell(30, 3)], "touchpoints": [{"cells": [_cell(20, 2), _cell(30, 3)]}]},
        {"id": 2, "position": 1, "name": "Check-in", "moment_kind": "SMOT", "total": _cell(90, 40, critical=True),
         "cells": [_cell(40, 10), _cell(50, 30, critical=True)],
         "touchpoints": [{"cells": [_cell(10, 8, critical=True), _cell(50, 30, critical=True)]}]},
    ],
}


def test_all_customers_come_from_the_rows_totals_and_the_critical_list():
    series = series_from_snapshot(SNAPSHOT)
    assert [(m.moment_id, m.n, m.dissatisfied, m.critical) for m in series.moments] == [(1, 50, 5, False),
                                                                                      (2, 90, 40, True)]
    assert series.n == 140 and series.label == "All customers"


def test_a_segment_is_its_column_critical_when_a_touchpoint_is_critical_there():
    series = series_from_snapshot(SNAPSHOT, key="s7", label="Business", segment_id=7)
    assert [(m.n, m.dissatisfied, m.critical) for m in series.moments] == [(20, 2, False), (40, 10, True)]


def test_a_segment_the_snapshot_does_not_know_has_no_ratings():
    series = series_from_snapshot(SNAPSHOT, key="s99", label="New", segment_id=99)
    assert [(m.n, m.share, m.critical) for m in series.moments] == [(0, None, False), (0, None, False)]


@pytest.mark.django_db
def test_segments_are_chosen_by_id_or_key_in_order_and_capped_at_five(organization, other_organization):
    segments = [SegmentFactory(organization=organization, key=f"s-{index}") for index in range(7)]
    foreign = SegmentFactory(organization=other_organization)
    chosen, errors = segments_choose(organization_id=organization.pk,
                                     values=[str(segments[2].pk), "s-0", str(segments[2].pk), str(foreign.pk)])
    assert chosen == [segments[2], segments[0]]
    assert errors == [f"Not a segment of this organization: {foreign.pk}."]
    chosen, errors = segments_choose(organization_id=organization.pk, values=[str(s.pk) for s in segments])
    assert chosen == segments[:MAX_SIDE_BY_SIDE]
    assert errors == ["Up to 5 segments can be shown side by side; showing the first 5."]
    assert segments_choose(organization_id=organization.pk, values=["", " "]) == ([], [])


@pytest.mark.django_db
def test_the_cycle_wheel_reads_all_customers_or_one_segment_from_rollups(organization):
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", min_sample=20)
    business = SegmentFactory(organization=organization, name="Business")
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Baggage claim", kind="SMOT"))
    day = local_today("UTC") - dt.timedelta(days=1)
    DailyRollup.objects.create(touchpoint=touchpoint, day=day, segment_key=business.pk, n=40, dissatisfied=30,
                               sum_normalized=40 * 20.0)
    DailyRollup.objects.create(touchpoint=touchpoint, day=day, segment_key=0, n=60, dissatisfied=2,
                               sum_normalized=60 * 80.0)
    period = last_weeks(weeks=4, today=local_today("UTC"))
    everyone = ET.fromstring(wheel.cycle_wheel_svg(cycle=cycle, period=period, language="en"))
    assert _moments(everyone)[0].find(f"{SVG}title").text == (
        "1. Baggage claim · SMOT · 32% dissatisfied (32 of 100 ratings)")
    only = ET.fromstring(wheel.cycle_wheel_svg(cycle=cycle, period=period, language="en", segment=business))
    label = _moments(only)[0].find(f"{SVG}title").text
    assert label == "1. Baggage claim · SMOT · 75% dissatisfied (30 of 40 ratings) · critical moment"
    assert only.find(f"{SVG}title").text == f"Service-cycle wheel: {cycle.name} · Business"


@pytest.mark.parametrize("module", ["analytics.wheel", "analytics.lane_curve"])
def test_the_examples_in_the_docstrings_hold(module):
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
