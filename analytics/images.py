"""The dashboard's figures as files (PNG, SVG) for slides, e-mail and the PDF report.

Drawn on the server by matplotlib from the same snapshot data the page's Plotly
figures come from (analytics.charts), with the same colours and marks, so a
downloaded heatmap looks like the one on screen. matplotlib installs from pure
pip wheels and needs neither a browser nor a system library (Plotly's own image
export, kaleido, needs a Chrome on the machine), and it ships the DejaVu fonts,
which hold every letter Spanish needs and the signs these charts use (→ ≥ ● ▲).

Imported only when an image is asked for: matplotlib takes about a second to
import, which no page should pay.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure

from . import stats
from .charts import CRITICAL_COLOR, CURVE_COLOR, KIND_COLORS, SHARE_MAX, SHARE_STOPS
from .formatting import numbers

FORMATS = ("png", "svg")
PNG_DPI = 130
FONT_FAMILY = "DejaVu Sans"
# Text in an SVG stays text (searchable, read by screen readers, small); the same
# salt every time, so the same chart gives the same file.
matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "momento", "font.family": FONT_FAMILY})

# Row names longer than this are cut with "…" in images (the report's tables give them whole).
LABEL_CHARS = 44
# Bounds of a figure, inches: a cycle of 1 moment still reads, one of 40 stays a page.
MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT, MAX_HEIGHT = 6.4, 22.0, 2.6, 26.0

# No ratings: a blank cell, never "0 %".
SHARE_COLORMAP = LinearSegmentedColormap.from_list(
    "momento_share", [(stop, color) for stop, color in SHARE_STOPS]).with_extremes(bad="#f4f4f4")


def font_path(*, bold: bool = False, italic: bool = False) -> Path:
    """DejaVu Sans as matplotlib ships it (the PDF report embeds the same font)."""
    name = "DejaVuSans" + ("-Bold" if bold else "-Oblique" if italic else "") + ".ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def _rgba(color: str) -> tuple[float, float, float, float]:
    """Plotly's "rgba(r,g,b,a)" or a hex colour, as matplotlib takes it."""
    if color.startswith("rgba("):
        red, green, blue, alpha = (float(part) for part in color[5:-1].split(","))
        return red / 255, green / 255, blue / 255, alpha
    return to_rgba(color)


def short(text: str, limit: int = LABEL_CHARS) -> str:
    """A label of at most `limit` characters, cut at a word where it can be.

    >>> short("Baggage claim")
    'Baggage claim'
    >>> short("a " * 40, 12)
    'a a a a a a…'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def _render(figure: Figure, image_format: str) -> bytes:
    if image_format not in FORMATS:
        raise ValueError(f"unknown image format {image_format!r}")
    buffer = io.BytesIO()
    # No date or software in the file: the same chart gives the same bytes.
    metadata = {"Date": None} if image_format == "svg" else {"Software": None}
    figure.savefig(buffer, format=image_format, dpi=PNG_DPI, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def _heatmap_rows(data: dict, level: str) -> list[tuple[str, list[dict]]]:
    rows: list[tuple[str, list[dict]]] = []
    for moment in data["rows"]:
        label = short(f"{moment['position'] + 1}. {moment['name']}")
        if level == "touchpoints":
            rows.extend((f"{label} › {short(touchpoint['name'], 28)}", touchpoint["cells"])
                        for touchpoint in moment["touchpoints"])
        else:
            rows.append((label, moment["cells"]))
    return rows


def heatmap_image(data: dict, *, column_labels: list[str], title: str, level: str = "moments",
                  image_format: str = "png") -> bytes:
    """The heatmap: rows in cycle order, a cell per column coloured by its
    dissatisfied share (green → red over 0–60 %), its share written in it with
    ● when critical and ▲ when it rose significantly; blank without ratings."""
    fmt = numbers()
    rows = _heatmap_rows(data, level)
    columns = [short(label, 18) for label in column_labels]
    shares = [[float("nan") if cell["share"] is None else cell["share"] for cell in cells] for _label, cells in rows]
    width = min(MAX_WIDTH, max(MIN_WIDTH, 2.8 + 0.75 * len(columns)))
    height = min(MAX_HEIGHT, max(MIN_HEIGHT, 1.5 + 0.34 * len(rows)))
    # "constrained": the title, the column names on top and the colour bar never overlap.
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(shares or [[float("nan")]], cmap=SHARE_COLORMAP, vmin=0, vmax=SHARE_MAX, aspect="auto",
                        interpolation="nearest")
    text_size = 8 if len(columns) <= 16 else 6.5
    for row_index, (_label, cells) in enumerate(rows):
        for column_index, cell in enumerate(cells):
            if cell["share"] is None:
                continue
            marks = ("●" if cell["critical"] else "") + ("▲" if cell["trend"] == stats.TREND_WORSENING else "")
            axes.text(column_index, row_index, f"{fmt.percent(cell['share'])}{' ' + marks if marks else ''}",
                      ha="center", va="center", fontsize=text_size, color="#111111")
    axes.set_xticks(range(len(columns)), columns, fontsize=8, rotation=45 if len(columns) > 8 else 0,
                    ha="left" if len(columns) > 8 else "center", rotation_mode="anchor")
    axes.xaxis.tick_top()
    axes.set_yticks(range(len(rows)), [label for label, _cells in rows], fontsize=8)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    # White gaps between cells, as on the page.
    axes.set_xticks([index - 0.5 for index in range(1, len(columns))], minor=True)
    axes.set_yticks([index - 0.5 for index in range(1, len(rows))], minor=True)
    axes.grid(which="minor", color="white", linewidth=2)
    axes.tick_params(which="minor", length=0)
    ticks = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    colorbar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.01, ticks=ticks)
    colorbar.ax.set_yticklabels([fmt.percent(tick) for tick in ticks], fontsize=7)
    colorbar.set_label(_("Dissatisfied"), fontsize=8)
    figure.suptitle(title, x=0.01, ha="left", fontsize=10)
    # A figure-level label: the constrained layout keeps room for it below the axes.
    figure.supxlabel(_("● critical · ▲ rose significantly · blank: no ratings"), x=0.01, ha="left", fontsize=7,
                     color="#555555")
    return _render(figure, image_format)


def _tick_label(name: str, width: int) -> str:
    """A moment's name on up to three lines of about `width` characters."""
    lines = textwrap.wrap(name, width, break_long_words=False, break_on_hyphens=False) or [""]
    if len(lines) > 3:
        lines = [*lines[:2], short(lines[2] + " " + lines[3], width)]
    return "\n".join(short(line, width + 1) for line in lines)


def emotion_curve_image(data: dict, *, title: str, image_format: str = "png") -> bytes:
    """The emotion curve: mean satisfaction (0–100) per moment in cycle order over
    bands of moment kind, critical moments as large red markers. With more than
    10 moments the axis shows their numbers (the names would overlap)."""
    moments = data["rows"]
    critical = {item["moment_id"] for item in data["critical_moments"]}
    # At most 14 inches: wider, a page (or a slide) would shrink it below reading size.
    width = min(14.0, max(MIN_WIDTH, 1.0 + 0.75 * len(moments)))
    figure = Figure(figsize=(width, 4.2), layout="constrained")
    axes = figure.subplots()
    for index, moment in enumerate(moments):
        axes.axvspan(index - 0.5, index + 0.5, color=_rgba(KIND_COLORS.get(moment["moment_kind"], "rgba(0,0,0,0.05)")),
                     linewidth=0)
    bands: list[list[Any]] = []
    for index, moment in enumerate(moments):
        if bands and bands[-1][0] == moment["moment_kind"]:
            bands[-1][2] = index
        else:
            bands.append([moment["moment_kind"], index, index])
    for kind, first, last in bands:
        # Just above the plot (x in data, y in axes units), centred over its band.
        axes.text((first + last) / 2, 1.01, kind, transform=axes.get_xaxis_transform(), ha="center", va="bottom",
                  fontsize=7 if len(moments) > 20 else 8, color="#555555")
    points = [(index, moment["total"]["mean"]) for index, moment in enumerate(moments)
              if moment["total"]["mean"] is not None]
    if points:
        axes.plot([x for x, _y in points], [y for _x, y in points], color=CURVE_COLOR, linewidth=2.5, zorder=2)
        axes.scatter([x for x, _y in points], [y for _x, y in points], zorder=3,
                     s=[(110 if moments[x]["id"] in critical else 36) * (0.5 if len(moments) > 20 else 1)
                        for x, _y in points],
                     c=[CRITICAL_COLOR if moments[x]["id"] in critical else CURVE_COLOR for x, _y in points],
                     clip_on=False)
    else:
        axes.text(max(len(moments) - 1, 0) / 2, 50, _("No ratings in this period."), ha="center", va="center",
                  fontsize=10, color="#555555")
    axes.set_xlim(-0.5, max(len(moments), 1) - 0.5)
    axes.set_ylim(0, 100)
    axes.set_ylabel(_("mean score (0–100)"), fontsize=8)
    named = len(moments) <= 10
    # Narrower lines where more moments share the width, so neighbours never touch.
    line_width = 16 if len(moments) <= 6 else 12
    labels = [_tick_label(f"{moment['position'] + 1}. {moment['name']}", line_width) if named
              else str(moment["position"] + 1) for moment in moments]
    axes.set_xticks(range(len(moments)), labels, fontsize=7 if named else 7.5)
    if not named:
        axes.set_xlabel(_("moment (number as in the list)"), fontsize=8)
    axes.tick_params(axis="y", labelsize=7)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.suptitle(title, x=0.01, ha="left", fontsize=10)
    figure.supxlabel(_("Large red markers: critical moments."), x=0.01, ha="left", fontsize=7, color="#555555")
    return _render(figure, image_format)
