// Follows a background task through the analytics' status endpoint, the one protocol
// for task progress (the dashboard's "recompute now", a cycle's recount after a new
// time zone): GET status_url answers {state, done, total[, error]}.
// Elements with data-task-status-url are followed on their own: their
// [data-task-bar] <progress> shows done/total, and their [data-task-text] says
// data-done-text or data-failed-text at the end.
(function () {
  "use strict";

  const FINAL = ["SUCCESS", "FAILURE"];

  // Resolves with the last state read: SUCCESS or FAILURE, or {state: "UNKNOWN"}
  // when the endpoint stops answering, or {state: "TIMEOUT"} at the deadline.
  async function poll(url, options) {
    const settings = options || {};
    const deadline = settings.deadline || Date.now() + 10 * 60 * 1000;
    const onProgress = settings.onProgress || (() => {});
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, settings.interval || 1000));
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return { state: "UNKNOWN" };
      const state = await response.json();
      onProgress(state);
      if (FINAL.includes(state.state)) return state;
    }
    return { state: "TIMEOUT" };
  }

  function showProgress(bar, state) {
    if (bar && state.total) {
      bar.max = state.total;
      bar.value = state.done || 0;
    }
  }

  async function follow(node) {
    const bar = node.querySelector("[data-task-bar]");
    const text = node.querySelector("[data-task-text]");
    let final;
    try {
      final = await poll(node.dataset.taskStatusUrl, { onProgress: (state) => showProgress(bar, state) });
    } catch (error) {
      return; // offline: the text still says the work is running, which a reload confirms
    }
    if (!FINAL.includes(final.state)) return;
    const done = final.state === "SUCCESS";
    text.textContent = done ? node.dataset.doneText : node.dataset.failedText;
    node.classList.add(done ? "done" : "failed");
    if (bar) bar.remove();
  }

  window.momentoTasks = { poll: poll };
  document.querySelectorAll("[data-task-status-url]").forEach(follow);
})();
