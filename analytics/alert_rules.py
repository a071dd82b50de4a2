"""When an alert opens and when it closes: plain decisions over one scan's figures.

The scan (analytics.services.alerts) reads each moment's and touchpoint's
last 7 local days from the rollups and the open alerts, and hands them here;
nothing in this module touches the database, so every rule is tested with
plain values (tests/analytics/test_alert_rules.py).

* **Opens** when the subject is critical over the window (n ≥ min_sample and
  the Wilson lower bound ≥ critical_share), has no open alert, and its
  one-sided exact binomial p-value (H0: share ≤ critical_share) survives
  Benjamini–Hochberg at q = 0.05 across every subject of the organization
  scanned at once with at least min_sample ratings. A touchpoint opens only
  where its moment is not alerting (one problem, one alert, as the weekly
  review does).
* **Closes** when the Wilson upper bound of the window falls below
  critical_share ("recovered"), after 7 days without being critical
  ("quiet"), or when its moment or touchpoint was deleted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import stats

MOMENT = "moment"
TOUCHPOINT = "touchpoint"
WINDOW_DAYS = 7
QUIET_DAYS = 7

# Close reasons (the codes of analytics.models.AlertCloseReason).
RECOVERED = "recovered"
QUIET = "quiet"
MOMENT_DELETED = "moment_deleted"
TOUCHPOINT_DELETED = "touchpoint_deleted"


@dataclass(frozen=True)
class Window:
    """One moment's or touchpoint's last 7 local days, with its cycle's thresholds."""

    subject: str  # MOMENT or TOUCHPOINT
    organization_id: int
    cycle_id: int
    moment_id: int
    touchpoint_id: int | None
    n: int
    dissatisfied: int
    min_sample: int
    critical_share: float

    @property
    def key(self) -> tuple[str, int]:
        if self.subject == TOUCHPOINT:
            assert self.touchpoint_id is not None  # a touchpoint's window names it
            return (TOUCHPOINT, self.touchpoint_id)
        return (MOMENT, self.moment_id)

    @property
    def critical(self) -> bool:
        return stats.is_critical(self.dissatisfied, self.n, min_sample=self.min_sample,
                                 critical_share=self.critical_share)

    @property
    def recovered(self) -> bool:
        """Even the optimistic (upper) bound is below the threshold: clearly not critical any more."""
        return self.n > 0 and stats.wilson_interval(self.dissatisfied, self.n)[1] < self.critical_share

    @property
    def tested(self) -> bool:
        """Enough ratings to be a hypothesis of the false-discovery guard."""
        return self.n >= max(1, self.min_sample)

    @property
    def p_value(self) -> float:
        return stats.binomial_p_value_above(self.dissatisfied, self.n, self.critical_share)


@dataclass(frozen=True)
class OpenAlert:
    id: int
    subject: str
    moment_id: int | None  # None: the moment was deleted
    touchpoint_id: int | None  # None for a moment's alert, or: the touchpoint was deleted
    last_critical_at: dt.datetime

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.subject, self.touchpoint_id if self.subject == TOUCHPOINT else self.moment_id)

    @property
    def gone(self) -> str | None:
        """The close reason when its moment or touchpoint no longer exists."""
        if self.moment_id is None:
            return MOMENT_DELETED
        if self.subject == TOUCHPOINT and self.touchpoint_id is None:
            return TOUCHPOINT_DELETED
        return None


@dataclass
class Decisions:
    open: list[Window] = field(default_factory=list)
    # alert id → (reason, the window it was last seen in, or None when its subject is gone)
    close: dict[int, tuple[str, Window | None]] = field(default_factory=dict)
    # alert id → (the window seen now, whether it is critical now)
    keep: dict[int, tuple[Window, bool]] = field(default_factory=dict)
    p_values: dict[tuple[str, int], float] = field(default_factory=dict)


def discoveries(windows: Iterable[Window], *, q: float = stats.ALERT_FDR) -> dict[tuple[str, int], float]:
    """The subjects whose finding survives Benjamini–Hochberg, with their p-values.

    One family per organization: every moment and touchpoint of it scanned at
    once with at least min_sample ratings (fewer can never open an alert; leaving
    them out, by a rule that ignores their outcome, keeps the guarantee).
    """
    families: dict[int, list[Window]] = defaultdict(list)
    for window in windows:
        if window.tested:
            families[window.organization_id].append(window)
    survivors: dict[tuple[str, int], float] = {}
    for family in families.values():
        p_values = [window.p_value for window in family]
        for window, p_value, rejected in zip(family, p_values, stats.benjamini_hochberg(p_values, q), strict=True):
            if rejected:
                survivors[window.key] = p_value
    return survivors


def decide(windows: list[Window], open_alerts: list[OpenAlert], *, now: dt.datetime,
           q: float = stats.ALERT_FDR) -> Decisions:
    """What one scan does: which subjects open an alert, which alerts close and why,
    and the figures of those that stay open."""
    decisions = Decisions()
    by_key: dict[tuple[str, int | None], Window] = {window.key: window for window in windows}
    alerting: set[tuple[str, int | None]] = set()
    for alert in open_alerts:
        gone = alert.gone
        if gone is not None:
            decisions.close[alert.id] = (gone, None)
            continue
        window = by_key.get(alert.key)
        if window is None:  # not scanned this time (another cycle now): left as it is
            alerting.add(alert.key)
            continue
        critical = window.critical
        if window.recovered:
            decisions.close[alert.id] = (RECOVERED, window)
        elif not critical and now - alert.last_critical_at >= dt.timedelta(days=QUIET_DAYS):
            decisions.close[alert.id] = (QUIET, window)
        else:
            decisions.keep[alert.id] = (window, critical)
            alerting.add(alert.key)
    survivors = discoveries(windows, q=q)
    decisions.p_values = survivors
    found = [window for window in windows
             if window.key in survivors and window.critical and window.key not in alerting]
    opening_moments = {window.moment_id for window in found if window.subject == MOMENT}
    alerting_moments = {key[1] for key in alerting if key[0] == MOMENT} | opening_moments
    decisions.open = [window for window in found
                      if window.subject == MOMENT or window.moment_id not in alerting_moments]
    return decisions
