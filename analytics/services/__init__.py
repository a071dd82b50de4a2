"""Writes of the analytics, by topic:

- `refresh`: rollups folded in from new ratings (debounced, incremental) or rebuilt, and
  what the tasks do with them;
- `snapshots`: heatmap snapshots computed from rollups, which pages and the API read;
- `alerts`: alerts opened and closed by a scan of the rollups' last 7 days (after each refresh);
- `drivers`: key-driver snapshots (key drivers and the customer's path);
- `base`: progress reports and derived-data commits both use.
"""

from .alerts import AlertScanResult, alert_window, alerts_close_orphans, alerts_scan
from .base import BROKER_OUTAGE_ERRORS, Progress, derived_data_commit, no_progress
from .drivers import (
    CurrentDrivers,
    DriversView,
    key_drivers_current,
    key_drivers_refresh_cycle,
    key_drivers_snapshot_compute,
)
from .refresh import (
    REFRESH_PENDING_KEY,
    TERMS_PENDING_KEY,
    TERMS_WATERMARK_NAME,
    WATERMARK_NAME,
    RollupRefreshResult,
    alerts_scan_after,
    cycle_rebuild,
    cycle_recompute,
    heatmaps_queue,
    key_drivers_soon,
    key_drivers_window_open,
    organization_terms_recount,
    ratings_arrived,
    refresh_pending_clear,
    refresh_pending_release,
    rollups_rebuild,
    rollups_rebuild_and_fan_out,
    rollups_refresh,
    rollups_refresh_and_fan_out,
    terms_refresh,
    terms_refresh_and_fan_out,
    terms_watermark,
)
from .snapshots import (
    MAX_WARM_SNAPSHOTS,
    SNAPSHOT_FORMAT,
    STALE_SNAPSHOT_DAYS,
    WARM_SNAPSHOT_DAYS,
    CycleStructure,
    WeeksSince,
    cycle_structure,
    heatmap_data_build,
    heatmap_snapshot_compute,
    heatmap_snapshot_current,
    heatmaps_recompute_queued,
    heatmaps_refresh_cycle,
)

__all__ = [
    "BROKER_OUTAGE_ERRORS",
    "MAX_WARM_SNAPSHOTS",
    "REFRESH_PENDING_KEY",
    "SNAPSHOT_FORMAT",
    "STALE_SNAPSHOT_DAYS",
    "TERMS_PENDING_KEY",
    "TERMS_WATERMARK_NAME",
    "WARM_SNAPSHOT_DAYS",
    "WATERMARK_NAME",
    "AlertScanResult",
    "CurrentDrivers",
    "CycleStructure",
    "DriversView",
    "Progress",
    "RollupRefreshResult",
    "WeeksSince",
    "alert_window",
    "alerts_close_orphans",
    "alerts_scan",
    "alerts_scan_after",
    "cycle_rebuild",
    "cycle_recompute",
    "cycle_structure",
    "derived_data_commit",
    "heatmap_data_build",
    "heatmap_snapshot_compute",
    "heatmap_snapshot_current",
    "heatmaps_queue",
    "heatmaps_recompute_queued",
    "heatmaps_refresh_cycle",
    "key_drivers_current",
    "key_drivers_refresh_cycle",
    "key_drivers_snapshot_compute",
    "key_drivers_soon",
    "key_drivers_window_open",
    "no_progress",
    "organization_terms_recount",
    "ratings_arrived",
    "refresh_pending_clear",
    "refresh_pending_release",
    "rollups_rebuild",
    "rollups_rebuild_and_fan_out",
    "rollups_refresh",
    "rollups_refresh_and_fan_out",
    "terms_refresh",
    "terms_refresh_and_fan_out",
    "terms_watermark",
]
