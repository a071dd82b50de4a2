"""What a review item's webhook event says beyond reviews.webhooks' base payload.

The base payload (`review_item_payload`) predates the trend and the touchpoints
inside a moment's item; the keys given here replace or extend it, so a receiver
sees `figures.trend` (and `figures.worsening: null` when the week before had too
few ratings to compare with) and a moment's `critical_touchpoints`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import CriticalFigures, ReviewItem, ReviewItemTouchpoint


def figures_data(figures: CriticalFigures) -> dict[str, Any]:
    return {
        "n": figures.n, "dissatisfied": figures.dissatisfied, "share": figures.share,
        "wilson_low": figures.wilson_low, "wilson_high": figures.wilson_high,
        "previous_n": figures.previous_n, "previous_dissatisfied": figures.previous_dissatisfied,
        "previous_share": figures.previous_share, "trend": figures.trend, "worsening": figures.worsening,
        "reach": figures.reach, "severity": figures.severity,
    }


def touchpoint_data(row: ReviewItemTouchpoint) -> dict[str, Any]:
    touchpoint = row.touchpoint
    return {"id": touchpoint.pk, "name": touchpoint.name, "key": touchpoint.key, "channel": touchpoint.channel,
            **figures_data(row)}


def review_item_event_data(
    item: ReviewItem, *, touchpoints: Iterable[ReviewItemTouchpoint] | None = None
) -> dict[str, Any]:
    """`figures` with the trend, and the critical touchpoints inside a moment's item (most severe first)."""
    if touchpoints is None:
        touchpoints = item.critical_touchpoints.select_related("touchpoint").order_by("-severity", "id")
    return {
        "figures": figures_data(item),
        "critical_touchpoints": [touchpoint_data(row) for row in touchpoints],
    }


def review_item_event_emit(
    item: ReviewItem, event: str, *, touchpoints: Iterable[ReviewItemTouchpoint] | None = None, **extra: Any
) -> int:
    """Queue `event` for the organization's webhooks after commit (see reviews.webhooks)."""
    from .webhooks import webhook_event_emit

    data = {**review_item_event_data(item, touchpoints=touchpoints), **extra}
    return webhook_event_emit(organization_id=item.organization_id, event=event, item_id=item.pk, extra=data)
