"""Did the fix work? The effect of a review item's fix on its dissatisfied share (issue 16).

Every item with a done action, or resolved, has an effect: the dissatisfied
share of its scope (the moment's touchpoints for a moment's item, else its
touchpoint) before the fix against after it, each with n and its Wilson 95 %
interval, a two-proportion z-test of after against before, and a verdict
(`analytics.stats.effect_verdict`): improved, no_change, worse, or too_early
while fewer than the cycle's `min_sample` ratings came after.

When the fix starts and ends:
- it starts when its first action was planned (added to the item); an item
  resolved without any action starts it when it was resolved;
- it ends when its last done action was ticked off; an item resolved with no
  action done ends it when it was resolved.

The windows are local days of the cycle's time zone, as the rollups count them:
*before* is the `EFFECT_DAYS` (28) days before the day the fix started; *after*
runs from the day after the fix ended for up to 28 days, as many as have passed
(today included, so it grows every day). The days the fix started and ended
belong to neither window: their ratings are a mix of before and after. While
no day has passed since the fix, *after* is empty (its end is the day before
its start) and the verdict is too_early.

Effects are computed when read, never stored: they depend on the item's actions
and status, which change on the page, and on the rollups, which late ratings
change; a stored copy would need refreshing on both. Reading costs one
aggregate over the daily rollups for all the items of a page together
(`analytics.selectors.scope_window_counts`), never raw ratings.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics import stats
from analytics.periods import local_today
from analytics.selectors import ScopeWindow, WeekCounts, scope_window_counts
from journeys.models import ServiceCycle

from .models import ActionItem, ReviewItem, ReviewStatus
from .selectors import review_items_filter

EFFECT_DAYS = 28
# The most recently fixed items the review page and the digest list under "Did the fixes work?".
RECENT_FIXES_LIMIT = 20


class EffectVerdict(models.TextChoices):
    """The codes of `analytics.stats.effect_verdict`, with their labels."""

    IMPROVED = stats.EFFECT_IMPROVED, _("improved")
    NO_CHANGE = stats.EFFECT_NO_CHANGE, _("no change")
    WORSE = stats.EFFECT_WORSE, _("worse")
    TOO_EARLY = stats.EFFECT_TOO_EARLY, _("too early")


class EffectSide(TypedDict):
    n: int
    d: int
    share: float | None
    low: float
    high: float
    start: dt.date
    end: dt.date


class Effect(TypedDict):
    before: EffectSide
    after: EffectSide
    z: float
    verdict: str


@dataclass(frozen=True)
class FixSpan:
    """When an item's fix started and ended (see the module's docstring)."""

    started: dt.datetime
    ended: dt.datetime


def fix_span(item: ReviewItem, actions: Iterable[ActionItem]) -> FixSpan | None:
    """When the fix of `item` started and ended; None when it has no effect yet
    (no action done, and not resolved). `actions` are the item's action items."""
    actions = list(actions)
    done = [action.done_at for action in actions if action.done and action.done_at is not None]
    resolved_at = item.closed_at if item.status == ReviewStatus.RESOLVED else None
    if not done and resolved_at is None:
        return None
    ended = max(done) if done else resolved_at
    assert ended is not None
    started = min(action.created_at for action in actions) if actions else ended
    return FixSpan(started=min(started, ended), ended=ended)


def effect_windows(*, item: ReviewItem, span: FixSpan, zone: str, today: dt.date) -> tuple[ScopeWindow, ScopeWindow]:
    """The before and after windows of the item's scope, in local days of `zone`.

    >>> from types import SimpleNamespace
    >>> item = SimpleNamespace(moment_id=7, touchpoint_id=None)
    >>> span = FixSpan(dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC), dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC))
    >>> before, after = effect_windows(item=item, span=span, zone="Europe/Madrid", today=dt.date(2026, 11, 20))
    >>> before.start, before.end  # planned on 3 November, Madrid time
    (datetime.date(2026, 10, 6), datetime.date(2026, 11, 2))
    >>> after.start, after.end  # done on 10 November: 11 to 20 November so far
    (datetime.date(2026, 11, 11), datetime.date(2026, 11, 20))
    """
    tz = zoneinfo.ZoneInfo(zone)
    started, ended = span.started.astimezone(tz).date(), span.ended.astimezone(tz).date()
    after_start = ended + dt.timedelta(days=1)
    after_end = max(after_start - dt.timedelta(days=1), min(ended + dt.timedelta(days=EFFECT_DAYS), today))
    return (
        ScopeWindow(item.moment_id, item.touchpoint_id, started - dt.timedelta(days=EFFECT_DAYS),
                    started - dt.timedelta(days=1)),
        ScopeWindow(item.moment_id, item.touchpoint_id, after_start, after_end),
    )


def _side(counts: WeekCounts, window: ScopeWindow) -> EffectSide:
    low, high = stats.wilson_interval(counts.dissatisfied, counts.n)
    return {"n": counts.n, "d": counts.dissatisfied, "share": counts.dissatisfied / counts.n if counts.n else None,
            "low": low, "high": high, "start": window.start, "end": window.end}


def effect_of(*, before: WeekCounts, after: WeekCounts, windows: tuple[ScopeWindow, ScopeWindow],
              min_sample: int) -> Effect:
    """The effect from the counts of the two windows."""
    statistic = stats.two_proportion_z(before.dissatisfied, before.n, after.dissatisfied, after.n)
    return {
        "before": _side(before, windows[0]),
        "after": _side(after, windows[1]),
        "z": statistic,
        "verdict": stats.effect_verdict(statistic, after_n=after.n, min_sample=min_sample),
    }


def review_items_effects(*, items: Sequence[ReviewItem], now: dt.datetime | None = None
                         ) -> dict[int, Effect | None]:
    """The effect of each item (None: no action done and not resolved), by item id.

    Reads each item's actions (prefetch `actions` to keep it one query) and its
    cycle (time zone, `min_sample`; select it with the items), then one
    aggregate over the rollups for every window of every item
    (`scope_window_counts`). Nothing at all when no item has an effect.
    """
    now = now or timezone.now()
    todays: dict[str, dt.date] = {}
    found: dict[int, Effect | None] = {item.pk: None for item in items}
    pending: list[tuple[ReviewItem, ServiceCycle, tuple[ScopeWindow, ScopeWindow]]] = []
    for item in items:
        span = fix_span(item, item.actions.all())
        if span is None:
            continue
        cycle = item.cycle
        if cycle.timezone not in todays:
            todays[cycle.timezone] = local_today(cycle.timezone, now)
        pending.append((item, cycle, effect_windows(item=item, span=span, zone=cycle.timezone,
                                                    today=todays[cycle.timezone])))
    counts = scope_window_counts(windows=[window for _item, _cycle, pair in pending for window in pair])
    for index, (item, cycle, windows) in enumerate(pending):
        found[item.pk] = effect_of(before=counts[2 * index], after=counts[2 * index + 1], windows=windows,
                                   min_sample=cycle.min_sample)
    return found


def offers_reopening(item: ReviewItem, effect: Effect | None) -> bool:
    """A resolved item whose fix made things worse: the page offers to reopen it."""
    return effect is not None and effect["verdict"] == stats.EFFECT_WORSE and item.status == ReviewStatus.RESOLVED


def review_items_fixed_since(
    *, cycle: ServiceCycle, since: dt.datetime, exclude_ids: Iterable[int] = (), status: str | None = None,
    owner_id: int | None = None, unassigned: bool = False, limit: int = RECENT_FIXES_LIMIT,
) -> QuerySet[ReviewItem]:
    """The cycle's items whose fix ended at `since` or later (an action done, or
    resolved), newest week first, at most `limit`: what "Did the fixes work?"
    lists (filtered like the review page when it is). Their actions are
    prefetched and their cycle, moment and touchpoint joined, so their effects
    (`review_items_effects`) cost no query per item."""
    done_lately = ActionItem.objects.filter(review_item=OuterRef("pk"), done=True, done_at__gte=since)
    items = review_items_filter(
        ReviewItem.objects.filter(cycle=cycle)
        .filter(Q(status=ReviewStatus.RESOLVED, closed_at__gte=since) | Q(Exists(done_lately)))
        .exclude(pk__in=list(exclude_ids)),
        status=status, owner_id=owner_id, unassigned=unassigned)
    return (items.select_related("cycle", "moment", "touchpoint", "owner")
            .prefetch_related("actions")
            .order_by("-week_start", "-severity", "id")[:limit])


def local_midnight(*, cycle: ServiceCycle, day: dt.date) -> dt.datetime:
    """The start of `day` in the cycle's time zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(cycle.timezone))
