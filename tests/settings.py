"""Settings of the test suite (pytest.ini): the development configuration, as `make run` has it.

`momento.settings` fails closed (DEBUG off unless set), which a fresh clone running
`python -m pytest` with no environment must not trip over: the suite loads the
settings with DEBUG on (plain HTTP, the development key, unhashed static files)
unless the environment says otherwise. pytest-django still runs every test with
settings.DEBUG = False, and the tests of the production configuration start
their own interpreters with DJANGO_SETTINGS_MODULE=momento.settings.
"""

import os

# Before the import: momento.settings derives cookies, HSTS, redirect and static storage from it.
os.environ.setdefault("DEBUG", "True")

from momento.settings import *
