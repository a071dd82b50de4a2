"""What the map editor draws: the moments lane, rendered by one template.

The page and every JSON endpoint of the editor render the lane with the same
template (`journeys/_lane.html`), so the browser never keeps a second renderer
in JavaScript that could drift from the server's truth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.http import HttpRequest
from django.template.loader import render_to_string

from . import events, selectors
from .models import ServiceCycle

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from .models import Moment


class _MomentShare(TypedDict):
    """What the lane's template reads on each moment besides its fields."""

    dissatisfied_share: float | None
    share_band: str
    share_percent: float | None
    rating_count: int
    mean: float | None
    critical: bool
    compact_name: str


# Upper bounds of the dissatisfied-share bands that colour a card.
SHARE_BANDS = ((0.10, "good"), (0.20, "fair"), (0.30, "poor"))


def share_band(share: float | None) -> str:
    """Colour band of a dissatisfied share.

    >>> [share_band(value) for value in (None, 0.05, 0.15, 0.25, 0.6)]
    ['none', 'good', 'fair', 'poor', 'bad']
    """
    if share is None:
        return "none"
    for upper, band in SHARE_BANDS:
        if share < upper:
            return band
    return "bad"


def moment_lane_figures(*, cycle: ServiceCycle) -> dict[int, dict[str, Any]]:
    """Latest figures per moment id, as the analytics contribute them (journeys/events.py
    `moment_figures`): dissatisfied share, mean score, critical. Moments without are grey."""
    return events.moment_figures.collect(cycle=cycle)


# The whole cycle at a glance (compact mode) fits 15 moments in the 1,242 px a
# 1,280 px window leaves the lane (76 px columns at least). A moment's name is
# wrapped at spaces only, so a word wider than its column is shortened
# ("Identific…"), its full name in the card's title. Widths are estimated from the
# characters of the names' font (bold, 0.72rem = 11.5 px), measured in Chromium.
COMPACT_LANE_PX, COMPACT_MIN_COLUMN_PX, COMPACT_CARD_INSET_PX, COMPACT_FONT_PX = 1242, 76, 18, 11.5
_NARROW, _WIDE = frozenset("fijlrtIJíìï.,;:'!|()-\u2011"), frozenset("mwMW")


def _word_width(word: str) -> float:
    """Estimated width of `word` in px in the compact names' font.

    >>> round(_word_width("Identificación")), round(_word_width("purchase"))
    (91, 61)
    """
    ems = sum(0.38 if char in _NARROW else 1.05 if char in _WIDE else 1.0 if char == "…" else
              0.78 if char.isupper() else 0.70 for char in word)
    return ems * COMPACT_FONT_PX


def compact_name(name: str, moments: int) -> str:
    """A moment's name for a column of the compact lane: words too wide for it shortened.

    >>> compact_name("Identificación del cliente", 15)
    'Identifi… del cliente'
    >>> compact_name("Identificación del cliente", 10)
    'Identificación del cliente'
    """
    room = max(COMPACT_MIN_COLUMN_PX, COMPACT_LANE_PX / max(moments, 1)) - COMPACT_CARD_INSET_PX
    words = []
    for word in name.split():
        if _word_width(word) > room:
            while len(word) > 1 and _word_width(word + "…") > room:
                word = word[:-1]
            word += "…"
        words.append(word)
    # Non-breaking hyphens: "Check-in" stays on one line too.
    return " ".join(words).replace("-", "\u2011")


def lane_context(*, request: HttpRequest, cycle: ServiceCycle, can_edit: bool) -> dict[str, Any]:
    # Typed with the share the loop below sets on each moment for the template.
    moments = cast("list[WithAnnotations[Moment, _MomentShare]]",
                   list(selectors.moments_with_touchpoints(cycle=cycle)))
    figures = moment_lane_figures(cycle=cycle)
    state = []
    for moment in moments:
        found = figures.get(moment.pk, {})
        moment.dissatisfied_share = found.get("dissatisfied_share")
        moment.share_band = share_band(moment.dissatisfied_share)
        moment.share_percent = None if moment.dissatisfied_share is None else moment.dissatisfied_share * 100
        moment.rating_count = found.get("n") or 0
        moment.mean = found.get("mean")
        moment.critical = bool(found.get("critical"))
        moment.compact_name = compact_name(moment.name, len(moments))
        touchpoints = list(moment.touchpoints.all())
        state.append({
            "id": moment.pk,
            "name": moment.name,
            "kind": moment.kind,
            "description": moment.description,
            "protocol": moment.protocol,
            "owner": moment.owner_id,
            "touchpoints": [
                {"id": touchpoint.pk, "name": touchpoint.name, "channel": touchpoint.channel,
                 "scale": touchpoint.scale, "interaction": touchpoint.interaction, "key": touchpoint.key,
                 "loyalty_question": touchpoint.loyalty_question}
                for touchpoint in touchpoints
            ],
        })
    return {
        "cycle": cycle,
        "moments": moments,
        "can_edit": can_edit,
        "editor_state": {"version": cycle.structure_version, "moments": state},
    }


def lane_payload(*, request: HttpRequest, cycle: ServiceCycle, can_edit: bool) -> dict[str, Any]:
    """JSON body shared by the editor endpoints: the fresh lane and its version."""
    cycle.refresh_from_db(fields=["structure_version"])
    context = lane_context(request=request, cycle=cycle, can_edit=can_edit)
    return {
        "version": cycle.structure_version,
        "lane_html": render_to_string("journeys/_lane.html", context, request=request),
    }
