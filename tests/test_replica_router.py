"""The read-replica router's rules (issue 20, item 4) without a server; the real
streaming replica is in tests/reliability/test_read_replica.py."""

from __future__ import annotations

from django.test import RequestFactory

from momento import replica
from momento.replica import ReplicaRouter, replica_lag_seconds, replica_reads, replica_reads_for

ROUTER = ReplicaRouter()


def test_without_a_replica_everything_reads_and_writes_the_primary():
    assert ROUTER.db_for_read(None) is None
    with replica_reads():
        assert ROUTER.db_for_read(None) == "default"
        assert replica_lag_seconds() is None
    assert ROUTER.db_for_write(None) == "default"
    assert ROUTER.allow_migrate("replica", "touchpoints") is False
    assert ROUTER.allow_migrate("default", "touchpoints") is True


def test_reads_go_to_a_healthy_replica_only_inside_the_block(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "_measure_lag", lambda: 2.5)
    assert ROUTER.db_for_read(None) is None
    with replica_reads():
        assert ROUTER.db_for_read(None) == "replica"
        assert replica_lag_seconds() == 2.5
        with replica_reads(pinned=True):  # nested: the outer block decided
            assert ROUTER.db_for_read(None) == "replica"
    assert ROUTER.db_for_read(None) is None and replica_lag_seconds() is None
    assert ROUTER.db_for_write(None) == "default"


def test_an_unreachable_replica_sends_the_reads_to_the_primary(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "_measure_lag", lambda: None)
    with replica_reads():
        assert ROUTER.db_for_read(None) == "default"
        assert replica_lag_seconds() is None


def test_a_browser_that_has_just_written_reads_the_primary(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "_measure_lag", lambda: 0.0)
    pinned = RequestFactory().get("/", HTTP_COOKIE=f"{replica.PIN_COOKIE}=1")
    with replica_reads_for(pinned):
        assert ROUTER.db_for_read(None) == "default"
    with replica_reads_for(RequestFactory().get("/")):
        assert ROUTER.db_for_read(None) == "replica"


def test_the_lag_is_shown_only_past_the_warning_threshold(monkeypatch, settings):
    settings.MOMENTO_REPLICA_LAG_WARNING_SECONDS = 30
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    for lag, shown in ((12.0, None), (31.0, 31.0)):
        monkeypatch.setattr(replica, "_measure_lag", lambda lag=lag: lag)
        with replica_reads():
            assert replica.replica_lag_shown() == shown
