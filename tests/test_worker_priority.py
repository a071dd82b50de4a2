"""A Celery worker yields the CPU to the web (issue 20): lower priority, frozen start-up heap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import gc, os
import django
django.setup()
from momento.celery import worker_yields_to_the_web
before = os.getpriority(os.PRIO_PROCESS, 0)
worker_yields_to_the_web(sender=None)
print(os.getpriority(os.PRIO_PROCESS, 0) - before, gc.get_freeze_count() > 0)
"""


def _run(niceness: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "MOMENTO_WORKER_NICE": niceness}
    return subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True, timeout=120).stdout.split("\n")[-2]


def test_a_worker_lowers_its_priority_and_freezes_its_start_up_objects():
    assert _run("5") == "5 True"


def test_no_niceness_leaves_the_priority_as_it_is():
    assert _run("0") == "0 True"
