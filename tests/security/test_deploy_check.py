"""`manage.py check --deploy` is clean with production settings, and local development stays as it was."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT",
                     "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                     # set in this process by the browser tests' conftest; never in production
                     "DJANGO_ALLOW_ASYNC_UNSAFE")


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="momento.settings")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
                          check=False)


def test_check_deploy_is_clean_with_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="False", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="momento.example.com",
        SECURE_SSL_REDIRECT="True",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_strict():
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, "
            "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS, "
            "s.SECURE_CONTENT_TYPE_NOSNIFF, s.SESSION_COOKIE_HTTPONLY)")
    result = run(["-c", code], DEBUG="False", SECRET_KEY=secrets.token_urlsafe(64),
                 ALLOWED_HOSTS="momento.example.com", SECURE_SSL_REDIRECT="True")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True", "True", "DENY", "True", "True"]


def test_local_development_stays_on_plain_http():
    """`make run` serves http://127.0.0.1:8000 with DEBUG on: no HTTPS redirect, no secure-only cookies, no HSTS."""
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)")
    result = run(["-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "False", "False", "0", "False"]
