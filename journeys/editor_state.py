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


def moment_shares(*, cycle: ServiceCycle) -> dict[int, float]:
    """Latest dissatisfied share per moment id, as the analytics contribute it
    (journeys/events.py `moment_figures`); moments without one are grey."""
    return {moment_id: figures["dissatisfied_share"]
            for moment_id, figures in events.moment_figures.collect(cycle=cycle).items()
            if figures.get("dissatisfied_share") is not None}


def lane_context(*, request: HttpRequest, cycle: ServiceCycle, can_edit: bool) -> dict[str, Any]:
    # Typed with the share the loop below sets on each moment for the template.
    moments = cast("list[WithAnnotations[Moment, _MomentShare]]",
                   list(selectors.moments_with_touchpoints(cycle=cycle)))
    shares = moment_shares(cycle=cycle)
    state = []
    for moment in moments:
        moment.dissatisfied_share = shares.get(moment.pk)
        moment.share_band = share_band(moment.dissatisfied_share)
        moment.share_percent = None if moment.dissatisfied_share is None else moment.dissatisfied_share * 100
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
