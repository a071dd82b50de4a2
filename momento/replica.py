"""Reads that may come from a PostgreSQL streaming replica.

With `DATABASE_REPLICA_URL` set, settings add a `replica` database and this
module's router. Nothing reads from it unless the code says so: dashboards, the
heatmap and critical-moments API, exports and reports run inside
`replica_reads()` (a decorator for views, a context manager for services and
tasks); every write, and every read outside such a block (ingest answers, the
editor, reviews, sign-in, sessions, access checks), uses the primary. So a page
that must see its own write is never served stale by accident.

Entering `replica_reads()` asks the replica one question: how far behind is it?
That is also the health check: a replica that does not answer is skipped (the
reads go to the primary, logged), so a lost replica degrades speed, never pages.
A browser that has just written something (any unsafe request) is pinned to the
primary for `MOMENTO_REPLICA_PIN_SECONDS`, so it reads its own write even while
the replica lags (`PrimaryPinMiddleware`).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "momento_primary"

# Seconds since the replica last applied a transaction, when it has received WAL
# it has not replayed yet; 0 when it has replayed (about) all it received. An idle
# primary sends nothing, which is not lag. The slack absorbs the bytes by which the
# received position can stay ahead of the last replayed record on an idle primary
# (page headers, the tail of a flush), which would otherwise read as growing lag.
REPLAY_SLACK_BYTES = 16384
LAG_SQL = f"""
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) <= {REPLAY_SLACK_BYTES} THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
END
"""


@dataclass(frozen=True)
class ReplicaState:
    alias: str
    lag_seconds: float


_state: contextvars.ContextVar[ReplicaState | None] = contextvars.ContextVar("momento_replica", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float | None:
    """The lag measured when the current `replica_reads()` block began; None when
    its reads go to the primary (no replica, pinned, or replica unreachable)."""
    state = _state.get()
    return state.lag_seconds if state and state.alias == REPLICA else None


def replica_lag_shown() -> float | None:
    """The lag, when it is large enough to tell the reader (MOMENTO_REPLICA_LAG_WARNING_SECONDS)."""
    lag = replica_lag_seconds()
    return lag if lag is not None and lag > settings.MOMENTO_REPLICA_LAG_WARNING_SECONDS else None


def _measure_lag() -> float | None:
    """The replica's lag in seconds, or None when it does not answer (then forget
    the broken connection, so the next request connects afresh)."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
        return float(lag or 0)
    except DatabaseError as error:
        logger.warning("the read replica does not answer (%s): reading from the primary", str(error).strip())
        try:
            connection.close()
        except DatabaseError:
            logger.debug("closing the broken replica connection failed", exc_info=True)
        return None


@contextmanager
def replica_reads(*, pinned: bool = False) -> Iterator[None]:
    """Reads inside go to the replica when there is a healthy one (see the module's
    docstring); `pinned` keeps them on the primary. A decorator too: `@replica_reads()`."""
    if _state.get() is not None:  # nested: the outer block decided already
        yield
        return
    lag = None if pinned or not replica_configured() else _measure_lag()
    token = _state.set(ReplicaState(alias=REPLICA if lag is not None else "default", lag_seconds=lag or 0.0))
    try:
        yield
    finally:
        _state.reset(token)


def read_alias_for(request: HttpRequest) -> str:
    """The database a long read of this request should use (`.using()`), for reads
    that outlive the view, such as a streamed export: `replica` when it is
    configured, answers and this browser is not pinned to the primary."""
    if PIN_COOKIE in request.COOKIES or not replica_configured():
        return "default"
    return REPLICA if _measure_lag() is not None else "default"


def replica_reads_for(request: HttpRequest) -> AbstractContextManager[None]:
    """`replica_reads()` for a request: on the primary when this browser has just
    written something (the pin cookie). Views check access first, on the primary
    (a revoked membership takes effect at once), then read their figures in here."""
    return replica_reads(pinned=PIN_COOKIE in request.COOKIES)


class ReplicaRouter:
    """Reads go to the replica only inside `replica_reads()`; writes, migrations and
    everything else to the primary (`default`)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        state = _state.get()
        return state.alias if state is not None else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data: an object read from the replica may be
        # saved through the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == "default"


class PrimaryPinMiddleware:
    """After a browser writes (POST, PUT, PATCH, DELETE), its reads stay on the
    primary for MOMENTO_REPLICA_PIN_SECONDS: it sees its own change at once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if replica_configured() and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.MOMENTO_REPLICA_PIN_SECONDS,
                                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
        return response
