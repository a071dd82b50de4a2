"""/healthz reports the database and the broker separately: the web process is
unhealthy (503) without its database, but only degraded (200, `broker: down`)
without Redis, because ratings still land in PostgreSQL then (test_redis_outage.py).

The first tests run in this process (any database); the last two start a real
gunicorn, one beside a dedicated redis-server that is then stopped, one whose
database address has nothing listening on it.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

from .support import Gunicorn, free_port, service_env, wait_until

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_with_database_and_broker_up(client, require_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-store" in response["Cache-Control"]


@override_settings(REDIS_URL="", CELERY_BROKER_URL="memory://")
def test_healthz_without_a_broker_says_tasks_run_in_process(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "embedded"}


def test_healthz_with_the_broker_down_is_200_and_says_so(client):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(REDIS_URL=nowhere, CELERY_BROKER_URL=nowhere):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "down"}


def test_healthz_with_the_database_down_is_503(client):
    with mock.patch("momento.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down" and response.json()["database"] == "down"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_server_reports_redis_stopping_and_coming_back(require_postgres, redis_server, stop_later, workdir):
    server = Gunicorn(workdir, service_env(redis_url=redis_server.url), workers=1)
    stop_later(server)
    server.start()
    assert server.request("GET", "/healthz") == (200, {"status": "ok", "database": "ok", "broker": "ok"})
    redis_server.stop()
    status, body = server.request("GET", "/healthz", timeout=15)
    assert (status, body) == (200, {"status": "degraded", "database": "ok", "broker": "down"})
    redis_server.start()
    wait_until(lambda: server.request("GET", "/healthz")[1].get("broker") == "ok", timeout=20,
               message="broker reported ok again")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_server_without_its_database_is_503(require_postgres, redis_server, stop_later, workdir):
    env = service_env(redis_url=redis_server.url,
                      DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/momento_nowhere")
    server = Gunicorn(workdir, env, workers=1)
    stop_later(server)
    server.start(ready_status=503)
    status, body = server.request("GET", "/healthz", timeout=15)
    assert (status, body) == (503, {"status": "down", "database": "down", "broker": "ok"})
