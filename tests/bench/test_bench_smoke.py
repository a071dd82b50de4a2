"""A small run of the benchmark: it works end to end and its counts are exact.

Speed is never asserted here; `make bench` reports it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_benchmark_smoke_run_counts_are_exact(require_postgres, require_redis, tmp_path):
    database = settings.DATABASES["default"]
    pg_url = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/postgres"
    output = tmp_path / "smoke.json"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    # A short debounce, so the mixed phase's markers are counted within its few seconds.
    env.update(BENCH_PG_URL=pg_url, BENCH_REDIS_URL=settings.REDIS_URL, MOMENTO_ROLLUP_DEBOUNCE_SECONDS="1")
    completed = subprocess.run(
        [sys.executable, "bench/run.py", "--ratings", "10000", "--requests", "10", "--clients", "2",
         "--workers", "4", "--repeat", "2", "--copy-rounds", "2", "--mixed-seconds", "6", "--output", str(output)],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(output.read_text())
    assert results["ingest"]["stored"] == 10000
    assert results["ingest"]["exact"] is True
    assert results["ingest"]["responses"]["created"] == 10000
    assert results["ingest"]["responses"]["errors"] == 0
    assert results["ingest"]["duplicates"] == 0
    # The two ceilings, COPYed in rounds from the same rows (each COPY's count is checked exact by the bench).
    assert len(results["ceiling"]["samples"]) == len(results["copy"]["vs_minimal_rounds"]) == 2
    assert results["ingest"]["vs_minimal_copy"] > 0 and results["copy"]["vs_minimal"] > 0
    assert results["raw_group_by"]["groups"] > 0
    assert results["pandas"]["groups"] == results["raw_group_by"]["groups"]
    assert results["incremental"]["new_ratings"] == 100
    for timed in (results["raw_group_by"], results["full_rebuild"], results["pandas"], results["incremental"]):
        assert len(timed["samples"]) == 2, "each timed job and baseline runs --repeat times; the median is reported"
    for ratios in (results["full_rebuild"]["vs_raw_group_by_rounds"], results["pandas"]["rebuild_speedup_rounds"],
                   results["incremental"]["vs_full_rebuild_rounds"]):
        assert len(ratios) == 2 and all(ratio > 0 for ratio in ratios), "one paired ratio per round"
    assert set(results["dashboard"]["statuses"]) == {"200"}
    assert set(results["heatmap_api"]["statuses"]) == {"200"}
    assert "| HTTP ingest" in completed.stdout
    mixed = results["mixed_load"]
    assert mixed["ingest"]["created"] > 0 and mixed["ingest"]["exact"] is True, mixed["ingest"]
    assert mixed["server_errors"] == 0
    assert mixed["dashboard"]["requests"] > 0 and set(mixed["dashboard"]["statuses"]) == {"200"}
    assert mixed["heatmap_api"]["requests"] > 0 and set(mixed["heatmap_api"]["statuses"]) == {"200"}
    assert mixed["readers_alone"]["dashboard"]["requests"] > 0
    freshness = mixed["freshness"]
    assert freshness["markers"] > 0 and freshness["counted"] == freshness["markers"], freshness
    assert mixed["worker_rss_mb"]["max"] > 0
    weights = results["page_weight"]
    if Path("/usr/bin/chromium").exists():
        assert weights["dashboard"]["bytes"] > 0 and weights["map_editor"]["bytes"] > 0, weights
    else:
        assert "skipped" in weights
