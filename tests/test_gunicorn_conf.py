"""gunicorn.conf.py, as gunicorn reads it: the workers and the master's frozen heap."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_workers_for_ingest_clients_on_top_of_the_usual_count(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    conf = runpy.run_path(str(CONF))
    assert conf["workers"] == 2 * 2 + 1 + 4
    assert conf["preload_app"] is True and conf["worker_class"] == "sync"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(CONF))["workers"] == 3


def test_the_master_freezes_its_objects_before_each_fork():
    conf = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        conf["pre_fork"](server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_roles_size_the_workers_and_the_ingest_server_runs_at_a_lower_priority(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("MOMENTO_WEB_NICE", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setenv("MOMENTO_WEB_ROLE", "pages")
    pages = runpy.run_path(str(CONF))
    assert (pages["workers"], pages["nice"]) == (2 * 2 + 1, 0)
    monkeypatch.setenv("MOMENTO_WEB_ROLE", "ingest")
    ingest = runpy.run_path(str(CONF))
    assert (ingest["workers"], ingest["nice"]) == (4 + 1, 10)
    monkeypatch.setenv("MOMENTO_WEB_NICE", "5")
    assert runpy.run_path(str(CONF))["nice"] == 5


@pytest.mark.parametrize(("name", "value"), [("MOMENTO_WEB_ROLE", "reader"), ("MOMENTO_WEB_NICE", "20"),
                                             ("MOMENTO_WEB_NICE", "-1")])
def test_a_wrong_role_or_priority_stops_the_server_with_a_message(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        runpy.run_path(str(CONF))


def test_the_master_lowers_its_priority_for_the_workers_it_forks():
    """In a child process: a priority, once lowered, cannot be raised again without privileges."""
    import os
    import subprocess
    import sys

    script = (f"import os, runpy; conf = runpy.run_path({str(CONF)!r}); conf['on_starting'](None); "
              "print(os.getpriority(os.PRIO_PROCESS, 0))")
    env = {**os.environ, "MOMENTO_WEB_ROLE": "ingest"}
    env.pop("MOMENTO_WEB_NICE", None)
    before = os.getpriority(os.PRIO_PROCESS, 0)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert int(done.stdout) == min(before + 10, 19)
