"""The public survey page under load (issue 17): ratings per second through /s/<token>/
with 8 concurrent clients, and the page's latency, at the bench's N stored ratings.

A rating through the page costs two requests, as a customer makes them: a GET of the
form (CSRF cookie and token, and the signed time it was served) and the POST of the
answer. The page refuses an answer that comes sooner than 2 s after its form was
served (the bot guard), so a client cannot post at once without measuring its own
sleep. We **pre-fetch forms and post them later**: in phase A the 8 clients GET
every form they will need (this is the page's latency under 8 concurrent clients);
once the newest form is 2 s old (a wait of at most 2 s, on no clock) phase B posts
them all, 8 at a time. Every answer is a real form the server issued, carrying its
own cookie, token and stamp: nothing is forged with the signing key, so the bot
guard is exercised exactly as in production, and no sleep is inside either clock.
The per-rating rate (GET + POST) is N / (A + B); the POST rate alone is N / B.

Beside it, its physical limit on the same machine: the same number of single ratings
POSTed to /api/v1/ratings/ by 8 clients with a token, the one-rating path of the same
ingestion service (the form adds the page, CSRF, the stamp, the limits and a rendered
thank-you).

The page's p95 on a quiet system (sequential GETs, like the dashboard's latency)
is the figure with a target: ≤ 50 ms at 10⁶ stored ratings. Rate limits are raised
for the bench's gunicorn (GUNICORN_ENV) so every answer is stored, but still
counted in Redis on every POST as in production; the stored count must equal the
answers sent.
"""

from __future__ import annotations

import http.client
import random
import re
import statistics
import threading
import time
from collections import deque

# The bench's gunicorn counts answers as production does, but never refuses one.
GUNICORN_ENV = {"MOMENTO_SURVEY_ADDRESS_LIMIT": "1000000000", "MOMENTO_SURVEY_LINK_LIMIT": "1000000000"}
CLIENTS = 8
BOT_GUARD_SECONDS = 2.0
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_STAMP = re.compile(r'name="stamp" value="([^"]+)"')


def _notice(page: bytes) -> str:
    """Why the page refused an answer (its notice or error), for the bench's error counts."""
    found = re.search(rb'class="survey-(?:notice|error)"[^>]*>([^<]{0,80})', page)
    return found.group(1).decode(errors="replace") if found else ""


def _percentiles(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    if not ordered:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "max_ms": float("nan")}
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2), "max_ms": round(ordered[-1], 2)}


def link_for_bench(touchpoint_id: int):
    from touchpoints.models import Touchpoint
    from touchpoints.survey_links import survey_link_create

    return survey_link_create(touchpoint=Touchpoint.objects.get(pk=touchpoint_id), name="bench poster")


def _get(connection: http.client.HTTPConnection, path: str, cookie: str) -> tuple[float, int, str, str]:
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    body = response.read().decode()
    elapsed = (time.perf_counter() - started) * 1000
    set_cookie = response.getheader("Set-Cookie") or ""
    match = re.search(r"csrftoken=([^;]+)", set_cookie)
    return elapsed, response.status, body, f"csrftoken={match.group(1)}" if match else cookie


class _Client:
    """One visitor's browser: its own cookie jar (the CSRF cookie) and connection."""

    def __init__(self, port: int, path: str, forms: int, low: int, high: int, seed: int):
        self.port, self.path, self.forms = port, path, forms
        self.random = random.Random(seed)
        self.low, self.high = low, high
        self.cookie = ""
        self.pending: deque[tuple[float, str, str]] = deque()
        self.get_ms: list[float] = []
        self.post_ms: list[float] = []
        self.stored = 0
        self.errors: dict[str, int] = {}

    def _error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def fetch_all(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for _ in range(self.forms):
            try:
                elapsed, status, body, self.cookie = _get(connection, self.path, self.cookie)
            except (OSError, http.client.HTTPException) as error:
                self._error(f"GET {type(error).__name__}")
                connection.close()
                continue
            token, stamp = _TOKEN.search(body), _STAMP.search(body)
            if status != 200 or not token or not stamp:
                self._error(f"GET {status}")
                continue
            self.get_ms.append(elapsed)
            self.pending.append((time.monotonic(), token.group(1), stamp.group(1)))
        connection.close()

    def post_all(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while self.pending:
            _fetched, token, stamp = self.pending.popleft()
            body = (f"csrfmiddlewaretoken={token}&stamp={stamp}&score={self.random.randint(self.low, self.high)}"
                    "&website=&mode=page&lang=en&comment=")
            started = time.perf_counter()
            try:
                connection.request("POST", self.path, body=body, headers={
                    "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": f"http://127.0.0.1:{self.port}"})
                response = connection.getresponse()
                page = response.read()
            except (OSError, http.client.HTTPException) as error:  # counted, never retried (no key)
                self._error(f"POST {type(error).__name__}")
                connection.close()
                continue
            self.post_ms.append((time.perf_counter() - started) * 1000)
            if response.status == 200 and b"data-done" in page:
                self.stored += 1
            else:
                self._error(f"POST {response.status}: {_notice(page)}")
        connection.close()


class _ApiClient:
    """The baseline: a REST client posting the same number of single ratings to /api/v1/ratings/
    (the one-rating path of the same ingestion service, without page, CSRF, stamp or limits)."""

    def __init__(self, port: int, token: str, touchpoint_id: int, count: int, low: int, high: int, seed: int):
        self.port, self.token, self.touchpoint_id, self.count = port, token, touchpoint_id, count
        self.random = random.Random(seed)
        self.low, self.high = low, high
        self.stored = 0

    def post_all(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for _ in range(self.count):
            body = f'{{"touchpoint": {self.touchpoint_id}, "score": {self.random.randint(self.low, self.high)}}}'
            connection.request("POST", "/api/v1/ratings/", body=body, headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            self.stored += response.status == 201
        connection.close()


def _run(clients: list, method: str) -> float:
    threads = [threading.Thread(target=getattr(client, method)) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def measure(*, port: int, touchpoint_id: int, ratings: int, requests: int, token: str) -> dict:
    """Make a survey link on the touchpoint, time its page and `ratings` answers through it,
    and as many single ratings through the REST API (`token`) by as many clients: the baseline."""
    from touchpoints.models import Rating
    from touchpoints.scales import SCALES

    link = link_for_bench(touchpoint_id)
    scale = SCALES[link.touchpoint.scale]
    path = f"/s/{link.token}/"
    # The page on a quiet system: sequential GETs on one connection, as a single visitor.
    quiet_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    quiet, statuses, cookie = [], {}, ""
    for _ in range(requests):
        elapsed, status, _body, cookie = _get(quiet_connection, path, cookie)
        quiet.append(elapsed)
        statuses[status] = statuses.get(status, 0) + 1
    quiet_connection.close()

    share, extra = divmod(ratings, CLIENTS)
    clients = [_Client(port, path, share + (index < extra), scale.low, scale.high, seed=index)
               for index in range(CLIENTS)]
    fetch_seconds = _run(clients, "fetch_all")
    newest = max((client.pending[-1][0] for client in clients if client.pending), default=time.monotonic())
    wait = max(0.0, newest + BOT_GUARD_SECONDS + 0.05 - time.monotonic())
    time.sleep(wait)  # outside both clocks: every form is now older than the bot guard
    post_seconds = _run(clients, "post_all")

    stored = Rating.objects.filter(touchpoint_id=link.touchpoint_id, source=Rating.Source.FORM).count()
    api_clients = [_ApiClient(port, token, link.touchpoint_id, share + (index < extra), scale.low, scale.high, index)
                   for index in range(CLIENTS)]
    api_seconds = _run(api_clients, "post_all")
    api_stored = sum(client.stored for client in api_clients)
    answered = sum(client.stored for client in clients)
    errors: dict[str, int] = {}
    for client in clients:
        for key, count in client.errors.items():
            errors[key] = errors.get(key, 0) + count
    return {
        "clients": CLIENTS, "ratings_sent": ratings, "answered": answered, "stored": stored,
        "exact": stored == answered == ratings, "errors": errors,
        "page_quiet": {**_percentiles(quiet), "requests": requests, "statuses": statuses},
        "page_under_load": {**_percentiles([ms for client in clients for ms in client.get_ms]),
                            "seconds": round(fetch_seconds, 3)},
        "post": {**_percentiles([ms for client in clients for ms in client.post_ms]),
                 "seconds": round(post_seconds, 3), "rate_per_s": round(answered / post_seconds, 1)},
        "rate_per_s": round(answered / (fetch_seconds + post_seconds), 1),
        "api_single": {"seconds": round(api_seconds, 3), "stored": api_stored,
                       "rate_per_s": round(api_stored / api_seconds, 1)},
        "post_vs_api_single": round((answered / post_seconds) / (api_stored / api_seconds), 3) if api_stored else None,
        "waited_for_bot_guard_seconds": round(wait, 3),
    }


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    survey = results.get("survey")
    if not survey:
        return []
    return [
        ("survey page p50/p95 (quiet)", f"{survey['page_quiet']['p50_ms']} / {survey['page_quiet']['p95_ms']} ms",
         f"target p95 ≤ 50 ms; {survey['page_quiet']['statuses']}"),
        ("survey ratings/s, 8 clients", f"{survey['rate_per_s']:,}/s (GET + POST)",
         (f"POSTs alone {survey['post']['rate_per_s']:,}/s = {survey['post_vs_api_single']} × single ratings by the "
          f"API ({survey['api_single']['rate_per_s']:,}/s), POST p95 {survey['post']['p95_ms']} ms; page p95 under load "
          f"{survey['page_under_load']['p95_ms']} ms; stored {survey['stored']:,} of {survey['ratings_sent']:,}, "
          f"exact={survey['exact']}")),
    ]
