"""Plotly figures built from snapshot data (plain dicts), returned as JSON-ready dicts.

The page embeds them with `json_script` and `static/js/dashboard.js` hands them
to `Plotly.react`; no figure logic lives in JavaScript. Figures are written as
the plain Plotly JSON (`{"data": [...], "layout": {...}}`) rather than through
`plotly.graph_objects`, whose per-attribute validation cost ~100 ms a page;
tests validate every figure against Plotly's schema with `go.Figure(...)`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

# Satisfied green → amber → dissatisfied red, over the dissatisfied share 0–60 %+.
SHARE_COLORSCALE = [[0.0, "#1a9850"], [0.2, "#a6d96a"], [0.4, "#fee08b"], [0.6, "#fdae61"], [1.0, "#d73027"]]
SHARE_MAX = 0.6
KIND_COLORS = {"ZMOT": "rgba(99,110,250,0.10)", "FMOT": "rgba(0,204,150,0.10)",
               "SMOT": "rgba(255,161,90,0.10)", "TMOT": "rgba(171,99,250,0.10)"}


def _heatmap_rows(data: dict, level: str) -> list[tuple[str, list[dict]]]:
    rows: list[tuple[str, list[dict]]] = []
    for moment in data["rows"]:
        label = f"{moment['position'] + 1}. {moment['name']}"
        if level == "touchpoints":
            for touchpoint in moment["touchpoints"]:
                rows.append((f"{label} › {touchpoint['name']}", touchpoint["cells"]))
        else:
            rows.append((label, moment["cells"]))
    return rows


def heatmap_figure(data: dict, *, level: str = "moments") -> dict[str, Any]:
    """Cells coloured by dissatisfied share; critical cells ringed, worsening marked ▲.

    Hover shows n, the share with its Wilson 95 % interval and the mean score.
    Empty cells (no ratings) stay blank rather than pretending to be 0 %.
    """
    rows = _heatmap_rows(data, level)
    x = [column["label"] for column in data["columns"]]
    y = [label for label, _cells in rows]
    z, custom, marks_x, marks_y, marks_text = [], [], [], [], []
    for label, cells in rows:
        z.append([cell["share"] for cell in cells])
        custom.append([[cell["n"], cell["mean"], cell["low"], cell["high"],
                        _("critical") if cell["critical"] else ("" if cell["enough"] else _("too few to judge"))]
                       for cell in cells])
        for column, cell in zip(x, cells):
            if cell["critical"] or cell["worsening"]:
                marks_x.append(column)
                marks_y.append(label)
                marks_text.append(("●" if cell["critical"] else "") + ("▲" if cell["worsening"] else ""))
    hover = (
        "<b>%{y}</b><br>%{x}<br>" + _("n") + " = %{customdata[0]}<br>"
        + _("dissatisfied") + " %{z:.1%} (95 %: %{customdata[2]:.1%}–%{customdata[3]:.1%})<br>"
        + _("mean score") + " %{customdata[1]:.1f}/100<br>%{customdata[4]}<extra></extra>"
    )
    traces: list[dict[str, Any]] = [{
        "type": "heatmap", "z": z, "x": x, "y": y, "customdata": custom, "zmin": 0, "zmax": SHARE_MAX,
        "colorscale": SHARE_COLORSCALE, "hovertemplate": hover, "hoverongaps": False, "xgap": 2, "ygap": 2,
        "colorbar": {"title": {"text": _("dissatisfied")}, "tickformat": ".0%"},
    }]
    if marks_x:
        traces.append({
            "type": "scatter", "x": marks_x, "y": marks_y, "text": marks_text, "mode": "text",
            "textfont": {"size": 14, "color": "#111"}, "hoverinfo": "skip", "showlegend": False,
        })
    layout = {
        "height": max(260, 36 * len(y) + 120), "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
        "xaxis": {"side": "top", "type": "category"},
        "plot_bgcolor": "#f4f4f4",
    }
    return {"data": traces, "layout": layout}


def emotion_curve_figure(data: dict) -> dict[str, Any]:
    """Mean normalised score per moment in cycle order, over bands of moment kind."""
    moments = data["rows"]
    x = list(range(len(moments)))
    means = [moment["total"]["mean"] for moment in moments]
    labels = [f"{moment['position'] + 1}. {moment['name']}" for moment in moments]
    trace = {
        "type": "scatter", "x": x, "y": means, "mode": "lines+markers",
        "line": {"shape": "spline", "width": 3, "color": "#3b4cc0"},
        "marker": {"size": [14 if moment["total"]["critical"] else 8 for moment in moments],
                   "color": ["#d73027" if moment["total"]["critical"] else "#3b4cc0" for moment in moments]},
        "customdata": [[moment["total"]["n"], moment["moment_kind"]] for moment in moments], "text": labels,
        "hovertemplate": "<b>%{text}</b> (%{customdata[1]})<br>" + _("mean score") + " %{y:.1f}/100<br>"
        + _("n") + " = %{customdata[0]}<extra></extra>",
        "connectgaps": True, "name": _("mean score"),
    }
    shapes, annotations = [], []
    for index, moment in enumerate(moments):
        kind = moment["moment_kind"]
        starts_band = index == 0 or moments[index - 1]["moment_kind"] != kind
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": index - 0.5, "x1": index + 0.5,
                       "y0": 0, "y1": 1, "fillcolor": KIND_COLORS.get(kind, "rgba(0,0,0,0.05)"),
                       "line": {"width": 0}, "layer": "below"})
        if starts_band:
            annotations.append({"x": index - 0.45, "y": 1.0, "xref": "x", "yref": "paper", "text": kind,
                                "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                                "font": {"size": 11, "color": "#555"}})
    layout = {
        "height": 380, "margin": {"l": 50, "r": 10, "t": 30, "b": 120}, "shapes": shapes,
        "annotations": annotations,
        "yaxis": {"range": [0, 100], "title": {"text": _("mean score (0–100)")}},
        "xaxis": {"tickvals": x, "ticktext": labels, "tickangle": -30, "range": [-0.5, len(moments) - 0.5]},
        "showlegend": False, "plot_bgcolor": "#ffffff",
    }
    return {"data": [trace], "layout": layout}


def dashboard_figures(data: dict) -> dict[str, Any]:
    """Everything the page draws, keyed for dashboard.js."""
    return {
        "heatmap": {"moments": heatmap_figure(data, level="moments"),
                    "touchpoints": heatmap_figure(data, level="touchpoints")},
        "emotion": emotion_curve_figure(data),
    }
