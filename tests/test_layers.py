"""The apps depend downward only (.importlinter, run by `make test` and `make lint`).

These run the real import-linter: once on the project as it is, and once on a
copy where a lower app imports a higher one, which must fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("momento", "journeys", "touchpoints", "analytics", "reviews")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120,
                          check=False)


def copy_of_the_project(tmp_path: Path) -> Path:
    for name in (*APPS, "tests", "bench"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "screenshots",
                                                                                     "results"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_project_keeps_every_contract():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 kept, 0 broken" in result.stdout


def test_a_lower_app_importing_a_higher_one_breaks_the_layers(tmp_path):
    copy = copy_of_the_project(tmp_path)
    with open(copy / "journeys" / "selectors.py", "a") as module:
        module.write("\nfrom analytics.selectors import critical_counts  # noqa\n")
    result = lint(copy)
    assert result.returncode != 0
    assert "journeys.selectors -> analytics.selectors" in result.stdout


def test_statistics_importing_django_breaks_their_purity(tmp_path):
    copy = copy_of_the_project(tmp_path)
    with open(copy / "analytics" / "stats.py", "a") as module:
        module.write("\nfrom django.conf import settings  # noqa\n")
    result = lint(copy)
    assert result.returncode != 0
    assert "analytics.stats is not allowed to import django" in result.stdout
