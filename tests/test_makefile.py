"""The Makefile is the development entry point: settings default to production
(DEBUG off, fail closed), so `make run` and `make test` turn DEBUG on themselves
and work on a fresh clone with no environment at all.

The recipes are run for real against a stand-in virtualenv whose `python`
only reports the DEBUG it was given, so no server starts and nothing installs.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def stand_in_venv(tmp_path):
    if not shutil.which("make"):
        pytest.skip("needs make")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "pip", "celery", "ruff", "lint-imports", "mypy"):
        script = venv / "bin" / name
        script.write_text('#!/bin/sh\necho "DEBUG=${DEBUG-unset} $*"\n')
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    # Newer than the requirements: make believes the dependencies are installed.
    (venv / ".installed").touch()
    return venv


def make(target: str, venv: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if key not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                            "MAKEFLAGS", "MFLAGS")}
    clean.update(env)
    return subprocess.run(["make", "--no-print-directory", "-s", target, f"VENV={venv}"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("target", ["run", "test", "demo", "worker"])
def test_make_turns_debug_on_for_local_development(stand_in_venv, target):
    result = make(target, stand_in_venv)
    assert result.returncode == 0, result.stderr
    calls = [line for line in result.stdout.splitlines() if line.startswith("DEBUG=")]
    assert calls and all(line.startswith("DEBUG=True ") for line in calls), result.stdout


@pytest.mark.parametrize("target", ["test", "lint"])
def test_make_test_and_lint_check_the_layers_of_the_apps(stand_in_venv, target):
    """import-linter (.importlinter) and mypy run in `make test` before the suite, so CI fails on either."""
    result = make(target, stand_in_venv)
    assert result.returncode == 0, result.stderr
    calls = [line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("DEBUG=")]
    assert "--no-cache" in calls, result.stdout
    assert "" in calls, result.stdout  # mypy (its files come from mypy.ini)
    if target == "test":
        suite = next(index for index, call in enumerate(calls) if call.startswith("-m pytest"))
        assert calls.index("--no-cache") < calls.index("") < suite, calls
        # Both cores: a worker per core, each file's tests on one of them; the slowest
        # tests listed at the end, to keep the suite's time in view.
        assert calls[suite] == "-m pytest -n 2 --dist loadfile --durations=25", calls


def test_an_explicit_debug_in_the_environment_wins(stand_in_venv):
    result = make("run", stand_in_venv, DEBUG="False", SECRET_KEY="k" * 60)
    assert "DEBUG=False manage.py runserver" in result.stdout, result.stdout


def test_pytest_loads_its_settings_on_a_fresh_clone_with_no_environment():
    """`python -m pytest` straight from a clean shell (what HELPERS and CI run) needs no variable."""
    clean = {key: value for key, value in os.environ.items()
             if key not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                            "MOMENTO_REQUIRE_SERVICES")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co",
                             "tests/test_compose.py"], cwd=ROOT, env=clean, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "tests collected" in result.stdout or "test collected" in result.stdout
