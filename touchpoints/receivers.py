"""What touchpoints contributes to the pages of journeys (connected in `apps.ready`)."""

from __future__ import annotations

from . import selectors


def cycle_list_figures(*, cycle_ids: list[int]) -> dict[int, dict]:
    """Ratings of the last 7 days per cycle (one query)."""
    return {pk: {"recent_ratings": n} for pk, n in selectors.recent_ratings_by_cycle(cycle_ids=cycle_ids).items()}
