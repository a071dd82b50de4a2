"""No secret is committed: private keys, cloud and payment keys, tokens; the development
SECRET_KEY appears only in settings.py, on the DEBUG branch; YAML (docker-compose) and env
files give secret variables no value and no `${NAME:-default}`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV_KEY = "django-" + "insecure-"
PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}", re.IGNORECASE),
    "Stripe live key": re.compile(r"\b[sr]k_live_[0-9a-zA-Z]{16,}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Momento API token": re.compile(r"\bmom_[0-9a-f]{8}_[A-Za-z0-9_-]{43}\b"),
    # Any literal key but the development one (checked separately below); "$(…)" / "${…}" is computed.
    "hard-coded SECRET_KEY": re.compile(r"^\s*SECRET_KEY\s*=\s*['\"](?!" + DEV_KEY + r"|\$)[^'\"]{8,}['\"]",
                                        re.MULTILINE),
}


# Variables whose value is a secret: in YAML and env files they are empty or a
# reference the environment must fill (`${NAME}`, `${NAME:?message}`), never a literal
# or a `${NAME:-default}`.
SECRET_VARIABLE = re.compile(r"SECRET|TOKEN|API_KEY|PRIVATE_KEY|PASSWORD", re.IGNORECASE)
REQUIRED_REFERENCE = re.compile(r"^\$\{(\w+)(?::?\?[^}]*)?\}$")
# Not secrets, on purpose: the demo login README prints, and the password of the
# compose-internal PostgreSQL, which publishes no port.
PUBLIC_VALUES = {"DEMO_PASSWORD", "POSTGRES_PASSWORD"}


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


def readable(path: Path) -> str | None:
    try:
        if path.stat().st_size > 5_000_000:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def test_no_tracked_file_holds_a_secret():
    found = []
    for path in tracked_files():
        text = readable(path)
        if text is None:
            continue
        for name, pattern in PATTERNS.items():
            if pattern.search(text):
                found.append(f"{path.relative_to(ROOT)}: {name}")
    assert not found, found


def test_the_development_key_lives_only_on_the_debug_branch_of_settings():
    holders = [path.relative_to(ROOT).as_posix() for path in tracked_files()
               if (text := readable(path)) is not None and DEV_KEY in text]
    assert holders == ["momento/settings.py"]
    settings_text = (ROOT / "momento/settings.py").read_text()
    block = settings_text[settings_text.index("if not SECRET_KEY:"):settings_text.index(DEV_KEY)]
    assert "if not DEBUG:" in block and "raise ImproperlyConfigured" in block


def test_the_patterns_recognise_what_they_are_for():
    samples = {
        "private key": "-----BEGIN RSA " + "PRIVATE KEY-----",
        "AWS access key id": "AKIA" + "ABCDEFGHIJKLMNOP",
        "Stripe live key": "sk_" + "live_" + "a" * 24,
        "Momento API token": "mom_" + "0a1b2c3d_" + "A" * 43,
        "hard-coded SECRET_KEY": "SECRET_KEY = " + "'abcdefgh12345678'",
    }
    for name, sample in samples.items():
        assert PATTERNS[name].search(sample), name


def secret_assignments_in_yaml(text: str) -> list[tuple[str, str]]:
    """(name, value) of every secret-named variable a YAML document sets, as a mapping or as NAME=value."""
    found: list[tuple[str, str]] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and SECRET_VARIABLE.search(key) and not isinstance(value, (dict, list)):
                    found.append((key, "" if value is None else str(value)))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, str) and "=" in item:
                    name, value = item.split("=", 1)
                    if SECRET_VARIABLE.search(name):
                        found.append((name.strip(), value))
                walk(item)

    for document in yaml.safe_load_all(text):
        walk(document)
    return found


def secret_assignments_in_env(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.removeprefix("export ").split("=", 1)
        if SECRET_VARIABLE.search(name):
            found.append((name.strip(), value.strip().strip("'\"")))
    return found


def holds_a_value(name: str, value: str) -> bool:
    value = value.strip()
    if not value or name in PUBLIC_VALUES:
        return False
    return REQUIRED_REFERENCE.match(value) is None


def is_yaml(path: Path) -> bool:
    return path.suffix in (".yml", ".yaml")


def is_env(path: Path) -> bool:
    return path.name.startswith(".env") or path.suffix == ".env"


def test_yaml_and_env_files_give_secrets_no_value():
    found = []
    checked = []
    for path in tracked_files():
        if not (is_yaml(path) or is_env(path)) or (text := readable(path)) is None:
            continue
        checked.append(path.relative_to(ROOT).as_posix())
        assignments = secret_assignments_in_yaml(text) if is_yaml(path) else secret_assignments_in_env(text)
        found += [f"{path.relative_to(ROOT)}: {name}={value}" for name, value in assignments
                  if holds_a_value(name, value)]
    assert {"docker-compose.yml", ".env.example"} <= set(checked)
    assert not found, found


@pytest.mark.parametrize("text, offending", [
    ("x:\n  environment:\n    SECRET_KEY: ${SECRET_KEY:-change-me-0123456789}\n", ["SECRET_KEY"]),
    ("x:\n  environment:\n    SECRET_KEY: hunter2hunter2\n", ["SECRET_KEY"]),
    ("x:\n  environment:\n    - SECRET_KEY=hunter2hunter2\n    - DEBUG=False\n", ["SECRET_KEY"]),
    ("x:\n  environment:\n    EMAIL_HOST_PASSWORD: ${EMAIL_HOST_PASSWORD-smtp}\n", ["EMAIL_HOST_PASSWORD"]),
    ("x:\n  environment:\n    SECRET_KEY: ${SECRET_KEY:?set it}\n    API_TOKEN: ${API_TOKEN}\n", []),
    ("x:\n  environment:\n    SECRET_KEY:\n    DEBUG: ${DEBUG:-False}\n", []),
])
def test_the_yaml_check_recognises_a_shipped_secret(text, offending):
    assert [name for name, value in secret_assignments_in_yaml(text) if holds_a_value(name, value)] == offending


@pytest.mark.parametrize("text, offending", [
    ("SECRET_KEY=abcdefghijklmnop\n", ["SECRET_KEY"]),
    ("export GITHUB_TOKEN='abc123'\n", ["GITHUB_TOKEN"]),
    ("# SECRET_KEY=commented\nSECRET_KEY=\nEMAIL_HOST_PASSWORD=\nDEBUG=True\n", []),
])
def test_the_env_check_recognises_a_shipped_secret(text, offending):
    assert [name for name, value in secret_assignments_in_env(text) if holds_a_value(name, value)] == offending
