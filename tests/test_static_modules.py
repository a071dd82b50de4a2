"""static/js are ES modules, all alike (issue 14, item 9): loaded with type="module",
no globals defined, shared helpers imported by name from files that export them.
In production the pages load the hashed copies collectstatic makes; a hashed
module must import hashed modules too, or a browser could run a new page script
with an old cached helper (checked by collecting with the production settings in
a fresh interpreter)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))
IMPORT = re.compile(r"""^import\s[^;]*?\bfrom\s+"([^"]+)";""", re.MULTILINE)
NAMED_IMPORT = re.compile(r"""^import\s*\{([^}]*)\}\s*from\s+"([^"]+)";""", re.MULTILINE)
EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function|const|let|class)\s+(\w+)", re.MULTILINE)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def test_every_page_loads_its_scripts_as_modules_and_has_no_inline_script():
    tags = [(path.relative_to(ROOT), tag) for path in (ROOT / "templates").rglob("*.html")
            for tag in SCRIPT_TAG.findall(path.read_text())]
    ours = [(path, tag) for path, tag in tags if "'js/" in tag]
    assert len(ours) >= 7, ours
    assert [(path, tag) for path, tag in ours if 'type="module"' not in tag] == []
    others = [tag for _path, tag in tags if "'js/" not in tag]
    # Besides them only data (json_script), Django's catalogue and the vendored Plotly, both classic scripts.
    assert all("application/json" in tag or "javascript-catalog" in tag or "'vendor/" in tag for tag in others), others


def test_no_script_defines_a_global_or_wraps_itself_in_a_function():
    # (An undeclared name assigned to throws in a module, which the browser tests would see.)
    for path in SCRIPTS:
        code = path.read_text()
        assert not re.search(r"\b(?:window|globalThis|self|document)\.\w+\s*=[^=]", code), path.name
        assert not re.search(r"^\((?:function|\(\)|async)", code, re.MULTILINE), f"{path.name}: an IIFE"
        assert '"use strict"' not in code, f"{path.name}: modules are strict already"
        assert "require(" not in code, path.name


def test_shared_helpers_are_imported_by_name_from_modules_that_export_them():
    pairs = 0
    for path in SCRIPTS:
        for names, target in NAMED_IMPORT.findall(path.read_text()):
            assert target.startswith("./") and target.endswith(".js"), f"{path.name} imports {target}"
            exported = set(EXPORT.findall((path.parent / target).read_text()))
            wanted = {name.strip() for name in names.split(",") if name.strip()}
            assert wanted <= exported, f"{path.name} imports {wanted - exported} that {target} does not export"
            pairs += 1
    assert len(IMPORT.findall("".join(path.read_text() for path in SCRIPTS))) == pairs, "every import is named"
    assert pairs >= 6

COLLECT = """
import sys, django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.STATIC_ROOT = sys.argv[1]
call_command("collectstatic", "--noinput", verbosity=0)
"""


def test_collected_modules_import_each_other_by_their_hashed_names(tmp_path):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    environment.update(DJANGO_SETTINGS_MODULE="momento.settings", DEBUG="False", SECRET_KEY="k" * 60)
    result = subprocess.run([sys.executable, "-c", COLLECT, str(tmp_path)], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    sources = [path.name for path in SCRIPTS]
    imported = set()
    for name in sources:
        hashed = tmp_path / manifest[f"js/{name}"]
        for target in IMPORT.findall(hashed.read_text()):
            imported.add(target)
            assert re.fullmatch(r"\./\w+\.[0-9a-f]{12}\.js", target), f"{hashed.name} imports {target}"
            assert (hashed.parent / target).exists(), f"{hashed.name} imports {target}, which was not collected"
    assert imported, "no module imports another: the check saw nothing"
    # The vendored Plotly is served as published.
    plotly = manifest["vendor/plotly-cartesian.min.js"]
    assert (tmp_path / plotly).read_bytes() == (ROOT / "static/vendor/plotly-cartesian.min.js").read_bytes()
