"""No secret is committed: private keys, cloud and payment keys, tokens; the development
SECRET_KEY appears only in settings.py, on the DEBUG branch."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

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
    # Any literal key but the development one (checked separately below).
    "hard-coded SECRET_KEY": re.compile(r"^\s*SECRET_KEY\s*=\s*['\"](?!" + DEV_KEY + r")[^'\"]{8,}['\"]", re.MULTILINE),
}


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
    }
    for name, sample in samples.items():
        assert PATTERNS[name].search(sample), name
