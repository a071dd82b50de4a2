"""A real PostgreSQL streaming replica of the test cluster on 127.0.0.1:5433.

`pg_basebackup` copies the running cluster (with the test database in it) into a
temporary folder, writes the standby settings (-R), and `pg_ctl` starts it as a
hot standby that streams from the primary. Stopped and removed by the fixture.
Needs the primary to accept replication connections from 127.0.0.1 (`.ci/run`
adds that line to pg_hba.conf when it is missing) and the server binaries.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
from django.db import connection

PORT = 5433
SLOT_PREFIX = "momento_test_replica_"
# Settings a hot standby must have at least as high as its primary.
MATCHED = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
           "max_locks_per_transaction")


class ReplicaUnavailable(RuntimeError):
    """The cluster or this machine cannot give a replica (says what to fix)."""


def _as_postgres(command: list[str]) -> list[str]:
    # The server refuses to run as root; CI runs the suite as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _primary_settings() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s) OR name = 'server_version_num'",
                       [list(MATCHED)])
        return dict(cursor.fetchall())


class StreamingReplica:
    def __init__(self) -> None:
        settings = _primary_settings()
        major = int(settings.pop("server_version_num")) // 10000
        self.bin = Path(f"/usr/lib/postgresql/{major}/bin")
        if not (self.bin / "pg_basebackup").exists():
            raise ReplicaUnavailable(f"no PostgreSQL {major} server binaries in {self.bin}")
        self.primary = connection.settings_dict
        self.matched = settings
        self.directory = Path(tempfile.mkdtemp(prefix="momento-replica-"))
        self.data = self.directory / "data"
        self.log = self.directory / "replica.log"
        self.slot = f"{SLOT_PREFIX}{os.getpid()}"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{PORT}/{database}"

    def connect(self, database: str):
        replica = psycopg2.connect(host="127.0.0.1", port=PORT, user="postgres", dbname=database, connect_timeout=3)
        replica.autocommit = True
        return replica

    def start(self) -> None:
        shutil.chown(self.directory, "postgres", "postgres") if os.geteuid() == 0 else None
        host, port = self.primary.get("HOST") or "127.0.0.1", str(self.primary.get("PORT") or 5432)
        self._drop_stale_slots()
        # A replication slot (-C -S) keeps the primary's WAL until the replica has it:
        # without one, a busy primary recycles segments before the standby starts.
        backup = subprocess.run(
            _as_postgres([str(self.bin / "pg_basebackup"), "-h", host, "-p", port, "-U", "postgres",
                          "-D", str(self.data), "-R", "-X", "stream", "-C", "-S", self.slot, "-c", "fast",
                          "--no-sync"]),
            capture_output=True, text=True, timeout=300, check=False,
        )
        if backup.returncode != 0:
            raise ReplicaUnavailable(
                f"pg_basebackup failed: {backup.stderr.strip()}\n(the primary must allow replication from "
                "127.0.0.1: `host replication all 127.0.0.1/32 trust` in pg_hba.conf; .ci/run adds it)")
        # Debian keeps the configuration outside the data folder: the copy needs its own.
        matched = "\n".join(f"{name} = {value}" for name, value in self.matched.items())
        (self.data / "postgresql.conf").write_text(
            f"port = {PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.directory}'\n"
            f"hot_standby = on\nfsync = off\nshared_buffers = 32MB\n{matched}\n")
        (self.data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (self.data / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            for path in (self.data / "postgresql.conf", self.data / "pg_hba.conf", self.data / "pg_ident.conf"):
                shutil.chown(path, "postgres", "postgres")
        started = subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                          "start"]),
            capture_output=True, text=True, timeout=90, check=False,
        )
        if started.returncode != 0:
            raise ReplicaUnavailable(f"the replica did not start: {started.stderr}\n{self.log_tail()}")

    def wait_until_streaming(self, database: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with self.connect(database) as replica, replica.cursor() as cursor:
                    cursor.execute("SELECT pg_is_in_recovery(), status FROM pg_stat_wal_receiver")
                    row = cursor.fetchone()
                    if row and row[0] and row[1] == "streaming":
                        return
            except psycopg2.OperationalError:
                pass
            time.sleep(0.2)
        raise ReplicaUnavailable(f"the replica is not streaming after {timeout:.0f} s\n{self.log_tail()}")

    def execute(self, database: str, sql: str) -> list[tuple]:
        replica = self.connect(database)
        try:
            with replica.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else []
        finally:
            replica.close()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                                         "stop"]), capture_output=True, timeout=60, check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
        # A slot left behind would keep every WAL segment on the primary from now on.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                           "WHERE slot_name = %s AND NOT active", [self.slot])

    @staticmethod
    def _drop_stale_slots() -> None:
        """Slots of replicas from runs that died before their cleanup."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                           "WHERE slot_name LIKE %s AND NOT active", [SLOT_PREFIX + "%"])

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""
