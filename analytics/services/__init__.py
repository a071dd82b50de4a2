"""Writes of the analytics, by topic:

- `refresh`: rollups folded in from new ratings (debounced, incremental) or rebuilt, and
  what the tasks do with them;
- `snapshots`: heatmap snapshots computed from rollups, which pages and the API read;
- `base`: progress reports and derived-data commits both use.
"""

from .base import BROKER_OUTAGE_ERRORS, Progress, derived_data_commit, no_progress
from .refresh import (
    REFRESH_PENDING_KEY,
    WATERMARK_NAME,
    RollupRefreshResult,
    cycle_rebuild,
    cycle_recompute,
    heatmaps_queue,
    organization_terms_recount,
    ratings_arrived,
    refresh_pending_clear,
    rollups_rebuild,
    rollups_rebuild_and_fan_out,
    rollups_refresh,
    rollups_refresh_and_fan_out,
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
    "BROKER_OUTAGE_ERRORS", "MAX_WARM_SNAPSHOTS", "REFRESH_PENDING_KEY", "SNAPSHOT_FORMAT", "STALE_SNAPSHOT_DAYS",
    "WARM_SNAPSHOT_DAYS", "WATERMARK_NAME", "CycleStructure", "Progress", "RollupRefreshResult", "WeeksSince",
    "cycle_rebuild", "cycle_recompute", "cycle_structure", "derived_data_commit", "heatmap_data_build",
    "heatmap_snapshot_compute", "heatmap_snapshot_current", "heatmaps_queue", "heatmaps_recompute_queued",
    "heatmaps_refresh_cycle",
    "no_progress", "organization_terms_recount", "ratings_arrived", "refresh_pending_clear", "rollups_rebuild", "rollups_rebuild_and_fan_out",
    "rollups_refresh", "rollups_refresh_and_fan_out",
]
