"""Settings of the test suite (pytest.ini): the development configuration, as `make run` has it.

`momento.settings` fails closed (DEBUG off unless set), which a fresh clone running
`python -m pytest` with no environment must not trip over: the suite loads the
settings with DEBUG on (plain HTTP, the development key, unhashed static files)
unless the environment says otherwise. pytest-django still runs every test with
settings.DEBUG = False, and the tests of the production configuration start
their own interpreters with DJANGO_SETTINGS_MODULE=momento.settings.
"""

import os
from urllib.parse import urlsplit, urlunsplit

# Before the import: momento.settings derives cookies, HSTS, redirect and static storage from it.
os.environ.setdefault("DEBUG", "True")
# The words of comments are counted with every refresh in the suite, as in embedded mode: a
# terms refresh that one test's Celery worker queued 30 s ahead would run in a later test's
# database. In the environment, so the workers tests start read it too;
# tests/analytics/test_terms_refresh.py sets the delay where it tests it.
os.environ.setdefault("MOMENTO_TERMS_DEBOUNCE_SECONDS", "0")
# Key drivers likewise after every refresh (tests/analytics/test_key_drivers_throttle.py
# sets the interval where it tests it).
os.environ.setdefault("MOMENTO_KEY_DRIVERS_INTERVAL_SECONDS", "0")


def _redis_url_of_this_worker(url: str, worker: str) -> str:
    """Under pytest-xdist (`make test` runs two workers) each worker has a Redis database
    of its own, the one after the given one for gw0 and so on, as it has a test database
    of its own: queued tasks, throttle histories and cached keys of one worker's
    organization 1 must not be seen by the other's. Child processes read REDIS_URL
    from the environment, so it is changed there."""
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    database = parts.path.strip("/")
    number = int(database) if database.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{(number + 1 + int(worker[2:])) % 16}"))


# Once per worker: its child processes (a Celery worker a test starts) inherit both
# variables and read these settings again, and must reach the same database.
if os.environ.get("MOMENTO_TEST_REDIS_WORKER") != os.environ.get("PYTEST_XDIST_WORKER", ""):
    os.environ["REDIS_URL"] = _redis_url_of_this_worker(os.environ.get("REDIS_URL", ""),
                                                        os.environ.get("PYTEST_XDIST_WORKER", ""))
    os.environ["MOMENTO_TEST_REDIS_WORKER"] = os.environ.get("PYTEST_XDIST_WORKER", "")

from momento.settings import *
