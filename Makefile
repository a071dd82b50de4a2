# Momento: `make run` serves the app with the demo, `make test` runs the suite.
# Both run with DEBUG=True (see below); production is configured from the environment.
# Both set everything up first (virtualenv, dependencies, migrations).
# With DATABASE_URL / REDIS_URL set they use PostgreSQL / Redis instead of the
# embedded SQLite + eager Celery.

# Settings default to production (DEBUG off, SECRET_KEY required); every target
# here is local development, so DEBUG is on unless the environment says otherwise.
export DEBUG ?= True

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
# pytest-xdist workers for `make test` (each gets its own test database and Redis database);
# a file's tests stay on one worker (--dist loadfile), so a file's fixed port is its own.
TEST_WORKERS ?= 2
PORT ?= 8000

.PHONY: setup run test migrate demo worker beat lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade --quiet pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo_load

run: demo
	@echo "Momento on http://$(HOST):$(PORT)/  (log in with the demo login printed above)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

worker: setup
	$(VENV)/bin/celery -A momento worker --loglevel=INFO --concurrency=2

beat: migrate
	$(VENV)/bin/celery -A momento beat --loglevel=INFO

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
