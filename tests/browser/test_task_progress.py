"""The shared poll of static/js/task_progress.js, in Chromium, against a scripted
`fetch` (issue 14, item 9): it asks once per interval and never while a request
is in flight, stops at the end of the work (a task's SUCCESS or FAILURE, an
import's `finished`), reports failed requests and carries on, gives up after
`maxFailures` in a row, abandons a request that hangs, and ends at its deadline
or when it is stopped. The pages that use it are driven to the end in
test_import_and_tokens.py and test_cycle_timezone.py; below and there, also
through a connection that fails."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from playwright.sync_api import expect

from tests.browser.test_import_and_tokens import GOOD, _upload
from touchpoints import imports
from touchpoints.models import RatingImport

pytestmark = pytest.mark.browser

# answers: what each request gets, in order: {json, status, delay, offline, hang, body};
# once they run out, every request gets a running task. Returns what happened.
POLL = """async ([answers, options]) => {
  const { poll } = await import("/static/js/task_progress.js");
  const calls = [];
  let inFlight = 0, maxInFlight = 0;
  const queue = [...answers];
  window.fetch = async (url, init) => {
    calls.push(performance.now());
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = queue.length ? queue.shift() : { json: { state: "PROGRESS" } };
    try {
      await new Promise((resolve, reject) => {
        const timer = answer.hang ? null : setTimeout(resolve, answer.delay || 0);
        init.signal.addEventListener("abort", () => { clearTimeout(timer); reject(init.signal.reason); });
      });
      if (answer.offline) throw new TypeError("Failed to fetch");
      const body = answer.body !== undefined ? answer.body : JSON.stringify(answer.json);
      return new Response(body, { status: answer.status || 200, headers: { "Content-Type": "application/json" } });
    } finally {
      inFlight -= 1;
    }
  };
  const progress = [], errors = [];
  const controller = new AbortController();
  if (options.stopAfter) setTimeout(() => controller.abort(), options.stopAfter);
  const started = performance.now();
  // A broken poll that never ends fails the test rather than hanging it.
  const never = new Promise((resolve) => setTimeout(() => resolve({ outcome: "still polling after 8 s" }), 8000));
  const result = await Promise.race([never, poll("/status/", {
    interval: options.interval,
    maxFailures: options.maxFailures,
    requestTimeout: options.requestTimeout,
    deadline: options.deadlineIn ? Date.now() + options.deadlineIn : undefined,
    isDone: options.untilFinished ? (state) => state.finished : undefined,
    signal: controller.signal,
    onProgress: (state) => progress.push(state),
    onError: (error, failures) => errors.push([String(error), failures]),
  })]);
  const ended = performance.now() - started;
  const callsAtEnd = calls.length;
  if (result.outcome.startsWith("still")) controller.abort(); // after the checks below: stop it
  await new Promise((resolve) => setTimeout(resolve, 4 * (options.interval || 1000)));
  return {
    outcome: result.outcome, state: result.state || null, error: result.error ? String(result.error) : null,
    calls: calls.map((at) => at - started), callsAtEnd, callsLater: calls.length, maxInFlight,
    progress, errors, ended,
  };
}"""

RUNNING = {"state": "PROGRESS", "done": 1, "total": 3}


@pytest.fixture
def poll(page, live_server):
    page.goto("/accounts/login/")  # any page of the app: the module is imported from its origin

    def poll(answers, **options):
        return page.evaluate(POLL, [answers, {"interval": 50, **options}])
    return poll


@pytest.mark.parametrize("final", ["SUCCESS", "FAILURE"])
def test_poll_follows_a_task_to_its_end_and_asks_no_more(poll, final):
    report = poll([{"json": RUNNING}, {"json": {**RUNNING, "done": 2}}, {"json": {"state": final, "error": "x"}}])
    assert report["outcome"] == "done" and report["state"]["state"] == final
    assert [state.get("done") for state in report["progress"]] == [1, 2, None], "every answer reaches onProgress"
    assert report["callsAtEnd"] == report["callsLater"] == 3, "no request after the end"
    assert report["errors"] == []


def test_poll_follows_an_import_until_it_is_finished(poll):
    report = poll([{"json": {"finished": False, "percent": 10}}, {"json": {"finished": True, "percent": 100}}],
                  untilFinished=True)
    assert report["outcome"] == "done" and report["state"]["percent"] == 100
    assert report["callsLater"] == 2


def test_poll_waits_the_interval_after_each_answer_and_never_overlaps(poll):
    slow = {"json": RUNNING, "delay": 150}
    report = poll([slow, slow, slow, {"json": {"state": "SUCCESS"}}], interval=60)
    assert report["maxInFlight"] == 1, "a request was sent while another was in flight"
    calls = report["calls"]
    assert len(calls) == 4 and calls[0] >= 55, calls
    gaps = [later - earlier for earlier, later in pairwise(calls)]
    assert all(gap >= 150 + 55 for gap in gaps), gaps  # the answer, then the interval


def test_poll_reports_each_failed_request_and_carries_on(poll):
    report = poll([{"offline": True}, {"status": 500, "json": {}}, {"body": "<html>"}, {"json": RUNNING},
                   {"offline": True}, {"json": {"state": "SUCCESS"}}], maxFailures=4)
    assert report["outcome"] == "done"
    assert [failures for _error, failures in report["errors"]] == [1, 2, 3, 1], "the count restarts after an answer"
    assert "Failed to fetch" in report["errors"][0][0] and "HTTP 500" in report["errors"][1][0]
    assert len(report["progress"]) == 2


def test_poll_gives_up_after_max_failures_in_a_row(poll):
    report = poll([{"offline": True}] * 10, maxFailures=3)
    assert report["outcome"] == "unreachable" and "Failed to fetch" in report["error"]
    assert report["callsAtEnd"] == report["callsLater"] == 3
    assert [failures for _error, failures in report["errors"]] == [1, 2, 3]


def test_poll_abandons_a_request_that_hangs(poll):
    report = poll([{"hang": True}, {"json": {"state": "SUCCESS"}}], requestTimeout=200)
    assert report["outcome"] == "done"
    assert len(report["errors"]) == 1 and "timed out" in report["errors"][0][0]
    assert report["maxInFlight"] == 1 and report["calls"][1] - report["calls"][0] >= 200


def test_poll_ends_at_its_deadline(poll):
    report = poll([], deadlineIn=300)
    assert report["outcome"] == "timeout"
    assert 250 <= report["ended"] < 1000 and report["callsAtEnd"] == report["callsLater"]


def test_poll_stops_when_its_signal_is_aborted(poll):
    report = poll([{"json": RUNNING}, {"hang": True}], stopAfter=200, requestTimeout=5000)
    assert report["outcome"] == "stopped" and report["errors"] == []
    assert report["callsAtEnd"] == report["callsLater"] == 2


# --- Each page shows a failing connection, and recovers ----------------------------

@pytest.fixture
def running_import(cx_manager, tmp_path, settings, celery_in_process):
    from journeys.services import cycle_create, moment_add
    from touchpoints.services import touchpoint_add

    settings.MOMENTO_UPLOAD_DIR = tmp_path / "imports"
    cycle = cycle_create(organization=cx_manager.memberships.get().organization, name="Airline")
    touchpoint_add(moment=moment_add(cycle=cycle, name="Bag drop", kind="SMOT"), name="Counter",
                   channel="in_person", key="bag-drop", interaction="human")
    rating_import = imports.rating_import_upload(
        organization=cycle.organization, cycle=cycle, file=_upload(GOOD), created_by=cx_manager)
    RatingImport.objects.filter(pk=rating_import.pk).update(status="running", task_id="browser-test")
    return rating_import


IMPORT_TEXTS = {
    "en": ("The server does not answer; trying again…", "25 % · 1,000 of 4,000 lines",
           "Could not reach the server. Reload the page to see how the import went."),
    "es": ("El servidor no responde; volviendo a intentarlo…", "25 % · 1.000 de 4.000 líneas",
           "No se ha podido contactar con el servidor. Recarga la página para ver cómo ha ido la importación."),
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_import_page_says_when_the_server_does_not_answer(page, shoot, log_in, cx_manager, running_import,
                                                              language):
    retrying, running, unreachable = IMPORT_TEXTS[language]
    mode = {"now": "offline"}

    def status(route):
        if mode["now"] == "offline":
            route.abort("internetdisconnected")
        else:
            route.fulfill(json={"status": "running", "finished": False, "done": 1000, "total": 4000, "percent": 25})

    page.route(re.compile(rf".*/imports/{running_import.pk}/status/$"), status)
    log_in(cx_manager)
    if language == "es":
        page.context.add_cookies([{"name": "django_language", "value": "es", "url": page.url}])
    page.goto(f"/imports/{running_import.pk}/")
    text = page.locator("#import-progress-text")
    expect(text).to_have_text(retrying)
    shoot(f"import-retrying-{language}", narrow=False)
    mode["now"] = "running"
    expect(text).to_have_text(running)
    mode["now"] = "offline"
    expect(text).to_have_text(unreachable, timeout=15_000)
    expect(page.locator("#import-progress")).to_have_attribute("value", "25")  # the last answer's, still
    shoot(f"import-unreachable-{language}")
