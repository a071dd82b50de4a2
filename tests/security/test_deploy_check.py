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
                     "BEHIND_TLS_PROXY",
                     # set in this process by the browser tests' conftest; never in production
                     "DJANGO_ALLOW_ASYNC_UNSAFE")


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="momento.settings")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
                          check=False)


def test_check_deploy_is_clean_with_nothing_but_a_secret_key_and_allowed_hosts():
    """DEBUG is off by default, and every transport setting defaults to strict (HTTPS redirect included)."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="momento.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def settings_values(names: str, **env: str) -> list[str]:
    code = f"import django; django.setup(); from django.conf import settings as s; print({names})"
    result = run(["-c", code], SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="momento.example.com", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_https_redirect_is_on_by_default_and_off_behind_a_tls_proxy_or_when_opted_out():
    assert settings_values("s.SECURE_SSL_REDIRECT") == ["True"]
    # The proxy terminates TLS (and redirects plain HTTP); Django trusts its X-Forwarded-Proto.
    assert settings_values("s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER[0]", BEHIND_TLS_PROXY="True") == [
        "False", "HTTP_X_FORWARDED_PROTO"]
    assert settings_values("s.SECURE_SSL_REDIRECT", BEHIND_TLS_PROXY="True", SECURE_SSL_REDIRECT="True") == ["True"]
    assert settings_values("s.SECURE_SSL_REDIRECT", SECURE_SSL_REDIRECT="False") == ["False"]


def test_the_health_probe_is_not_redirected_to_https():
    """Orchestrators probe http://…/healthz inside the network; the redirect would fail every probe."""
    code = ("import django; django.setup(); from django.test import Client; "
            "print(Client().get('/healthz').status_code, Client().get('/accounts/login/').status_code)")
    result = run(["-c", code], SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="testserver",
                 DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


def test_production_settings_are_strict():
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, "
            "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS, "
            "s.SECURE_CONTENT_TYPE_NOSNIFF, s.SESSION_COOKIE_HTTPONLY)")
    result = run(["-c", code], SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="momento.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True", "True", "DENY", "True", "True"]


def test_local_development_stays_on_plain_http():
    """`make run` serves http://127.0.0.1:8000 with DEBUG on: no HTTPS redirect, no secure-only cookies, no HSTS."""
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)")
    result = run(["-c", code], DEBUG="True")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "False", "False", "0", "False"]
