"""docker-compose.yml: every service says when it is healthy, and the app services
get the environment README documents. (`.ci/run` checks the syntax with
`docker-compose config -q`; this checks what the syntax check cannot.)"""

from pathlib import Path

import yaml
from django.conf import settings

COMPOSE = yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())
WORKERS = [name for name, service in COMPOSE["services"].items()
           if isinstance(service.get("command"), list) and "worker" in service["command"]]
APP_SERVICES = ["web", "web-ingest", "beat", *WORKERS]


def test_every_service_has_a_health_check():
    missing = [name for name, service in COMPOSE["services"].items() if "healthcheck" not in service]
    assert not missing, f"services without a healthcheck: {missing}"


def test_every_queue_has_a_worker_and_each_worker_answers_its_own_health_check():
    """Workers by kind (issue 20): together the compose workers consume every queue
    tasks are routed to, and each health check pings that worker's own name."""
    consumed = set()
    for name in WORKERS:
        command = COMPOSE["services"][name]["command"]
        consumed |= set(command[command.index("-Q") + 1].split(","))
        node = command[command.index("-n") + 1].split("@")[0]
        assert f"-d {node}@$$HOSTNAME" in COMPOSE["services"][name]["healthcheck"]["test"][1], name
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= consumed
    assert len(WORKERS) >= 3


def test_the_proxy_is_the_only_way_in_and_sends_ratings_to_the_ingest_server():
    """Issue 20: REST clients' ratings go to `web-ingest` (lower CPU priority), the rest to `web`.
    The routing itself runs in a real nginx in tests/reliability/test_proxy.py."""
    import re

    published = [name for name, service in COMPOSE["services"].items() if service.get("ports")]
    assert published == ["proxy"]
    proxy = COMPOSE["services"]["proxy"]
    conf_file = next(volume.split(":")[0] for volume in proxy["volumes"] if "nginx.conf" in volume)
    conf = Path(settings.BASE_DIR, conf_file).read_text()
    upstreams = set(re.findall(r"server ([\w-]+):8000;", conf))
    assert upstreams == {"web", "web-ingest"} and upstreams <= set(proxy["depends_on"])
    assert COMPOSE["services"]["web"]["environment"]["MOMENTO_WEB_ROLE"] == "pages"
    assert COMPOSE["services"]["web-ingest"]["environment"]["MOMENTO_WEB_ROLE"] == "ingest"
    for name in ("web", "web-ingest"):
        assert COMPOSE["services"][name]["environment"]["MOMENTO_TRUSTED_PROXIES"] == "${MOMENTO_TRUSTED_PROXIES:-1}"


def test_beat_writes_the_pid_file_its_health_check_reads():
    beat = COMPOSE["services"]["beat"]
    pidfile = next(arg.split("=", 1)[1] for arg in beat["command"] if arg.startswith("--pidfile="))
    assert pidfile in " ".join(beat["healthcheck"]["test"])


def test_app_services_share_the_database_and_broker_settings():
    for name in APP_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(environment), name


def test_the_secret_key_has_no_default_in_the_file():
    """`${SECRET_KEY:?…}`: compose refuses to start without one instead of shipping a key everybody knows."""
    for name in APP_SERVICES:
        value = COMPOSE["services"][name]["environment"]["SECRET_KEY"]
        assert value.startswith("${SECRET_KEY:?") and value.endswith("}"), (name, value)


def test_the_stack_is_served_on_plain_http_by_an_explicit_opt_out():
    """DEBUG is off in compose and the HTTPS redirect would be on by default; compose says why it is off."""
    environment = COMPOSE["services"]["web"]["environment"]
    assert environment["DEBUG"] == "${DEBUG:-False}"
    assert environment["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-False}"


def _compose_config(tmp_path, **env):
    import os
    import shutil
    import subprocess

    from tests.conftest import skip_or_fail

    binary = shutil.which("docker-compose")
    if binary is None:
        skip_or_fail("needs docker-compose (apt-get install docker-compose) to validate docker-compose.yml")
    # A copy in an empty folder: a developer's .env beside the real file must not supply the key.
    shutil.copy(Path(settings.BASE_DIR, "docker-compose.yml"), tmp_path / "docker-compose.yml")
    clean = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    clean.update(env)
    return subprocess.run([binary, "-f", "docker-compose.yml", "config", "-q"], cwd=tmp_path, env=clean,
                          capture_output=True, text=True, timeout=60, check=False)


def test_compose_validation_fails_without_a_secret_key(tmp_path):
    missing = _compose_config(tmp_path)
    assert missing.returncode != 0
    assert "SECRET_KEY" in missing.stderr
    empty = _compose_config(tmp_path, SECRET_KEY="")
    assert empty.returncode != 0


def test_compose_validation_passes_with_a_secret_key(tmp_path):
    result = _compose_config(tmp_path, SECRET_KEY="a-throwaway-key-for-validation-only")
    assert result.returncode == 0, result.stderr


def test_ci_validates_compose_with_a_throwaway_key_for_the_validation_only():
    """.ci/run passes a random key to `docker-compose config` alone, never exporting it to `make test`."""
    script = Path(settings.BASE_DIR, ".ci", "run").read_text()
    line = next(line for line in script.splitlines() if "docker-compose -f docker-compose.yml config -q" in line)
    assert line.strip().startswith('SECRET_KEY="$(') and "export" not in line
    assert "export SECRET_KEY" not in script
