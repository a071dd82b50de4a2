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
    scan = results["alert_scan"]  # bench/alerts.py: the scan after each round's incremental refresh
    assert len(scan["samples"]) == 2 and len(scan["vs_incremental_rounds"]) == 2
    assert all(ratio > 0 for ratio in scan["vs_incremental_rounds"]) and scan["target"] == 0.2
    assert scan["open_alerts"] <= scan["alerts"]
    assert "| alert scan after it" in completed.stdout
    assert set(results["dashboard"]["statuses"]) == {"200"}
    assert set(results["heatmap_api"]["statuses"]) == {"200"}
    assert "| HTTP ingest" in completed.stdout
    _check_comments(results, completed.stdout)
    # The public survey page: every answer through real forms stored once, the page always 200.
    survey = results["survey"]
    assert survey["ratings_sent"] == 100 and survey["answered"] == 100 and survey["stored"] == 100, survey["errors"]
    assert survey["exact"] is True and survey["errors"] == {}
    assert set(survey["page_quiet"]["statuses"]) == {"200"}
    assert survey["rate_per_s"] > 0 and survey["post"]["rate_per_s"] > 0
    assert survey["api_single"]["stored"] == 100 and survey["post_vs_api_single"] > 0
    assert "| survey ratings/s, 8 clients" in completed.stdout
    drivers = results["key_drivers"]  # issue 18: 60 % of the ratings linked, customers of 3–6 moments
    assert 0.55 * 10000 < drivers["linked"] <= 0.6 * 10000 * 1.05
    assert 3 <= drivers["linked"] / drivers["customers"] <= 6
    for timed in (drivers["task"], drivers["whole_period"]):
        assert len(timed["samples"]) == 2 and len(timed["vs_full_rebuild_rounds"]) == 2
    assert "| key-driver task" in completed.stdout
    mixed = results["mixed_load"]
    assert mixed["ingest"]["created"] > 0 and mixed["ingest"]["exact"] is True, mixed["ingest"]
    assert mixed["server_errors"] == 0
    assert mixed["dashboard"]["requests"] > 0 and set(mixed["dashboard"]["statuses"]) == {"200"}
    assert mixed["heatmap_api"]["requests"] > 0 and set(mixed["heatmap_api"]["statuses"]) == {"200"}
    assert mixed["readers_alone"]["dashboard"]["requests"] > 0
    freshness = mixed["freshness"]
    assert freshness["markers"] > 0 and freshness["counted"] == freshness["markers"], freshness
    assert mixed["worker_rss_mb"]["max"] > 0
    # As docker-compose runs it: the ratings through an ingest server of their own, the reads through the pages'.
    assert results["settings"]["web"] == "split" and results["settings"]["gunicorn_workers"] == [4, 4]
    assert mixed["cpu_seconds"]["web_ingest"] > 0 and mixed["cpu_seconds"]["web"] > 0, mixed["cpu_seconds"]
    weights = results["page_weight"]
    if Path("/usr/bin/chromium").exists():
        assert weights["dashboard"]["bytes"] > 0 and weights["map_editor"]["bytes"] > 0, weights
    else:
        assert "skipped" in weights


def _check_comments(results: dict, console: str) -> None:
    """30 % of the ratings carry comments that give insights something to find,
    and the run reports what term counting and insights cost in each job."""
    comments = results["comments"]
    assert 0.27 < comments["share"] < 0.33
    assert comments["distinct_texts"] > 500, "the pool's texts vary: openers, closers, numbers, both languages"
    assert comments["term_count_rows"] > 0 and comments["term_form_rows"] > 0
    assert comments["critical_moments"] == len(comments["top_terms"]) > 0
    bag_words = {"maleta", "maletas", "equipaje", "suitcase", "bag", "bags", "luggage"}
    assert bag_words & set(comments["top_terms"]["Baggage claim"]), comments["top_terms"]
    for job in ("full_rebuild", "incremental"):
        parts = results[job]["parts"]
        for part in ("terms", "insights", "snapshots"):
            assert len(parts[part]["samples"]) == 2, "one figure per round, taken in the job's own run"
            assert all(0 < share < 1 for share in parts[part]["share_rounds"]), (job, part, parts[part])
        assert 0 < parts["snapshots"]["without_insights_seconds"] < parts["snapshots"]["seconds"]
    assert set(results["dashboard_without_insights"]["statuses"]) == {"200"}
    assert "| comments" in console and "incremental: insights" in console
