"""Plotly figures of key drivers (issue 18): the priority matrix and the customer's path.

Built from a key-driver snapshot's data (plain dicts), like `analytics.charts`: the
page hands them to Plotly as they are, hover texts made here in the active
language, names escaped for Plotly's pseudo-HTML.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .charts import CRITICAL_COLOR, CURVE_COLOR, TOOLBAR_ROOM, escape
from .formatting import numbers

# An effect of 10 points on the outcome's dissatisfied share splits "moves loyalty"
# from "barely"; the cycle's critical share splits "goes wrong often" from "seldom".
EFFECT_SPLIT = 0.10
QUADRANT_COLOR = "#666"


def quadrant(effect: float, share: float, *, share_split: float) -> str:
    """The priority matrix's quadrant of a moment, as a code.

    >>> quadrant(0.3, 0.4, share_split=0.25), quadrant(0.3, 0.1, share_split=0.25)
    ('fix_first', 'keep')
    >>> quadrant(0.02, 0.4, share_split=0.25), quadrant(0.02, 0.1, share_split=0.25)
    ('watch', 'low_priority')
    """
    if effect >= EFFECT_SPLIT:
        return "fix_first" if share >= share_split else "keep"
    return "watch" if share >= share_split else "low_priority"


def quadrant_labels() -> dict[str, str]:
    return {"fix_first": _("Fix first"), "keep": _("Keep"), "watch": _("Watch"), "low_priority": _("Low priority")}


def priority_matrix_figure(data: dict[str, Any], *, share_split: float) -> dict[str, Any]:
    """Effect on the outcome (y, with its Newcombe interval) against the share of
    customers dissatisfied at the moment (x), one point per moment with enough
    linked customers; critical moments in red and larger; the four quadrants
    labelled. `narrow_layout` (a phone) names the points by their numbers."""
    fmt = numbers()
    shown = [driver for driver in data["drivers"] if driver["effect"] is not None]
    labels = quadrant_labels()
    texts = {"effect": _("effect on %(outcome)s") % {"outcome": escape(data["outcome"]["name"])},
             "share": _("dissatisfied here"), "critical": _("critical moment"),
             "customers": _("%(dissatisfied)s dissatisfied and %(satisfied)s satisfied customers here")}
    hover = []
    for driver in shown:
        lines = [f"<b>{driver['position'] + 1}. {escape(driver['name'])}</b>",
                 (f"{texts['effect']}: {fmt.signed_points(driver['effect'])} "
                  f"({fmt.signed_points(driver['low'])} … {fmt.signed_points(driver['high'])})"),
                 f"{texts['share']}: {fmt.percent(driver['dissatisfied_share'])}",
                 texts["customers"] % {"dissatisfied": fmt.count(driver["customers_dissatisfied"]),
                                       "satisfied": fmt.count(driver["customers_satisfied"])},
                 labels[quadrant(driver["effect"], driver["dissatisfied_share"], share_split=share_split)]]
        if driver["critical"]:
            lines.append(texts["critical"])
        hover.append("<br>".join(lines))
    xs = [driver["dissatisfied_share"] for driver in shown]
    ys = [driver["effect"] for driver in shown]
    x_high = max([0.6, share_split + 0.1, *[x + 0.08 for x in xs]])
    y_low = min([-0.15, *[driver["low"] - 0.05 for driver in shown]])
    y_high = max([0.5, EFFECT_SPLIT + 0.1, *[driver["high"] + 0.05 for driver in shown]])
    trace = {
        "type": "scatter", "mode": "markers", "x": xs, "y": ys,
        "error_y": {"type": "data", "symmetric": False, "array": [d["high"] - d["effect"] for d in shown],
                    "arrayminus": [d["effect"] - d["low"] for d in shown], "color": "#9aa3b5", "thickness": 1.5},
        "marker": {"size": [16 if driver["critical"] else 11 for driver in shown],
                   "color": [CRITICAL_COLOR if driver["critical"] else CURVE_COLOR for driver in shown],
                   "line": {"width": 1, "color": "#fff"}},
        "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>", "cliponaxis": False,
    }
    line = {"color": QUADRANT_COLOR, "width": 1, "dash": "dot"}
    shapes = [
        {"type": "line", "xref": "x", "yref": "paper", "x0": share_split, "x1": share_split, "y0": 0, "y1": 1,
         "line": line},
        {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": EFFECT_SPLIT, "y1": EFFECT_SPLIT,
         "line": line},
        {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": 0, "y1": 0,
         "line": {"color": "#bbb", "width": 1}},
    ]

    def corner(code: str, x: float, y: float, xanchor: str, yanchor: str, size: int) -> dict[str, Any]:
        return {"x": x, "y": y, "xref": "paper", "yref": "paper", "text": f"<b>{labels[code]}</b>",
                "showarrow": False, "xanchor": xanchor, "yanchor": yanchor,
                "font": {"size": size, "color": CRITICAL_COLOR if code == "fix_first" else QUADRANT_COLOR}}

    def corners(size: int) -> list[dict[str, Any]]:
        return [corner("fix_first", 1, 1, "right", "top", size), corner("keep", 0, 1, "left", "top", size),
                corner("watch", 1, 0, "right", "bottom", size), corner("low_priority", 0, 0, "left", "bottom", size)]

    def point_labels(names: bool) -> list[dict[str, Any]]:
        # Names for the moments that move the outcome (few, apart); numbers, as in the
        # table, for the crowd near zero (and on a phone) whose names would overlap.
        return [{"x": driver["dissatisfied_share"], "y": driver["effect"], "xref": "x", "yref": "y",
                 "text": escape(driver["name"]) if names and driver["effect"] >= EFFECT_SPLIT
                 else str(driver["position"] + 1),
                 "showarrow": False, "yshift": 14, "font": {"size": 11, "color": "#333"}} for driver in shown]

    ticks = [tick / 10 for tick in range(int(x_high * 10) + 1)]
    axis_x = {"range": [0, x_high], "title": {"text": _("customers dissatisfied at the moment")},
              "tickvals": ticks, "ticktext": [fmt.percent(tick) for tick in ticks], "fixedrange": True,
              "zeroline": False}
    effect_ticks = [tick / 10 for tick in range(int(y_low * 10) - 1, int(y_high * 10) + 2)
                    if y_low <= tick / 10 <= y_high]
    axis_y = {"range": [y_low, y_high], "title": {"text": _("effect on the outcome (points)")},
              "tickvals": effect_ticks, "ticktext": [fmt.signed_points(tick) for tick in effect_ticks],
              "fixedrange": True, "zeroline": False}
    layout = {
        "height": 420, "margin": {"l": 64, "r": 16, "t": TOOLBAR_ROOM + 10, "b": 56}, "shapes": shapes,
        "annotations": corners(12) + point_labels(True), "xaxis": axis_x, "yaxis": axis_y, "showlegend": False,
        "plot_bgcolor": "#ffffff", "dragmode": False,
    }
    narrow_layout = {
        "height": 360, "margin": {"l": 56, "r": 8, "t": TOOLBAR_ROOM + 6, "b": 50},
        "annotations": corners(10) + point_labels(False),
        # No room for the effect axis' title beside its "+60 pts" ticks: the hint above says it.
        "yaxis": {**axis_y, "title": {"text": ""}},
    }
    return {"data": [trace], "layout": layout, "narrow_layout": narrow_layout, "narrow_below": 560}


def path_figure(paths: dict[str, Any]) -> dict[str, Any]:
    """Customers by how many bad moments they met (bars, left axis) and the outcome's
    dissatisfied share for each number with enough customers (points with Wilson
    intervals, right axis)."""
    fmt = numbers()
    rows = paths["bad_moments"]
    labels = [f"{row['bad_moments']}+" if row["or_more"] else str(row["bad_moments"]) for row in rows]
    customers_word, outcome_word = _("customers"), _("dissatisfied at the outcome")
    bars = {
        "type": "bar", "x": labels, "y": [row["share"] or 0 for row in rows], "name": customers_word,
        "marker": {"color": "#c9d3ea"},
        "customdata": [f"{fmt.count(row['customers'])} {customers_word} ({fmt.percent(row['share'])})"
                       for row in rows],
        "hovertemplate": "%{customdata}<extra></extra>",
    }
    # Only counts with enough customers answering the outcome: a share of three proves nothing.
    shown = [row for row in rows if row["outcome_share"] is not None and row["enough"]]
    points = {
        "type": "scatter", "mode": "lines+markers", "x": [labels[rows.index(row)] for row in shown],
        "y": [row["outcome_share"] for row in shown], "yaxis": "y2", "name": outcome_word,
        "line": {"color": CRITICAL_COLOR, "width": 2}, "marker": {"size": 9, "color": CRITICAL_COLOR},
        "error_y": {"type": "data", "symmetric": False, "array": [row["high"] - row["outcome_share"] for row in shown],
                    "arrayminus": [row["outcome_share"] - row["low"] for row in shown], "color": "#e8a09a"},
        "customdata": [f"{fmt.percent(row['outcome_share'])} {outcome_word} "
                       f"({fmt.count(row['outcome_dissatisfied'])} / {fmt.count(row['with_outcome'])})"
                       for row in shown],
        "hovertemplate": "%{customdata}<extra></extra>",
    }
    ticks = [0, 0.25, 0.5, 0.75, 1.0]
    percent_ticks = [fmt.percent(tick) for tick in ticks]
    layout = {
        "height": 320, "margin": {"l": 56, "r": 56, "t": TOOLBAR_ROOM + 6, "b": 50}, "bargap": 0.35,
        "xaxis": {"title": {"text": _("bad moments a customer met")}, "type": "category", "fixedrange": True},
        "yaxis": {"title": {"text": _("share of customers")}, "range": [0, 1], "tickvals": ticks,
                  "ticktext": percent_ticks, "fixedrange": True},
        "yaxis2": {"title": {"text": outcome_word}, "range": [0, 1], "overlaying": "y", "side": "right",
                   "tickvals": ticks, "ticktext": percent_ticks, "fixedrange": True, "showgrid": False},
        "legend": {"orientation": "h", "y": -0.3}, "plot_bgcolor": "#ffffff", "dragmode": False,
    }
    return {"data": [bars, points], "layout": layout}
