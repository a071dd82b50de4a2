"""The bench's comments (30 % of its ratings) and what comment analysis costs.

Comments: the airline demo's customers' words (`touchpoints.demo_comments`:
each touchpoint's own complaints and praise, in Spanish and English, now and
then both in one comment) composed into a pool of `POOL_SIZE` texts per
touchpoint × (dissatisfied or not), once per process; a rating's comment is a
number drawn with numpy (`Comments.code`, 0 = none), so generating 10⁷
ratings builds no Python object per rating. Unhappy customers write more often
than happy ones, and in all `COMMENT_SHARE` of the ratings carry a comment.

Cost: each timed worker job (`bench/run.py`'s `WorkerJob`) gets `WORKER_SETUP`,
which wraps the term counting of the rollups' pass (`terms_upsert_range`,
`terms_delete`), the snapshots (`heatmaps_refresh_cycle`) and their insights
part (`_add_insights`) with timers that write one line per call into a file
of the worker's. `timed(job)` reads the lines of each run, so every share is
taken in the very run it divides (the machine's speed drifts between runs).
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

COMMENT_SHARE = 0.30
# Relative chance that a dissatisfied customer writes, against a satisfied one.
DISSATISFIED_WEIGHT = 2.0
POOL_SIZE = 400


# --- comments ------------------------------------------------------------------------


def _copy_escaped(text: str) -> str:
    """A value in COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class Pool:
    """Texts by code (0 = no comment); block 2·i + dissatisfied holds touchpoint i's."""

    touchpoint_ids: np.ndarray  # sorted
    texts: tuple[str, ...]
    copy_texts: tuple[str, ...]


@functools.cache
def pool(touchpoint_ids: tuple[int, ...]) -> Pool:
    """`POOL_SIZE` comments per touchpoint and satisfaction, from the demo's phrases
    (by the touchpoint's name), drawn from a fixed seed: the same texts every run."""
    import numpy as np

    from touchpoints.demo_comments import demo_comment
    from touchpoints.models import Touchpoint

    ids = sorted(touchpoint_ids)
    names = dict(Touchpoint.objects.filter(pk__in=ids).values_list("pk", "name"))
    texts = [""]
    for touchpoint_id in ids:
        for dissatisfied in (False, True):
            rng = random.Random(f"bench-comments-{names[touchpoint_id]}-{dissatisfied}")
            block: list[str] = []
            while len(block) < POOL_SIZE:
                comment = demo_comment(rng, touchpoint=names[touchpoint_id], dissatisfied=dissatisfied)
                if comment:  # the demo leaves some ratings silent; here the draw decides
                    block.append(comment)
            texts.extend(block)
    return Pool(np.array(ids), tuple(texts), tuple(_copy_escaped(text) for text in texts))


@dataclass(frozen=True)
class Comments:
    """The comment column of a dataset: a code per rating into its pool."""

    code: np.ndarray
    pool: Pool

    def text(self, index: int) -> str:
        return self.pool.texts[self.code[index]]

    def copy_text(self, index: int) -> str:
        return self.pool.copy_texts[self.code[index]]


def draw(*, touchpoint_id: np.ndarray, dissatisfied: np.ndarray, seed: int) -> Comments:
    """Comments for these ratings, in columns: about `COMMENT_SHARE` of them get one
    of their touchpoint's texts for their satisfaction. Its own random stream, so
    the ratings' other columns are what they were without comments."""
    import numpy as np

    texts = pool(tuple(int(value) for value in np.unique(touchpoint_id)))
    n = len(touchpoint_id)
    rng = np.random.default_rng([seed, 15])
    weight = np.where(dissatisfied, DISSATISFIED_WEIGHT, 1.0)
    chance = np.minimum(1.0, COMMENT_SHARE * weight / weight.mean()) if n else weight
    block = np.searchsorted(texts.touchpoint_ids, touchpoint_id) * 2 + dissatisfied.astype(np.int64)
    code = 1 + block * POOL_SIZE + rng.integers(0, POOL_SIZE, n)
    code[rng.random(n) >= chance] = 0
    return Comments(code=code.astype(np.int32), pool=texts)


def figures(*, cycle_id: int, results: dict) -> dict[str, Any]:
    """What comment analysis holds after the rounds (comments, counted terms, the
    words the default snapshot found for each critical moment) and what it cost:
    the rollups' rebuild without its term counting beside the floor and pandas
    (both compute rollups only), per round."""
    from django.db import connection

    from analytics.models import HeatmapSnapshot, TermCount, TermForm
    from touchpoints.models import Rating

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), count(*) FILTER (WHERE comment <> ''), "
                       f"count(DISTINCT comment) FILTER (WHERE comment <> '') FROM {Rating._meta.db_table}")
        ratings, with_comment, distinct = cursor.fetchone()
        sizes = {}
        for model in (TermCount, TermForm):
            cursor.execute("SELECT count(*), pg_total_relation_size(%s) FROM " + model._meta.db_table,
                           [model._meta.db_table])
            sizes[model.__name__] = cursor.fetchone()
    snapshot = HeatmapSnapshot.objects.filter(cycle_id=cycle_id).order_by("-computed_at").first()
    critical = snapshot.data.get("critical_moments", []) if snapshot else []
    return {
        "ratings": ratings, "with_comment": with_comment, "share": round(with_comment / ratings, 4),
        "distinct_texts": distinct,
        "term_count_rows": sizes["TermCount"][0], "term_count_mb": round(sizes["TermCount"][1] / 2**20, 1),
        "term_form_rows": sizes["TermForm"][0],
        "critical_moments": len(critical),
        "top_terms": {item["name"]: [term["term"] for term in item.get("insights", {}).get("terms", [])[:4]]
                      for item in critical},
        **_rollups_without_terms(results),
    }


def _rollups_without_terms(results: dict) -> dict[str, Any]:
    rebuild = results["full_rebuild"]
    terms = rebuild.get("rollups_only_parts", {}).get("terms")
    if not terms:
        return {}
    without = [total - part for total, part in zip(rebuild["rollups_only_samples"], terms["samples"], strict=True)]
    floor = results["raw_group_by"]["samples"]
    figures: dict[str, Any] = {
        "rebuild_without_terms_seconds": round(statistics.median(without), 4),
        "rebuild_without_terms_vs_raw_group_by": round(statistics.median(
            [seconds / floor_seconds for seconds, floor_seconds in zip(without, floor, strict=True)]), 3),
    }
    if "pandas" in results:
        figures["pandas_vs_rebuild_without_terms"] = round(statistics.median(
            [pandas / seconds for pandas, seconds in zip(results["pandas"]["samples"], without, strict=True)]), 2)
    return figures


def ratings_analyze() -> None:
    """Gather the ratings' statistics, as autovacuum does after a load this size
    (bench servers may run without it). The plan of the insights' examples, the
    newest ratings of each touchpoint along its index, rests on them: a table
    never analysed looks empty to the planner, which then reads every rating of
    the touchpoint's period to sort them."""
    from django.db import connection

    from touchpoints.models import Rating

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Rating._meta.db_table}")


def without_insights(*, cycle_id: int, measure: Callable[[], dict]) -> dict:
    """`measure()` (the dashboard's latency) again with the insights taken out of the
    cycle's snapshots, then put back: what the words and verbatims add to a page,
    measured minutes rather than runs apart from the figure with them."""
    from analytics.models import HeatmapSnapshot

    snapshots = list(HeatmapSnapshot.objects.filter(cycle_id=cycle_id).values_list("pk", "data"))
    try:
        for pk, data in snapshots:
            critical = [{key: value for key, value in item.items() if key != "insights"}
                        for item in data.get("critical_moments", [])]
            HeatmapSnapshot.objects.filter(pk=pk).update(data={**data, "critical_moments": critical})
        return measure()
    finally:
        for pk, data in snapshots:
            HeatmapSnapshot.objects.filter(pk=pk).update(data=data)


# --- timing the parts of a worker's job ------------------------------------------------

# Run in each worker job's setup, after its imports, in the job's namespace.
WORKER_SETUP = "from bench.comments import part_timers_install; part_timers_install(globals())"
PARTS = {"terms": ("analytics.services.refresh", ("terms_upsert_range", "terms_delete")),
         "insights": ("analytics.services.snapshots", ("_add_insights",)),
         "snapshots": ("analytics.services.snapshots", ("heatmaps_refresh_cycle",))}


def _parts_file(bench_pid: int, worker_pid: int) -> Path:
    return Path(tempfile.gettempdir()) / f"momento-bench-parts-{bench_pid}" / f"{worker_pid}.jsonl"


def part_timers_install(namespace: dict[str, Any]) -> None:
    """In a worker: time each call of the functions in `PARTS` into this worker's
    file (one line per call), and rebind the job's own names to the timed ones."""
    import importlib

    import analytics.services

    path = _parts_file(os.getppid(), os.getpid())
    path.parent.mkdir(exist_ok=True)
    out = path.open("a", buffering=1, encoding="utf-8")  # lives as long as the worker

    def timer(part: str, function):
        @functools.wraps(function)
        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                out.write(json.dumps([part, time.perf_counter() - started]) + "\n")
        return timed_call

    for part, (module_name, names) in PARTS.items():
        module = importlib.import_module(module_name)
        for name in names:
            timed_function = timer(part, getattr(module, name))
            setattr(module, name, timed_function)
            if hasattr(analytics.services, name):
                setattr(analytics.services, name, timed_function)
            if name in namespace:
                namespace[name] = timed_function


class TimedJob:
    """A `WorkerJob` whose runs also report the seconds of their parts."""

    def __init__(self, job):
        self.job = job
        self.path = _parts_file(os.getpid(), job.process.pid)
        self.offset = self.path.stat().st_size if self.path.exists() else 0  # the warm-up's lines are not a run's
        self.rounds: list[dict[str, float]] = []

    @property
    def process(self):
        return self.job.process

    def run(self) -> float:
        seconds = self.job.run()
        parts: dict[str, float] = {"seconds": seconds}
        if self.path.exists():
            with self.path.open(encoding="utf-8") as lines:
                lines.seek(self.offset)
                for line in lines:
                    part, part_seconds = json.loads(line)
                    parts[part] = parts.get(part, 0.0) + part_seconds
                self.offset = lines.tell()
        self.rounds.append(parts)
        return seconds

    def close(self) -> dict:
        return {**self.job.close(), "parts": parts_summary(self.rounds)}


def timed(job) -> TimedJob:
    _clean_at_exit()
    return TimedJob(job)


@functools.cache
def _clean_at_exit() -> None:
    atexit.register(shutil.rmtree, _parts_file(os.getpid(), 0).parent, ignore_errors=True)


def parts_summary(rounds: list[dict[str, float]]) -> dict[str, Any]:
    """Per part: median seconds and the median of its per-round share of the job
    (and the insights' share of the snapshots), with every round's figure."""
    summary: dict[str, Any] = {}
    names = sorted({name for parts in rounds for name in parts} - {"seconds"})
    for name in names:
        seconds = [parts.get(name, 0.0) for parts in rounds]
        shares = [parts.get(name, 0.0) / parts["seconds"] for parts in rounds]
        summary[name] = {"seconds": round(statistics.median(seconds), 4), "samples": [round(x, 4) for x in seconds],
                         "share": round(statistics.median(shares), 3), "share_rounds": [round(x, 3) for x in shares]}
    if "snapshots" in summary and "insights" in summary:
        shares = [parts.get("insights", 0.0) / parts["snapshots"] for parts in rounds if parts.get("snapshots")]
        summary["insights"]["share_of_snapshots"] = round(statistics.median(shares), 3)
        summary["insights"]["share_of_snapshots_rounds"] = [round(x, 3) for x in shares]
        without = [parts["snapshots"] - parts.get("insights", 0.0) for parts in rounds]
        summary["snapshots"]["without_insights_seconds"] = round(statistics.median(without), 4)
    return summary


# --- the console table ------------------------------------------------------------------


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    """Rows for `bench/run.py`'s table: comments, and insights' part of each job."""
    comments = results.get("comments")
    if not comments:
        return []
    rows = [("comments", f"{comments['with_comment']:,}",
             (f"{comments['share']:.0%} of ratings; {comments['distinct_texts']:,} distinct; "
              f"{comments['term_count_rows']:,} term rows ({comments['term_count_mb']} MB)"))]
    rebuild, incremental = results["full_rebuild"], results["incremental"]
    terms = rebuild.get("rollups_only_parts", {}).get("terms")
    if terms and "rebuild_without_terms_seconds" in comments:
        pandas = (f"; pandas takes {comments['pandas_vs_rebuild_without_terms']}× as long"
                  if "pandas_vs_rebuild_without_terms" in comments else "")
        rows.append(("  rebuild: term counting", f"{terms['seconds']:.3f} s",
                     (f"{terms['share']:.0%} of the rollups' rebuild; without it "
                      f"{comments['rebuild_without_terms_seconds']:.3f} s = "
                      f"{comments['rebuild_without_terms_vs_raw_group_by']} × GROUP BY{pandas}")))
    for label, job in (("rebuild + heatmaps", rebuild), ("incremental", incremental)):
        parts = job.get("parts", {})
        if "terms" in parts and "insights" in parts:
            terms, insights = parts["terms"], parts["insights"]
            rows.append((f"  {label}: insights", f"{terms['seconds'] + insights['seconds']:.3f} s",
                         (f"term counting {terms['seconds']:.3f} s ({terms['share']:.0%}) + "
                          f"snapshot insights {insights['seconds']:.3f} s ({insights['share']:.0%})")))
    snapshots = incremental.get("parts", {}).get("snapshots")
    if snapshots and "insights" in incremental["parts"]:
        rows.append(("snapshots after 1 %", f"{snapshots['seconds']:.3f} s",
                     (f"without insights {snapshots['without_insights_seconds']:.3f} s; insights "
                      f"{incremental['parts']['insights']['share_of_snapshots']:.0%} of it")))
    without = results.get("dashboard_without_insights")
    if without:
        rows.append(("dashboard without insights", f"{without['p50_ms']} / {without['p95_ms']} ms",
                     "the same snapshots with their words and verbatims taken out, measured right after"))
    return rows
