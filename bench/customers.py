"""Bench phase of issue 18: linked customers and the key-driver task.

After the HTTP ingest, 60 % of the bench's ratings are linked to customers, each
customer rating 3 to 6 different moments (a numpy draw, written with COPY and one
UPDATE … FROM, then `VACUUM FULL` so the ratings table the other measures scan is
as compact as before). Then, in the bench's rounds, a worker-like process times
the key-driver task (`key_drivers_refresh_cycle`: the default view, the last 8
weeks) and the same aggregate over the whole 26 weeks, each against the full
rollup rebuild of the same round (target ≤ 1×).

`run.py` calls: `KeyDriverPhase(...)` once the ratings are stored, `round()` after
each round's rollup rebuild, `close()` for the results, `table_rows()` for the table.
"""

from __future__ import annotations

import io
import statistics
from typing import Any

LINKED_SHARE = 0.6
MOMENTS_PER_CUSTOMER = (3, 6)


def link_customers(*, dataset, organization_id: int, seed: int = 18) -> dict[str, int]:
    """Give 60 % of the dataset's ratings (by external_id) to customers of 3–6 moments each."""
    import numpy as np
    from django.db import connection

    from touchpoints.models import Touchpoint

    rng = np.random.default_rng(seed)
    moment_of = dict(Touchpoint.objects.filter(organization_id=organization_id).values_list("pk", "moment_id"))
    moments = np.array([moment_of[int(tp)] for tp in dataset.touchpoint_id])
    chosen = np.flatnonzero(rng.random(dataset.n) < LINKED_SHARE)
    queues = {moment: list(rng.permutation(chosen[moments[chosen] == moment])) for moment in np.unique(moments)}
    customer_of: list[tuple[int, int]] = []  # (dataset index, customer number)
    customers = 0
    while True:
        open_moments = [moment for moment, queue in queues.items() if queue]
        if len(open_moments) < MOMENTS_PER_CUSTOMER[0]:
            break
        size = min(len(open_moments), int(rng.integers(MOMENTS_PER_CUSTOMER[0], MOMENTS_PER_CUSTOMER[1] + 1)))
        customers += 1
        for moment in rng.choice(open_moments, size=size, replace=False):
            customer_of.append((int(queues[moment].pop()), customers))
    keys = io.StringIO("".join(f"{number}\t{organization_id}\t{number:064x}\n" for number in range(1, customers + 1)))
    links = io.StringIO("".join(f"{dataset.prefix}-{index}\t{number}\n" for index, number in customer_of))
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg:
            pg.copy_expert("COPY touchpoints_customer (id, organization_id, key) FROM STDIN", keys)
            pg.execute("SELECT setval('touchpoints_customer_id_seq', %s)", [customers])
            pg.execute("CREATE TEMPORARY TABLE bench_link (external_id varchar(128), customer_id bigint)")
            pg.copy_expert("COPY bench_link FROM STDIN", links)
            pg.execute("UPDATE touchpoints_rating r SET customer_id = l.customer_id FROM bench_link l "
                        "WHERE r.organization_id = %s AND r.external_id = l.external_id", [organization_id])
            linked = pg.rowcount
            pg.execute("DROP TABLE bench_link")
        raw.commit()
        # The UPDATE left a dead version of every linked row: rewrite the table so the
        # rebuild, the floor and pandas scan what they scanned before.
        cursor.execute("VACUUM FULL ANALYZE touchpoints_rating")
    return {"customers": customers, "linked": linked}


class KeyDriverPhase:
    """The linked customers and the two timed key-driver jobs, paired with the rebuild."""

    def __init__(self, *, env: dict[str, str], dataset, organization_id: int, cycle_id: int, worker_job,
                 weeks: int, log):
        log(f"linking {LINKED_SHARE:.0%} of the ratings to customers of 3–6 moments each")
        self.link = link_customers(dataset=dataset, organization_id=organization_id)
        log(f"{self.link['linked']:,} ratings linked to {self.link['customers']:,} customers")
        setup = (
            # A worker that has fitted a model before has statsmodels imported.
            "import statsmodels.genmod.generalized_linear_model\n"
            "from analytics.services import key_drivers_refresh_cycle, DriversView\n"
            "from analytics.services.drivers import key_drivers_data_build\n"
            "from analytics.services.drivers import default_view\n"
            "from analytics.services.snapshots import cycle_structure\n"
            "from analytics.periods import last_weeks, local_today\n"
            "from journeys.models import ServiceCycle\n"
            f"cycle = ServiceCycle.objects.select_related('organization').get(pk={cycle_id})\n"
            "structure = cycle_structure(cycle=cycle, dimension='weeks')\n"
            f"whole = DriversView(outcome=default_view(cycle=cycle, structure=structure).outcome, "
            f"period=last_weeks(weeks={weeks + 1}, today=local_today(cycle.timezone)))\n"
        )
        task = f"key_drivers_refresh_cycle(cycle_id={cycle_id})"
        # Computed, not stored: a stored view would be warm, and the task would recompute it too.
        whole = "key_drivers_data_build(cycle=cycle, view=whole, structure=structure)"
        self.task_job = worker_job(env, task, setup=setup, warmup=task)
        self.whole_job = worker_job(env, whole, setup=setup, warmup=whole)
        self.task_vs_rebuild: list[float] = []
        self.whole_vs_rebuild: list[float] = []

    def round(self, rebuild_seconds: float) -> None:
        """Time both jobs once, against this round's full rollup rebuild."""
        self.task_vs_rebuild.append(self.task_job.run() / rebuild_seconds)
        self.whole_vs_rebuild.append(self.whole_job.run() / rebuild_seconds)

    def close(self) -> dict[str, Any]:
        task, whole = self.task_job.close(), self.whole_job.close()
        return {
            **self.link,
            "task": {**task, "vs_full_rebuild": round(statistics.median(self.task_vs_rebuild), 3),
                     "vs_full_rebuild_rounds": [round(x, 3) for x in self.task_vs_rebuild]},
            "whole_period": {**whole, "vs_full_rebuild": round(statistics.median(self.whole_vs_rebuild), 3),
                             "vs_full_rebuild_rounds": [round(x, 3) for x in self.whole_vs_rebuild]},
        }


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The key-driver lines of the bench's table."""
    drivers = results.get("key_drivers")
    if not drivers:
        return []
    task, whole = drivers["task"], drivers["whole_period"]
    return [
        ("linked customers", f"{drivers['customers']:,}", f"{drivers['linked']:,} ratings linked (60 %)"),
        ("key-driver task (8 weeks)", f"{task['seconds']:.3f} s",
         f"{task['vs_full_rebuild']} × rollup rebuild; peak RSS {task['peak_rss_mb']:.0f} MB"),
        ("key drivers, all 26 weeks", f"{whole['seconds']:.3f} s", f"{whole['vs_full_rebuild']} × rollup rebuild"),
    ]
