// The one way a page follows background work: poll its status URL until the work
// ends. Used by the dashboard's "recompute now", the cycle page's recount after a
// new time zone (jobs.js), the CSV import's progress bar (imports.js) and the
// PDF report's (exports.js).
//
// One request at a time: the next is asked `interval` ms after the previous
// answer (or failure), never while one is in flight, and a request that hangs is
// given up after `requestTimeout` ms. A failed request (no network, an HTTP
// error, not JSON) is reported to onError and retried; `maxFailures` failures in
// a row end the polling as "unreachable".

import { gettext } from "./i18n.js";

// The analytics' task_status endpoint answers {state, done, total[, error]}.
const FINAL_TASK_STATES = ["SUCCESS", "FAILURE"];

export function taskEnded(state) {
  return FINAL_TASK_STATES.includes(state.state);
}

// What a page says while its requests fail, and when it gives up.
export function retryingText() {
  return gettext("The server does not answer; trying again…");
}

export function unreachableText() {
  return gettext("Could not reach the server. Reload the page to see how the work went.");
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

async function read(url, requestTimeout, signal) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("timed out")), requestTimeout);
  const stop = () => controller.abort(signal.reason);
  signal?.addEventListener("abort", stop, { once: true });
  try {
    const response = await fetch(url, {
      headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      signal: controller.signal,
    });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return await response.json();
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", stop);
  }
}

// Resolves with how the polling ended:
//   {outcome: "done", state}         isDone(state) was true (for a task: SUCCESS or FAILURE)
//   {outcome: "unreachable", error}  maxFailures requests in a row failed
//   {outcome: "timeout"}             the deadline (a time in ms) passed
//   {outcome: "stopped"}             the signal (an AbortSignal) was aborted
// onProgress(state) gets every answer, the last one too; onError(error, failures)
// every failure.
export async function poll(url, {
  isDone = taskEnded,
  onProgress = () => {},
  onError = () => {},
  interval = 1000,
  deadline = Date.now() + 10 * 60 * 1000,
  maxFailures = 5,
  requestTimeout = 15000,
  signal,
} = {}) {
  let failures = 0;
  for (;;) {
    await pause(interval, signal);
    if (signal?.aborted) return { outcome: "stopped" };
    if (Date.now() >= deadline) return { outcome: "timeout" };
    let state;
    try {
      state = await read(url, requestTimeout, signal);
    } catch (error) {
      if (signal?.aborted) return { outcome: "stopped" };
      failures += 1;
      onError(error, failures);
      if (failures >= maxFailures) return { outcome: "unreachable", error };
      continue;
    }
    failures = 0;
    onProgress(state);
    if (isDone(state)) return { outcome: "done", state };
  }
}

function showProgress(bar, state) {
  if (bar && state.total) {
    bar.max = state.total;
    bar.value = state.done || 0;
  }
}

// Poll `url` while `bar` (a <progress>) shows done of total and `say(text)` says
// `running`, or that the server does not answer yet; resolves as poll does.
export function pollWithBar(url, { bar, say, running, deadline }) {
  return poll(url, {
    deadline,
    onProgress: (state) => {
      say(running);
      showProgress(bar, state);
    },
    onError: () => say(retryingText()),
  });
}

// An element with data-task-status-url: its [data-task-bar] <progress> shows
// done/total, and its [data-task-text] says data-done-text or data-failed-text
// at the end (and what went wrong while the server does not answer).
export async function followTask(node) {
  const bar = node.querySelector("[data-task-bar]");
  const text = node.querySelector("[data-task-text]");
  const running = text.textContent;
  const result = await poll(node.dataset.taskStatusUrl, {
    onProgress: (state) => {
      text.textContent = running;
      showProgress(bar, state);
    },
    onError: () => {
      text.textContent = retryingText();
    },
  });
  if (result.outcome === "unreachable") {
    text.textContent = unreachableText(); // the work may still be running: no verdict
    if (bar) bar.remove();
  } else if (result.outcome === "done") {
    const done = result.state.state === "SUCCESS";
    text.textContent = done ? node.dataset.doneText : node.dataset.failedText;
    node.classList.add(done ? "done" : "failed");
    if (bar) bar.remove();
  }
  return result;
}
