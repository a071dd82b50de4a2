"""gunicorn.conf.py, as gunicorn reads it: the workers and the master's frozen heap."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

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
