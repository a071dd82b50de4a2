"""gunicorn's settings for Momento, read from the working directory by default
(`gunicorn momento.wsgi` in the project folder, the Docker image, docker-compose,
`make bench`). Options given on the command line win (`--workers 3`).

How many workers: REST clients send batches of up to 5,000 ratings, and a batch
keeps a (sync) worker for a good part of a second, mostly waiting for
PostgreSQL. A dashboard request that arrives while every worker holds a batch
waits for one of them to finish: with 3 workers and 4 clients ingesting, that
wait was most of the dashboard's time under load (`make bench`, mixed-load
phase). So there is a worker for each of 4 clients pushing batches at once on
top of gunicorn's usual 2 × cores + 1 for everything else. `WEB_CONCURRENCY`
sets the number outright (more clients ingesting at once: add one each).

Sync workers rather than threads: a page's short queries, each giving up and
then waiting to get back Python's interpreter lock from a thread busy
validating a batch, took several times longer than in a process of its own
(measured: the heatmap API's median under mixed load went from 47 to 177 ms).

Roles (`MOMENTO_WEB_ROLE`): one server may serve everything (`all`, the
default, sized as above), or two servers split the work behind a proxy that
sends the REST clients' ratings (`POST /api/v1/ratings/…`) to one and the rest
to the other (docker-compose.yml, `proxy`). The `ingest` server has a worker
for each of the 4 clients plus one, and runs at a lower CPU priority
(`MOMENTO_WEB_NICE`, default 10 for it, 0 otherwise): while batches arrive all
day, a page or a heatmap read gets the CPU first instead of waiting behind
them, and the batches take what the pages leave (`make bench`, mixed load).
The `pages` server has 2 × cores + 1 workers.
"""

import gc
import os

CONCURRENT_INGEST_CLIENTS = 4
ROLES = ("all", "pages", "ingest")

role = os.environ.get("MOMENTO_WEB_ROLE") or "all"
if role not in ROLES:
    raise ValueError(f"MOMENTO_WEB_ROLE must be one of {', '.join(ROLES)}, not {role!r}")
_pages_workers = 2 * (os.cpu_count() or 1) + 1
_default_workers = {"all": _pages_workers + CONCURRENT_INGEST_CLIENTS, "pages": _pages_workers,
                    "ingest": CONCURRENT_INGEST_CLIENTS + 1}[role]
workers = int(os.environ.get("WEB_CONCURRENCY") or _default_workers)
# How much lower than normal this server's processes run (0 to 19; Linux "nice").
nice = int(os.environ.get("MOMENTO_WEB_NICE") or (10 if role == "ingest" else 0))
if not 0 <= nice <= 19:
    raise ValueError(f"MOMENTO_WEB_NICE must be between 0 and 19, not {nice}")
worker_class = "sync"
timeout = 60
# Django is imported once, before the workers fork: they start at once and
# share the imported code's memory (nothing connects to a database on import).
preload_app = True


def pre_fork(server, worker):
    """Freeze what the preloaded master holds (Django, the app, its imports) before
    each fork: the workers' garbage collector then never walks those objects again.
    A batch of 5,000 ratings makes tens of thousands of objects, enough for full
    collections that each walked every object Django made at start-up: freezing
    took about 3 µs of CPU per rating off ingestion (`make bench`), and it keeps
    the shared pages shared (Python's documentation of gc.freeze)."""
    gc.freeze()


def on_starting(server):
    """Lower the master's priority before it forks its workers: they inherit it."""
    if nice:
        os.nice(nice)
