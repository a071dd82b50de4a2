"""Settings come from the environment; checked in fresh interpreters."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")


def load_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in ENV_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="momento.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; " + code],
        check=False, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )


def test_without_environment_debug_is_off_and_a_missing_secret_key_refuses_to_start():
    """Fail closed: nothing set means production, not development."""
    result = load_settings("print('started', settings.DEBUG)")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "started" not in result.stdout
    with_key = load_settings("print(settings.DEBUG)", SECRET_KEY="k" * 60)
    assert with_key.returncode == 0, with_key.stderr
    assert with_key.stdout.strip() == "False"


def test_with_only_debug_on_it_runs_embedded_on_sqlite_and_eager_celery():
    """What `make run` sets (DEBUG=True) is all the embedded demo needs."""
    result = load_settings(
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'],"
        " settings.CELERY_TASK_ALWAYS_EAGER, settings.USE_TZ, settings.CELERY_ACCEPT_CONTENT)",
        DEBUG="True",
    )
    assert result.returncode == 0, result.stderr
    engine, name, eager, use_tz, content = result.stdout.split(maxsplit=4)
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "db.sqlite3"
    assert (eager, use_tz, content.strip()) == ("True", "True", "['json']")


def test_database_url_and_redis_url_switch_to_postgresql_and_a_broker():
    result = load_settings(
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'],"
        " settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)",
        DATABASE_URL="postgres://someone@db.example:5432/momento_x", REDIS_URL="redis://cache.example:6379/2",
        DEBUG="True",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "momento_x", "False", "redis://cache.example:6379/2"
    ]


def test_debug_false_without_secret_key_refuses_to_start():
    result = load_settings("print('started')", DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "started" not in result.stdout


def test_debug_false_with_secret_key_is_strict():
    result = load_settings(
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_HSTS_SECONDS > 0, settings.CELERY_TASK_TIME_LIMIT > 0)",
        DEBUG="False", SECRET_KEY="x" * 60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]


@pytest.mark.parametrize("value", ["0", "false", "no", "off"])
def test_debug_false_spellings(value):
    result = load_settings("print(settings.DEBUG)", DEBUG=value, SECRET_KEY="y" * 60)
    assert result.stdout.strip() == "False"


def test_each_xdist_worker_has_a_redis_database_of_its_own():
    from tests.settings import _redis_url_of_this_worker as shifted

    assert shifted("redis://127.0.0.1:6379/1", "") == "redis://127.0.0.1:6379/1"
    assert shifted("redis://127.0.0.1:6379/1", "gw0") == "redis://127.0.0.1:6379/2"
    assert shifted("redis://127.0.0.1:6379/1", "gw1") == "redis://127.0.0.1:6379/3"
    assert shifted("redis://127.0.0.1:6379", "gw0") == "redis://127.0.0.1:6379/1"
    assert shifted("redis://127.0.0.1:6379/15", "gw0") == "redis://127.0.0.1:6379/0"
    assert shifted("", "gw0") == ""


def test_a_negative_number_of_trusted_proxies_refuses_to_start_with_a_message():
    result = load_settings("print('started')", SECRET_KEY="k" * 60, MOMENTO_TRUSTED_PROXIES="-1")
    assert result.returncode != 0 and "started" not in result.stdout
    assert "MOMENTO_TRUSTED_PROXIES must be 0 or more" in result.stderr
    assert load_settings("print(settings.MOMENTO_TRUSTED_PROXIES)", SECRET_KEY="k" * 60).stdout.strip() == "0"
