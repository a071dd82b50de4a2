"""docker-compose.yml: every service says when it is healthy, and the app services
get the environment README documents. (`.ci/run` checks the syntax with
`docker-compose config -q`; this checks what the syntax check cannot.)"""

from pathlib import Path

import yaml
from django.conf import settings

COMPOSE = yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def test_every_service_has_a_health_check():
    missing = [name for name, service in COMPOSE["services"].items() if "healthcheck" not in service]
    assert not missing, f"services without a healthcheck: {missing}"


def test_beat_writes_the_pid_file_its_health_check_reads():
    beat = COMPOSE["services"]["beat"]
    pidfile = next(arg.split("=", 1)[1] for arg in beat["command"] if arg.startswith("--pidfile="))
    assert pidfile in " ".join(beat["healthcheck"]["test"])


def test_app_services_share_the_database_and_broker_settings():
    for name in ("web", "worker", "beat"):
        environment = COMPOSE["services"][name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(environment), name
