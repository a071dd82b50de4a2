"""/healthz: what a load balancer or `docker compose` asks before sending traffic.

The database and the broker are reported separately because they fail
differently. Without PostgreSQL the web process can do nothing useful: 503,
so the orchestrator takes it out of rotation. Without Redis it still stores
every rating (only the rollup refresh and the rate limiter's cache degrade,
see docs/reliability.md): 200 with `broker: down`, so an outage of Redis
does not also take the web tier down, while monitoring still sees it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# A probe must answer within the orchestrator's timeout (docker-compose: 5 s)
# even when Redis is unreachable.
BROKER_TIMEOUT_SECONDS = 1.0


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("healthz: database unreachable: %s", error)
        return "down"
    return "ok"


def broker_status() -> str:
    """"ok" or "down" for a Redis broker; "embedded" when tasks run in-process (no REDIS_URL)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "embedded"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
                                      socket_timeout=BROKER_TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.exceptions.RedisError, OSError) as error:
        logger.warning("healthz: broker unreachable: %s", error)
        return "down"
    return "ok"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_status()
    broker = broker_status()
    if database != "ok":
        overall, status = "down", 503
    elif broker == "down":
        overall, status = "degraded", 200
    else:
        overall, status = "ok", 200
    return JsonResponse({"status": overall, "database": database, "broker": broker}, status=status)
