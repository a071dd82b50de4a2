"""The service-cycle wheel: Carlzon's circle of moments of truth, drawn as SVG.

The cycle runs clockwise from 12 o'clock, one segment per moment, coloured by its
dissatisfied share (the heatmap's scale); an outer ring says the kind of moment
(ZMOT, FMOT, SMOT, TMOT); critical moments are outlined and marked ●, alerting
ones ▲. Up to `NAMES_AROUND_MAX` moments their names sit around the wheel
(wrapped at spaces, shortened with "…"); with more, the segments carry their
numbers and the names are listed below. Every segment has its full text in a
`<title>` and an `aria-label` (a link to the moment when `moment_url` is given).

`wheel_svg` is a pure function of plain data (no request, no template): the
pages, the API's `wheel.svg` and exports all draw with it. `cycle_wheel_svg`
reads the figures from the cycle's snapshots first.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from html import escape

from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .charts import SHARE_MAX, share_color
from .formatting import NumberFormat, numbers
from .series import ALL_CUSTOMERS, MomentFigures, Series, cycle_series

KIND_COLORS = {"ZMOT": "#6941c6", "FMOT": "#1f5fbf", "SMOT": "#0e7a6b", "TMOT": "#b54708"}
NO_DATA_COLOR = "#e4e7ec"
CRITICAL_COLOR = "#b42318"
ALERT_COLOR = "#f79009"
TEXT_COLOR = "#1d2430"
MUTED_COLOR = "#5b6576"

WIDTH = 900
CENTER_X, CENTER_Y = WIDTH / 2, 322
INNER_RADIUS, SHARE_RADIUS = 100, 225
KIND_INNER, KIND_OUTER = 229, 247
LABEL_RADIUS = 260
WHEEL_HEIGHT = 644
NAMES_AROUND_MAX = 16
LABEL_FONT, LABEL_LINE = 13, 15
LIST_FONT, LIST_LINE, LIST_COLUMNS = 12.5, 19, 2
# Average advance of a character as a share of the font size (system sans-serif),
# generous so that a label never runs off the picture; bold is wider.
CHAR_WIDTH, BOLD_CHAR_WIDTH = 0.6, 0.68
# With the names listed below, the wheel needs no room for them around it.
LIST_MODE_SHIFT = CENTER_Y - KIND_OUTER - 14


def _kind_label(kind: str) -> str:
    return {"ZMOT": _("ZMOT: researching"), "FMOT": _("FMOT: first contact"), "SMOT": _("SMOT: using it"),
            "TMOT": _("TMOT: response and feedback")}.get(kind, kind)


def shorten(text: str, chars: int) -> str:
    """`text` in at most `chars` characters, "…" ending what was cut.

    >>> shorten("Baggage claim", 20), shorten("Baggage claim", 8)
    ('Baggage claim', 'Baggage…')
    """
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text[: max(1, chars - 1)].rstrip()
    return cut + "…"


def wrap(text: str, chars: int, lines: int) -> list[str]:
    """`text` on at most `lines` lines of about `chars` characters, broken at spaces
    only (never inside a word); what does not fit ends in "…".

    >>> wrap("Support between purchase and flight", 16, 2)
    ['Support between', 'purchase and…']
    >>> wrap("Reconocimiento", 8, 2)
    ['Reconoc…']
    """
    chars = max(4, chars)
    result: list[str] = []
    words = text.split()
    for index, word in enumerate(words):
        if result and len(result[-1]) + 1 + len(word) <= chars:
            result[-1] += " " + word
            continue
        if len(result) == lines:
            result[-1] = shorten(result[-1] + " " + " ".join(words[index:]), min(chars, len(result[-1]) + 1))
            return [shorten(line, chars) for line in result]
        result.append(word)
    return [shorten(line, chars) for line in result] or [""]


def _point(radius: float, angle: float) -> tuple[float, float]:
    return CENTER_X + radius * math.sin(angle), CENTER_Y - radius * math.cos(angle)


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _sector(inner: float, outer: float, start: float, end: float) -> str:
    """The path of the ring between two radii from `start` to `end` (radians, clockwise
    from 12 o'clock); a whole ring is drawn as two halves (an arc cannot close)."""
    if end - start >= 2 * math.pi - 1e-9:
        ring = []
        for radius, sweep in ((outer, 1), (inner, 0)):
            top, bottom = _point(radius, 0), _point(radius, math.pi)
            ring.append(f"M{_f(top[0])},{_f(top[1])}A{radius},{radius} 0 1 {sweep} {_f(bottom[0])},{_f(bottom[1])}"
                        f"A{radius},{radius} 0 1 {sweep} {_f(top[0])},{_f(top[1])}Z")
        return "".join(ring)
    large = 1 if end - start > math.pi else 0
    x0, y0 = _point(outer, start)
    x1, y1 = _point(outer, end)
    x2, y2 = _point(inner, end)
    x3, y3 = _point(inner, start)
    return (f"M{_f(x0)},{_f(y0)}A{outer},{outer} 0 {large} 1 {_f(x1)},{_f(y1)}"
            f"L{_f(x2)},{_f(y2)}A{inner},{inner} 0 {large} 0 {_f(x3)},{_f(y3)}Z")


def moment_text(moment: MomentFigures, fmt: NumberFormat, *, alerting: bool) -> str:
    """Everything the wheel shows of a moment, as one sentence (title, aria-label, table)."""
    parts = [f"{moment.position + 1}. {moment.name}", moment.kind]
    if moment.n:
        parts.append(_("%(share)s dissatisfied (%(d)s of %(n)s ratings)") % {
            "share": fmt.percent(moment.share), "d": fmt.count(moment.dissatisfied), "n": fmt.count(moment.n)})
    else:
        parts.append(_("no ratings in this period"))
    if moment.critical:
        parts.append(_("critical moment"))
    if alerting:
        parts.append(_("alerting"))
    return " · ".join(parts)


def _text(x: float, y: float, content: str, *, size: float, anchor: str = "middle", weight: str = "400",
          fill: str = TEXT_COLOR, halo: bool = False) -> str:
    halo_attributes = ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"' if halo else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}"{halo_attributes}>{escape(content)}</text>')


def _label(moment: MomentFigures, angle: float, count: int) -> str:
    """The moment's name around the wheel, on up to two lines (three for a few moments) that fit where it sits."""
    x, y = _point(LABEL_RADIUS, angle)
    sine, cosine = math.sin(angle), math.cos(angle)
    if sine > 0.1:
        anchor, room = "start", WIDTH - 6 - x
    elif sine < -0.1:
        anchor, room = "end", x - 6
    else:
        neighbours = 2 * LABEL_RADIUS * math.sin(math.pi / count) if count > 1 else WIDTH
        anchor, room = "middle", min(neighbours - 8, 2 * (WIDTH - 6 - x), 2 * (x - 6), 240)
    width = BOLD_CHAR_WIDTH if moment.critical else CHAR_WIDTH
    # A few moments leave room for longer names around them.
    few = count <= 4
    chars = max(6, min(34 if few else 26, int(room / (LABEL_FONT * width))))
    lines = wrap(moment.name, chars, 3 if few else 2)
    if cosine > 0.35:  # above the centre: the last line nearest the wheel
        first = y - (len(lines) - 1) * LABEL_LINE
    elif cosine < -0.35:  # below: the first line nearest the wheel
        first = y + LABEL_FONT * 0.8
    else:
        first = y + LABEL_FONT * 0.35 - (len(lines) - 1) * LABEL_LINE / 2
    weight = "700" if moment.critical else "400"
    fill = CRITICAL_COLOR if moment.critical else TEXT_COLOR
    return "".join(_text(x, first + index * LABEL_LINE, line, size=LABEL_FONT, anchor=anchor, weight=weight, fill=fill)
                   for index, line in enumerate(lines))


def _link(inner: str, *, url: str | None, text: str, css: str) -> str:
    title = f"<title>{escape(text)}</title>"
    if url:
        return (f'<a href="{escape(url)}" class="{css}" aria-label="{escape(text)}">{title}{inner}</a>')
    return f'<g class="{css}">{title}{inner}</g>'


def _centre(title: str, series_label: str, period: tuple[dt.date, dt.date], total: int, fmt: NumberFormat) -> str:
    title_lines = wrap(title, 20, 2)
    lines: list[tuple[str, float, str, str]] = [(line, 15, "700", TEXT_COLOR) for line in title_lines]
    lines.append((shorten(series_label, 24), 13, "600", TEXT_COLOR))
    start, end = period
    lines.append((f"{date_format(start, 'SHORT_DATE_FORMAT')} – {date_format(end, 'SHORT_DATE_FORMAT')}", 11, "400",
                  MUTED_COLOR))
    lines.append((ngettext("%(n)s rating", "%(n)s ratings", total) % {"n": fmt.count(total)}, 11, "400", MUTED_COLOR))
    heights = [size + 5 for _line, size, _weight, _fill in lines]
    y = CENTER_Y - sum(heights) / 2
    out = []
    for (line, size, weight, fill), height in zip(lines, heights, strict=True):
        y += height
        out.append(_text(CENTER_X, y - 4, line, size=size, weight=weight, fill=fill))
    return "".join(out)


def _segments(moments: Sequence[MomentFigures], alerting: Collection[int], url_for: Callable[[int], str] | None,
              fmt: NumberFormat, names_around: bool) -> list[str]:
    count = len(moments)
    step = 2 * math.pi / count
    number_size = 15 if count <= NAMES_AROUND_MAX else (12 if count <= 30 else 10.5)
    out = []
    for index, moment in enumerate(moments):
        start, end = index * step, (index + 1) * step
        # A single moment is the whole ring: its number and name go at the top.
        middle = (start + end) / 2 if count > 1 else 0.0
        is_alerting = moment.moment_id in alerting
        fill = share_color(moment.share) if moment.n else NO_DATA_COLOR
        kind_color = KIND_COLORS.get(moment.kind, "#98a2b3")
        parts = [
            (f'<path d="{_sector(INNER_RADIUS, SHARE_RADIUS, start, end)}" fill="{fill}" stroke="#ffffff" '
             f'stroke-width="2" fill-rule="evenodd"/>'),
            (f'<path d="{_sector(KIND_INNER, KIND_OUTER, start, end)}" fill="{kind_color}" '
             f'stroke="#ffffff" stroke-width="1" fill-rule="evenodd"/>'),
        ]
        if moment.critical:
            parts.append(f'<path d="{_sector(INNER_RADIUS + 1.5, SHARE_RADIUS - 1.5, start, end)}" fill="none" '
                         f'stroke="{CRITICAL_COLOR}" stroke-width="3" fill-rule="evenodd"/>')
            x, y = _point(SHARE_RADIUS - 18, middle)
            parts.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{6 if count <= 30 else 4.5}" fill="{CRITICAL_COLOR}" '
                         f'stroke="#ffffff" stroke-width="1.5"/>')
        if is_alerting:
            x, y = _point(INNER_RADIUS + 18, middle)
            size = 8 if count <= 30 else 6
            parts.append(f'<path d="M{_f(x)},{_f(y - size)}L{_f(x + size)},{_f(y + size * 0.8)}'
                         f'L{_f(x - size)},{_f(y + size * 0.8)}Z" fill="{ALERT_COLOR}" stroke="{TEXT_COLOR}" '
                         f'stroke-width="1"/>')
        x, y = _point((INNER_RADIUS + SHARE_RADIUS) / 2, middle)
        parts.append(_text(x, y + number_size * 0.35, str(moment.position + 1), size=number_size, weight="700",
                           halo=True))
        if names_around:
            parts.append(_label(moment, middle, count))
        text = moment_text(moment, fmt, alerting=is_alerting)
        out.append(_link("".join(parts), url=url_for(moment.moment_id) if url_for else None, text=text,
                         css="wheel-moment"))
    return out


def _name_list(moments: Sequence[MomentFigures], alerting: Collection[int], url_for: Callable[[int], str] | None,
               fmt: NumberFormat, top: float) -> tuple[list[str], float]:
    """The names below the wheel when they cannot sit around it: numbered, in columns."""
    rows = math.ceil(len(moments) / LIST_COLUMNS)
    column_width = (WIDTH - 40) / LIST_COLUMNS
    out = []
    for index, moment in enumerate(moments):
        column, row = divmod(index, rows)
        x, y = 20 + column * column_width, top + row * LIST_LINE
        fill = share_color(moment.share) if moment.n else NO_DATA_COLOR
        marks = (" ●" if moment.critical else "") + (" ▲" if moment.moment_id in alerting else "")
        chars = int((column_width - 34) / (LIST_FONT * (BOLD_CHAR_WIDTH if moment.critical else CHAR_WIDTH)))
        label = shorten(f"{moment.position + 1}. {moment.name}", chars - len(marks)) + marks
        inner = (f'<rect x="{_f(x)}" y="{_f(y - 10)}" width="12" height="12" rx="2" fill="{fill}" '
                 f'stroke="{KIND_COLORS.get(moment.kind, "#98a2b3")}" stroke-width="2"/>'
                 + _text(x + 18, y, label, size=LIST_FONT, anchor="start",
                         weight="700" if moment.critical else "400",
                         fill=CRITICAL_COLOR if moment.critical else TEXT_COLOR))
        text = moment_text(moment, fmt, alerting=moment.moment_id in alerting)
        out.append(_link(inner, url=url_for(moment.moment_id) if url_for else None, text=text, css="wheel-name"))
    return out, top + rows * LIST_LINE


@dataclass(frozen=True)
class Legend:
    """What the wheel's colours and marks mean, in the active language (drawn in the
    SVG, or once in HTML beside several wheels)."""

    kinds_title: str
    kinds: list[tuple[str, str]]  # (colour, label)
    shares_title: str
    shares: list[tuple[str, str]]  # (colour, label), the last one "no ratings"
    critical: str
    alerting: str


def legend() -> Legend:
    fmt = numbers()
    shares = [(share_color(share) or NO_DATA_COLOR, ("≥ " if share == SHARE_MAX else "") + fmt.percent(share))
              for share in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, SHARE_MAX)]
    return Legend(
        kinds_title=_("Outer ring: kind of moment"),
        kinds=[(color, _kind_label(kind)) for kind, color in KIND_COLORS.items()],
        shares_title=_("Segments: dissatisfied share in the period"),
        shares=[*shares, (NO_DATA_COLOR, _("no ratings"))],
        critical=_("critical moment (outlined in red): its dissatisfied share, or one of its touchpoints', is critical"),
        alerting=_("alerting moment: an alert is open"),
    )


def _legend(top: float, *, show_alerting: bool) -> tuple[list[str], float]:
    words = legend()
    out = [_text(20, top, words.kinds_title, size=12, anchor="start", weight="700")]
    for title, items, gap in ((None, words.kinds, 22), (words.shares_title, words.shares, 16)):
        if title:
            top += 50
            out.append(_text(20, top, title, size=12, anchor="start", weight="700"))
        x = 20.0
        for color, label in items:
            out.append(f'<rect x="{_f(x)}" y="{_f(top + 8)}" width="14" height="14" rx="2" fill="{color}"/>')
            out.append(_text(x + 19, top + 20, label, size=12, anchor="start"))
            x += 19 + len(label) * 12 * CHAR_WIDTH + gap
    top += 42
    out.append(f'<circle cx="27" cy="{_f(top - 4)}" r="6" fill="{CRITICAL_COLOR}"/>')
    out.append(_text(40, top, words.critical, size=12, anchor="start"))
    if show_alerting:
        top += 22
        out.append(f'<path d="M27,{_f(top - 12)}L35,{_f(top + 2)}L19,{_f(top + 2)}Z" fill="{ALERT_COLOR}" '
                   f'stroke="{TEXT_COLOR}" stroke-width="1"/>')
        out.append(_text(40, top, words.alerting, size=12, anchor="start"))
    return out, top + 16


def wheel_svg(*, title: str, series: Series, period: tuple[dt.date, dt.date], language: str,
              alerting_ids: Collection[int] = frozenset(), moment_url: Callable[[int], str] | None = None,
              svg_id: str = "wheel", with_legend: bool = True) -> str:
    """The wheel of one series (all customers or a segment) as a standalone SVG document.

    `title`: the cycle's name; `period`: its first and last day; `language`: "es"
    or "en" for every word and number; `alerting_ids`: moments with an open alert
    (▲); `moment_url(moment_id)`: where a click on a moment goes (no links when
    None); `svg_id`: prefix of the ids inside, unique when several wheels share a
    page; `with_legend`: False when a page shows the legend once beside several
    wheels (`legend()`). A cycle without moments gives a wheel that says so.
    """
    with translation.override(language):
        fmt = numbers()
        moments = sorted(series.moments, key=lambda moment: moment.position)
        alerting = frozenset(alerting_ids) & {moment.moment_id for moment in moments}
        names_around = len(moments) <= NAMES_AROUND_MAX
        heading = _("Service-cycle wheel: %(cycle)s · %(series)s") % {"cycle": title, "series": series.label}
        wheel: list[str] = []
        if moments:
            wheel += _segments(moments, alerting, moment_url, fmt, names_around)
        else:
            wheel.append(f'<circle cx="{CENTER_X}" cy="{CENTER_Y}" r="{SHARE_RADIUS}" fill="{NO_DATA_COLOR}"/>')
            wheel.append(_text(CENTER_X, CENTER_Y + SHARE_RADIUS + 30, _("This cycle has no moments of truth yet."),
                               size=14))
        wheel.append(f'<circle cx="{CENTER_X}" cy="{CENTER_Y}" r="{INNER_RADIUS - 2}" fill="#ffffff"/>')
        wheel.append(_centre(title, series.label, period, series.n, fmt))
        if names_around:
            body = wheel
            top = float(WHEEL_HEIGHT)
        else:
            body = [f'<g transform="translate(0,{-LIST_MODE_SHIFT})">', *wheel, "</g>"]
            names, top = _name_list(moments, alerting, moment_url, fmt, WHEEL_HEIGHT - 2 * LIST_MODE_SHIFT + 20)
            body += names
            top += 16
        if with_legend:
            drawn, top = _legend(top + 14, show_alerting=bool(alerting))
            body += drawn
        summary = "; ".join(moment_text(moment, fmt, alerting=moment.moment_id in alerting) for moment in moments)
        height = math.ceil(top)
        role = 'role="group"' if moment_url else 'role="img"'
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" {role} aria-labelledby="{svg_id}-title" aria-describedby="{svg_id}-desc" class="wheel-svg" '
            f'font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, Arial, sans-serif">'
            f'<title id="{svg_id}-title">{escape(heading)}</title>'
            f'<desc id="{svg_id}-desc">{escape(summary)}</desc>'
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>'
            + "".join(body) + "</svg>"
        )


def moment_link(cycle) -> Callable[[int], str]:
    """Where a click on a moment of the wheel goes by default: its card on the cycle's map."""
    base = reverse("journeys:cycle_detail", args=[cycle.pk])
    return lambda moment_id: f"{base}#moment-{moment_id}"


def cycle_wheel_svg(*, cycle, period, language: str, segment=None, alerting_ids: Collection[int] = frozenset(),
                    moment_url: Callable[[int], str] | None = None, svg_id: str = "wheel") -> str:
    """The wheel of a cycle (`journeys.models.ServiceCycle`) over a `periods.Period`, for all
    customers or one `touchpoints.models.Segment`, read from the cycle's snapshots
    (computed from rollups when missing or stale). See `wheel_svg` for the rest."""
    with translation.override(language):
        found = cycle_series(cycle=cycle, period=period, segments=[segment] if segment else [],
                             include_all=segment is None)
        series = found[0] if found else Series(
            key=f"s{segment.pk}" if segment else ALL_CUSTOMERS,
            label=segment.name if segment else _("All customers"), segment_id=segment.pk if segment else None,
            moments=[])
    return wheel_svg(title=cycle.name, series=series, period=(period.start, period.end), language=language,
                     alerting_ids=alerting_ids, moment_url=moment_url, svg_id=svg_id)
