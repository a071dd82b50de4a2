"""Shared fixtures.

Tests that need a real service (PostgreSQL, Redis, a Celery worker, Chromium)
ask for it through the `require_*` fixtures. On a bare machine they skip with
the reason; with MOMENTO_REQUIRE_SERVICES=1 (set by .ci/run) a missing service
fails the test instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("MOMENTO_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MOMENTO_REQUIRE_SERVICES=1: CI must run this test)")
    pytest.skip(reason)


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL.split("@")[-1]
    return [
        f"momento database: {database['ENGINE'].rsplit('.', 1)[-1]} ({database.get('HOST') or database['NAME']})",
        f"momento celery: {'eager (no broker)' if settings.CELERY_TASK_ALWAYS_EAGER else 'broker ' + broker}",
        f"momento services required: {REQUIRE_SERVICES}",
    ]


@pytest.fixture(scope="session", autouse=True)
def celery_default_eager() -> bool:
    """Celery's configuration, loaded from the real settings before any test overrides
    CELERY_* settings (loaded later, a test's override would become everyone's default)."""
    from momento.celery import app

    return app.conf.task_always_eager


@pytest.fixture
def celery_in_process(settings, celery_default_eager):
    """Run tasks in this process, as `make run` does, even when REDIS_URL names a broker."""
    from momento.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = celery_default_eager


@pytest.fixture(autouse=True)
def celery_mode_is_restored(celery_default_eager):
    """Fail the test that leaves Celery in another mode than it found it."""
    from momento.celery import app

    yield
    if app.conf.task_always_eager != celery_default_eager:
        app.conf.task_always_eager = celery_default_eager
        pytest.fail("the test left Celery's task_always_eager changed")


@pytest.fixture(autouse=True)
def default_language():
    """A request in Spanish leaves Spanish active in this thread (LocaleMiddleware
    activates, nothing deactivates): start every test from the default language."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def require_postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def require_redis():
    if not settings.REDIS_URL:
        skip_or_fail("needs Redis: set REDIS_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        skip_or_fail(f"Redis at REDIS_URL is unreachable: {error}")


@pytest.fixture
def require_chromium():
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        skip_or_fail("needs Debian's chromium (apt-get install chromium)")


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def member(organization):
    """An admin member of `organization`."""
    return MembershipFactory(organization=organization).user


@pytest.fixture
def other_organization(db):
    return OrganizationFactory()


@pytest.fixture
def outsider(other_organization):
    """An admin of another organization: must never see `organization`'s data."""
    return MembershipFactory(organization=other_organization).user


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Tests must not share throttle histories or debounce keys through the
    in-process cache (SQLite reuses ids, so two tests can be "user 1").
    Only the local-memory cache is cleared: a Redis cache may be shared."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_survey_rate_limits(monkeypatch):
    """Survey answers are counted per address and per link in the cache, which may be a
    shared Redis that outlives the test database (link ids come back in the next run):
    each test counts under keys of its own."""
    import uuid

    from touchpoints import survey

    monkeypatch.setattr(survey, "RATE_KEY_PREFIX", f"survey-rate-test-{uuid.uuid4().hex}")


# RFC 2606 names stand for public hosts in tests; webhook checks resolve them to this
# (public) address. Nothing else is looked up in DNS: the suite runs offline.
PUBLIC_TEST_ADDRESS = "93.184.215.14"


def offline_resolve(host: str, port: int) -> list[str]:
    import ipaddress
    import socket

    name = host.lower().rstrip(".")
    try:
        return [str(ipaddress.ip_address(name))]
    except ValueError:
        pass
    if name == "localhost":
        return ["127.0.0.1"]
    if name.split(".")[-1] in ("example", "test") or name.endswith((".example.com", ".example.org", ".example.net")) \
            or name in ("example.com", "example.org", "example.net"):
        return [PUBLIC_TEST_ADDRESS]
    raise socket.gaierror(socket.EAI_NONAME, f"{host} does not resolve (tests resolve no real names)")


@pytest.fixture(autouse=True)
def _offline_dns(monkeypatch):
    """Webhook URLs are resolved before every check and delivery (reviews.egress): never in real DNS here."""
    from reviews import egress

    monkeypatch.setattr(egress, "resolve", offline_resolve)


@pytest.fixture
def beat_schedule(db):
    """The periodic tasks the data migrations schedule, as the migrations made them.

    A transactional test empties every table when it ends, data migrations' rows
    included, and under pytest-xdist such a test may have run before this one on the
    same worker: the rows are put back (the migrations' functions are idempotent)."""
    from importlib import import_module

    from django.apps import apps

    for migration in ("analytics.migrations.0002_periodic_rollup_refresh", "analytics.migrations.0006_alerts",
                      "reviews.migrations.0002_schedule_weekly_review"):
        import_module(migration).schedule(apps, None)
