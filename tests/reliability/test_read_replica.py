"""A read replica for scale (issue 20, item 4), against a real PostgreSQL streaming
replica of the test cluster on 127.0.0.1:5433 and a real gunicorn.

Dashboards and the heatmap API read the replica; ingest answers read the primary;
while the replica lags (its replay paused) the dashboard says so, a browser that
has just written reads the primary, and once replay resumes the replica catches
up; a replica that is gone costs nothing but speed.
"""

from __future__ import annotations

import http.client
import json
import time

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from journeys.models import Membership
from journeys.tokens import api_token_create
from tests.conftest import skip_or_fail
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.models import Rating

from .replica import PORT, ReplicaUnavailable, StreamingReplica
from .support import Gunicorn, rating_items, service_env, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LAG_HEADER = "X-Momento-Replica-Lag"


@pytest.fixture
def replica(require_postgres):
    try:
        replica = StreamingReplica()
        replica.start()
        replica.wait_until_streaming(connection.settings_dict["NAME"])
    except ReplicaUnavailable as error:
        skip_or_fail(f"needs a streaming replica of the test cluster on 127.0.0.1:{PORT}: {error}")
    try:
        yield replica
    finally:
        replica.remove()


def _get(server: Gunicorn, path: str, *, token: str | None = None, cookies: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], str]:
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        client.request("GET", path, headers=headers)
        response = client.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        client.close()


def _session_for(user) -> str:
    """A signed-in session stored on the primary (as the login page would)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _heatmap_n(server: Gunicorn, cycle, token: str) -> tuple[int, dict[str, str]]:
    status, headers, body = _get(server, f"/api/v1/cycles/{cycle.pk}/heatmap/", token=token)
    assert status == 200, body
    return sum(row["total"]["n"] for row in json.loads(body)["rows"]), headers


def test_dashboards_read_the_replica_and_say_when_it_lags(replica, tmp_path, stop_later):
    database = connection.settings_dict["NAME"]
    cycle = ServiceCycleFactory(timezone="Europe/Madrid")
    touchpoints = [TouchpointFactory(moment=MomentFactory(cycle=cycle), scale=scale) for scale in ("csat5", "nps11")]
    _token, token = api_token_create(organization=cycle.organization, name="replica", scopes=["ingest", "read"],
                                     created_by=None)
    lead = MembershipFactory(organization=cycle.organization, role=Membership.Role.TEAM_LEAD).user
    # DEBUG on only for its plain static files (pages render without a collectstatic).
    env = service_env(redis_url="", REDIS_URL="", SECRET_KEY=settings.SECRET_KEY, DEBUG="True",
                      DATABASE_REPLICA_URL=replica.url(database), MOMENTO_REPLICA_LAG_WARNING_SECONDS="1")
    server = Gunicorn(tmp_path, env, workers=2)
    stop_later(server)
    server.start()
    cookies = {settings.SESSION_COOKIE_NAME: _session_for(lead)}

    # Embedded Celery: the ingest request itself refreshes rollups and snapshots on the primary.
    status, body = server.post_ratings(rating_items(touchpoints, prefix="first", count=200, days=10), token=token)
    assert status == 201, body
    wait_until(lambda: replica.execute(database, "SELECT count(*) FROM touchpoints_rating")[0][0] == 200,
               timeout=30, message="the replica received the first ratings")
    n, headers = _heatmap_n(server, cycle, token)
    assert n == 200 and LAG_HEADER in headers, headers  # answered from the replica

    # The replica stops replaying: what is written now reaches only the primary.
    replica.execute(database, "SELECT pg_wal_replay_pause()")
    status, body = server.post_ratings(rating_items(touchpoints, prefix="second", count=100, days=10, seed=2),
                                       token=token)
    assert status == 201 and body["created"] == 100, body  # the ingest answer is the primary's
    assert Rating.objects.count() == 300
    time.sleep(1.5)  # past MOMENTO_REPLICA_LAG_WARNING_SECONDS

    n, headers = _heatmap_n(server, cycle, token)
    assert n == 200, "the heatmap API reads the (lagging) replica"
    assert float(headers[LAG_HEADER]) > 1
    status, _headers, page = _get(server, f"/cycles/{cycle.pk}/dashboard/", cookies=cookies)
    assert status == 200, server.log_tail()
    assert "replica-lag" in page and "200 ratings" in page
    # The editor reads the primary: the map shows every moment whatever the replica holds.
    status, _headers, editor = _get(server, f"/cycles/{cycle.pk}/", cookies=cookies)
    assert status == 200 and "replica-lag" not in editor

    # A browser that has just written (the pin cookie set by any POST) reads the primary.
    status, _headers, page = _get(server, f"/cycles/{cycle.pk}/dashboard/", cookies={**cookies, "momento_primary": "1"})
    assert status == 200 and "replica-lag" not in page and "300 ratings" in page

    # Replay resumes: the replica catches up and the warning goes.
    replica.execute(database, "SELECT pg_wal_replay_resume()")
    wait_until(lambda: _heatmap_n(server, cycle, token)[0] == 300, timeout=30, message="the replica caught up")

    def dashboard_is_current() -> bool:
        status, _headers, page = _get(server, f"/cycles/{cycle.pk}/dashboard/", cookies=cookies)
        assert status == 200
        return "replica-lag" not in page and "300 ratings" in page

    # The replica replays the whole cluster's WAL: on a busy machine it may stay a
    # second or two behind for a while, which the page rightly says.
    wait_until(dashboard_is_current, timeout=60, message="the dashboard without the lag warning")

    # The replica goes away: pages and API answer from the primary.
    replica.stop()
    n, headers = _heatmap_n(server, cycle, token)
    assert n == 300 and LAG_HEADER not in headers
    status, _headers, page = _get(server, f"/cycles/{cycle.pk}/dashboard/", cookies=cookies)
    assert status == 200 and "300 ratings" in page
    log = server.log_tail()
    assert "Traceback" not in log and "the read replica does not answer" in log


def test_a_post_pins_the_browser_to_the_primary_for_a_while(replica, tmp_path, stop_later):
    database = connection.settings_dict["NAME"]
    env = service_env(redis_url="", REDIS_URL="", SECRET_KEY=settings.SECRET_KEY,
                      DATABASE_REPLICA_URL=replica.url(database), MOMENTO_REPLICA_PIN_SECONDS="20")
    server = Gunicorn(tmp_path, env, workers=1)
    stop_later(server)
    server.start()
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    client.request("POST", "/i18n/setlang/", body="language=es", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    response = client.getresponse()
    response.read()
    client.close()
    pin = [value for name, value in response.getheaders() if name.lower() == "set-cookie" and "momento_primary=" in value]
    assert pin and "Max-Age=20" in pin[0] and "HttpOnly" in pin[0], response.getheaders()
