"""The proxy in front of the two web servers (deploy/nginx.conf, docker-compose's
`proxy`), run by a real nginx on 127.0.0.1 against real gunicorns: REST clients'
ratings reach the ingest server (at a lower CPU priority) and everything else the
pages server, and behind it limits by address still count each client."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from journeys.tokens import api_token_create
from tests.conftest import skip_or_fail
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory, UserFactory

from .support import ROOT, Gunicorn, free_port, rating_items, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class Nginx:
    """deploy/nginx.conf as the compose proxy loads it (inside `http`), its upstreams
    pointed at the test's gunicorns and its temporary files in `directory`."""

    def __init__(self, directory: Path, *, pages_port: int, ingest_port: int):
        binary = shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)
        if binary is None:
            skip_or_fail("needs nginx (apt-get install nginx-light) to run the compose proxy's configuration")
        self.binary, self.directory, self.port = binary, directory, free_port()
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        for old, new in (("server web:8000;", f"server 127.0.0.1:{pages_port};"),
                         ("server web-ingest:8000;", f"server 127.0.0.1:{ingest_port};"),
                         ("listen 8000;", f"listen 127.0.0.1:{self.port};")):
            assert site.count(old) == 1, old
            site = site.replace(old, new)
        temp = " ".join(f"{kind}_temp_path {directory / ('nginx-' + kind)};"
                        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        self.conf = directory / "nginx.conf"
        self.conf.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off; worker_processes 1; pid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'nginx-error.log'} warn;\nevents {{ worker_connections 64; }}\n"
            f"http {{ access_log off; {temp}\n{site}\n}}\n")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "-c", str(self.conf), "-p", str(self.directory)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=2).connect()
                return
            except OSError:
                assert self.process.poll() is None, (self.directory / "nginx-error.log").read_text()
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
                source: str = "127.0.0.1") -> tuple[int, str, dict]:
        """(status, body, headers), from the client address `source` (any of 127.0.0.0/8)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(source, 0))
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read().decode(errors="replace"), dict(response.getheaders())
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def servers(require_postgres, redis_server, stop_later, workdir):
    """A pages server and an ingest server as compose runs them, and the proxy in front."""
    # DEBUG on only for its plain static files (the sign-in page renders without a collectstatic).
    env = service_env(redis_url=redis_server.url, MOMENTO_TRUSTED_PROXIES="1", DEBUG="True")
    pages = Gunicorn(workdir, {**env, "MOMENTO_WEB_ROLE": "pages"}, workers=1)
    ingest = Gunicorn(workdir, {**env, "MOMENTO_WEB_ROLE": "ingest"}, workers=1)
    for server in (pages, ingest):
        stop_later(server)
        server.start()
    proxy = Nginx(workdir, pages_port=pages.port, ingest_port=ingest.port)
    stop_later(proxy)
    proxy.start()
    return pages, ingest, proxy


def test_ratings_reach_the_ingest_server_and_everything_else_the_pages_server(servers):
    pages, ingest, proxy = servers
    cycle = ServiceCycleFactory()
    touchpoints = [TouchpointFactory(moment=MomentFactory(cycle=cycle), scale="csat5")]
    _token, token = api_token_create(organization=cycle.organization, name="proxy", scopes=["ingest", "read"],
                                     created_by=None)
    api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post_batch(prefix: str) -> tuple[int, str]:
        body = json.dumps({"ratings": rating_items(touchpoints, prefix=prefix, count=20)}).encode()
        status, payload, _headers = proxy.request("POST", "/api/v1/ratings/batch/", body=body, headers=api)
        return status, payload

    status, payload = post_batch("both")
    assert status == 201 and json.loads(payload)["created"] == 20, payload
    assert proxy.request("GET", "/healthz")[0] == 200

    # The ingest server runs 10 steps below the pages server's priority (gunicorn.conf.py).
    assert (os.getpriority(os.PRIO_PROCESS, ingest.process.pid)
            == min(19, os.getpriority(os.PRIO_PROCESS, pages.process.pid) + 10))

    # Without the pages server, ratings still arrive; pages and reads do not.
    pages.stop()
    status, payload = post_batch("ingest-alone")
    assert status == 201 and json.loads(payload)["created"] == 20, payload
    assert proxy.request("GET", "/healthz")[0] == 502
    assert proxy.request("GET", f"/api/v1/ratings/?cycle={cycle.pk}", headers=api)[0] == 502

    # Without the ingest server, the pages and the API's reads still answer; ratings do not.
    pages.start()
    ingest.stop()
    assert post_batch("pages-alone")[0] == 502
    assert proxy.request("GET", "/healthz")[0] == 200
    status, payload, _headers = proxy.request("GET", "/api/v1/ratings/?page_size=100", headers=api)
    assert status == 200, payload
    assert len(json.loads(payload)["results"]) == 40


def test_behind_the_proxy_the_sign_in_limit_counts_each_client_not_the_proxy(servers, settings):
    _pages, _ingest, proxy = servers
    user = UserFactory()

    def sign_in(password: str, *, source: str, forwarded: str | None = None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        status, page, answer = proxy.request("GET", "/accounts/login/", headers=headers, source=source)
        assert status == 200, (status, page[:500])
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        cookie = re.search(r"csrftoken=([^;]+)", answer["Set-Cookie"]).group(1)
        body = urllib.parse.urlencode({"username": user.username, "password": password,
                                       "csrfmiddlewaretoken": csrf}).encode()
        return proxy.request("POST", "/accounts/login/", body=body, source=source, headers={
            **headers, "Cookie": f"csrftoken={cookie}", "Content-Type": "application/x-www-form-urlencoded"})[0]

    limit = 5  # LOGIN_FAILURE_LIMIT's default
    for _attempt in range(limit):
        assert sign_in("wrong", source="127.0.0.2", forwarded="198.51.100.7") == 200
    assert sign_in("wrong", source="127.0.0.2", forwarded="192.0.2.44") == 429, \
        "a different X-Forwarded-For from the same client does not escape the limit"
    # Another client behind the same proxy signs in.
    assert sign_in("correct horse battery staple", source="127.0.0.3") == 302
