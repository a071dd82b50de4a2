"""The alert scan's phase of the benchmark (issue 16, item 7), called from bench/run.py.

After each round's incremental refresh, a worker-like process times the alert
scan of the airline cycle's organization (`analytics.services.alerts_scan`, what
the refresh task runs after folding in new ratings): from the rollups of the last
7 days only, whatever N. Reported beside the incremental refresh of the same
round, as a share of it (target ≤ 20 %); the ratio is the median of the rounds'
own ratios, like every ratio of the bench.

Delivery (e-mails, webhooks) is other tasks' work, so the timed process does not
announce what it opens or closes: its `analytics.events` callbacks are cleared.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

TARGET_SHARE = 0.20

SETUP = (
    "from analytics import events\n"
    "from analytics.services import alerts_scan\n"
    "events.alerts_opened.callbacks.clear()\n"
    "events.alerts_closed.callbacks.clear()"
)


class AlertScanPhase:
    """One timed scan after each incremental refresh; `close()` gives the results' entry."""

    def __init__(self, worker_job: Callable[..., Any], env: dict[str, str], cycle_id: int):
        scan = f"alerts_scan(cycle_ids=[{cycle_id}])"
        # Warm-up: the first scan opens what the generated data makes critical; the
        # timed ones then find those alerts open, as a worker does most of the time.
        self.job = worker_job(env, scan, setup=SETUP, warmup=scan)
        self.ratios: list[float] = []

    def after_incremental(self, incremental_seconds: float) -> float:
        seconds = self.job.run()
        self.ratios.append(seconds / incremental_seconds)
        return seconds

    def close(self) -> dict:
        from analytics.models import Alert

        timed = self.job.close()
        return {**timed, "vs_incremental": round(statistics.median(self.ratios), 3),
                "vs_incremental_rounds": [round(ratio, 3) for ratio in self.ratios], "target": TARGET_SHARE,
                "open_alerts": Alert.objects.filter(closed_at__isnull=True).count(),
                "alerts": Alert.objects.count()}


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    scan = results.get("alert_scan")
    if not scan:
        return []
    spread = (f"; {min(scan['samples']):.3f}–{max(scan['samples']):.3f} s" if len(scan["samples"]) > 1 else "")
    return [("alert scan after it", f"{scan['seconds']:.4f} s",
             (f"{scan['vs_incremental']} × incremental (target ≤ {scan['target']}); "
             f"{scan['open_alerts']} open alerts{spread}"))]
