"""The emotion curve along the map's lane (issue 19, item 2), drawn as one slice per moment.

The slices must make one unbroken polyline through the points: each slice's halves
meet its neighbours' at their common boundary.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import pairwise

from analytics.charts import CRITICAL_COLOR, CURVE_COLOR
from analytics.lane_curve import BOTTOM, TOP, CurveLine, CurvePoint, lane_curve, line_colors

SVG = "{http://www.w3.org/2000/svg}"


def _line(means, *, critical=(), label="All customers", color=CURVE_COLOR) -> CurveLine:
    return CurveLine(label, color, [CurvePoint(f"Moment {index + 1}", index, mean, 10 if mean is not None else 0,
                                               index in critical) for index, mean in enumerate(means)])


def _paths(column: str) -> list[ET.Element]:
    return list(ET.fromstring(column).iter(f"{SVG}path"))


def _line_path(column: str, color: str) -> str | None:
    return next((path.get("d") for path in _paths(column)
                 if path.get("stroke") == color and path.get("fill") == "none"), None)


def _ends(d: str) -> tuple[tuple[float, float], tuple[float, float]]:
    points = [(float(x), float(y)) for x, y in re.findall(r"[ML]([\d.]+),([\d.]+)", d)]
    return points[0], points[-1]


def test_slices_join_into_one_line_through_every_point():
    drawing = lane_curve([_line([50.0, 80.0, 60.0, 70.0])])
    assert len(drawing.columns) == 4
    paths = [_line_path(column, CURVE_COLOR) for column in drawing.columns]
    for left, right in pairwise(paths):
        (_start, end), (start, _end) = _ends(left), _ends(right)
        assert end[0] == 100 and start[0] == 0 and end[1] == start[1]
    # The first slice starts at its point, the last ends at its point.
    assert _ends(paths[0])[0][0] == 50 and _ends(paths[-1])[1][0] == 50
    # Higher satisfaction is drawn higher: 80 above 50.
    assert "L50," in paths[1] and float(re.search(r"L50,([\d.]+)", paths[1]).group(1)) < float(
        re.search(r"M50,([\d.]+)", paths[0]).group(1))


def test_the_scale_fits_the_means_and_is_labelled():
    drawing = lane_curve([_line([72.0, 81.0])])
    assert drawing.levels == (60, 75, 90)
    first = ET.fromstring(drawing.columns[0])
    levels = [float(line.get("y1")) for line in first.iter(f"{SVG}line")]
    assert levels == [BOTTOM, (BOTTOM + TOP) / 2, TOP]


def test_a_moment_without_ratings_has_no_dot_but_the_line_runs_on():
    drawing = lane_curve([_line([50.0, None, 70.0])])
    middle = drawing.columns[1]
    dots = [path for path in _paths(middle) if path.get("d").endswith("h0")]
    assert dots == []
    assert _line_path(middle, CURVE_COLOR) is not None
    assert "no ratings" in ET.fromstring(middle).find(f"{SVG}title").text


def test_critical_moments_get_a_red_ring_and_every_dot_a_title():
    drawing = lane_curve([_line([40.0, 20.0], critical={1})])
    assert not [path for path in _paths(drawing.columns[0]) if path.get("stroke") == CRITICAL_COLOR]
    assert [path for path in _paths(drawing.columns[1]) if path.get("stroke") == CRITICAL_COLOR]
    title = ET.fromstring(drawing.columns[1]).find(f"{SVG}title").text
    assert title == "All customers · 2. Moment 2: mean 20.0/100, n = 10 · critical moment"


def test_personas_are_dashed_lines_in_their_own_colours():
    colors = line_colors(3)
    drawing = lane_curve([_line([50.0, 60.0]), _line([40.0, 45.0], label="Business", color=colors[1]),
                          _line([70.0, 65.0], label="Family", color=colors[2])])
    column = drawing.columns[0]
    assert _line_path(column, colors[1]) and _line_path(column, colors[2])
    dashes = [path.get("stroke-dasharray") for path in _paths(column) if path.get("fill") == "none"]
    assert dashes[0] is None and len(set(dashes[1:])) == 2
    assert "Business · 1. Moment 1: mean 40.0/100" in drawing.summary


def test_nothing_is_drawn_without_a_single_mean():
    assert lane_curve([_line([None, None])]) is None
    assert lane_curve([]) is None
