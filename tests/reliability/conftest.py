"""Fixtures of the reliability suite: a dedicated Redis, process cleanup, and
PostgreSQL fault triggers that are installed for one test and always removed."""

from __future__ import annotations

import shutil

import pytest
from django.db import connection

from tests.conftest import skip_or_fail

from .support import RedisServer


@pytest.fixture
def require_redis_server():
    if not shutil.which("redis-server"):
        skip_or_fail("needs the redis-server binary (apt-get install redis-server) for a dedicated Redis")


@pytest.fixture
def workdir(tmp_path):
    """Logs of the processes a test starts (shown when one fails to start)."""
    return tmp_path


@pytest.fixture
def redis_server(require_redis_server, workdir):
    """A redis-server of this test only, on a free 127.0.0.1 port (never the shared one)."""
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stop_later():
    """Processes registered here are stopped (in reverse order) when the test ends,
    before pytest-django flushes the database."""
    processes = []
    yield processes.append
    for process in reversed(processes):
        process.stop()


FAULT_FUNCTIONS = """
CREATE TABLE IF NOT EXISTS reliability_fault (name text PRIMARY KEY, armed boolean NOT NULL DEFAULT false);
-- Statement-level: sleep after the statement wrote its rows, while its transaction is open.
CREATE OR REPLACE FUNCTION reliability_fault_pause() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM reliability_fault WHERE name = TG_ARGV[0] AND armed) THEN
    PERFORM pg_sleep(TG_ARGV[1]::float);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
-- Row-level, before insert: sleep when the row's external_id is armed (mid-batch).
CREATE OR REPLACE FUNCTION reliability_fault_pause_row() RETURNS trigger AS $$
BEGIN
  IF NEW.external_id IS NOT NULL
     AND EXISTS (SELECT 1 FROM reliability_fault WHERE name = NEW.external_id AND armed) THEN
    PERFORM pg_sleep(TG_ARGV[0]::float);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


class Faults:
    """Arm and disarm pauses inside PostgreSQL, so a worker or a request can be
    caught in the middle of its transaction without any hook in product code."""

    def __init__(self):
        self.triggers: list[tuple[str, str]] = []

    def _execute(self, sql: str, params=None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def pause_after_statement(self, *, name: str, table: str, events: str = "INSERT", seconds: float = 60) -> None:
        trigger = f"reliability_{name}"
        self._execute(f"CREATE TRIGGER {trigger} AFTER {events} ON {table} FOR EACH STATEMENT "
                      f"EXECUTE FUNCTION reliability_fault_pause('{name}', '{float(seconds)}')")
        self.triggers.append((trigger, table))
        self._execute("INSERT INTO reliability_fault (name, armed) VALUES (%s, false) ON CONFLICT DO NOTHING", [name])

    def pause_before_row(self, *, table: str, seconds: float = 60) -> None:
        trigger = "reliability_row_pause"
        self._execute(f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} FOR EACH ROW "
                      f"EXECUTE FUNCTION reliability_fault_pause_row('{float(seconds)}')")
        self.triggers.append((trigger, table))

    def arm(self, name: str) -> None:
        self._execute("INSERT INTO reliability_fault (name, armed) VALUES (%s, true) "
                      "ON CONFLICT (name) DO UPDATE SET armed = true", [name])

    def disarm(self, name: str) -> None:
        self._execute("UPDATE reliability_fault SET armed = false WHERE name = %s", [name])

    def paused_backends(self) -> list[int]:
        """Backends of this database (other than ours) sleeping in a fault pause."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND wait_event = 'PgSleep'"
            )
            return [row[0] for row in cursor.fetchall()]

    def terminate(self, pid: int) -> None:
        self._execute("SELECT pg_terminate_backend(%s)", [pid])

    def cleanup(self) -> None:
        self._execute("UPDATE reliability_fault SET armed = false")
        for pid in self.paused_backends():
            self.terminate(pid)
        for trigger, table in self.triggers:
            self._execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        self._execute("DROP TABLE IF EXISTS reliability_fault")


@pytest.fixture
def faults(require_postgres, transactional_db):
    """Fault triggers for one test. Also makes PostgreSQL notice a client that
    died mid-query within a second (client_connection_check_interval), as a
    production server should be configured to, instead of finishing its sleep."""
    with connection.cursor() as cursor:
        cursor.execute(FAULT_FUNCTIONS)
        cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET client_connection_check_interval = 1000')
    helper = Faults()
    try:
        yield helper
    finally:
        helper.cleanup()
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" RESET client_connection_check_interval')
