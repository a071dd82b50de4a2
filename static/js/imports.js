// Ratings import page: refuse an oversized file before uploading it, and follow
// a running import with a progress bar (polling the status endpoint) until the
// server sends the result, rendered by the same template as the page.
(function () {
  "use strict";

  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate || ((text, values) =>
    text.replace(/%\((\w+)\)s/g, (match, name) => values[name]));
  const language = document.documentElement.lang || undefined;

  function number(value) {
    return Number(value).toLocaleString(language);
  }

  // --- Upload: the size limit is checked before a byte is sent -------------
  const form = document.getElementById("upload-form");
  if (form) {
    const input = form.querySelector('input[type="file"]');
    const error = document.getElementById("file-error");
    const limit = Number(form.dataset.maxBytes);
    const tooLarge = () => input.files.length && input.files[0].size > limit;
    input.addEventListener("change", () => {
      error.textContent = tooLarge() ? form.dataset.tooLarge : "";
    });
    form.addEventListener("submit", (event) => {
      if (!input.files.length) {
        event.preventDefault();
        error.textContent = gettext("Choose a CSV file to upload.");
        input.focus();
      } else if (tooLarge()) {
        event.preventDefault();
        error.textContent = form.dataset.tooLarge;
        input.focus();
      }
    });
  }

  // --- Progress ----------------------------------------------------------------
  const section = document.getElementById("import-progress-section");
  if (!section || section.dataset.finished === "true") return;
  const bar = document.getElementById("import-progress");
  const text = document.getElementById("import-progress-text");
  const result = document.getElementById("import-result");
  const POLL_MS = 700;
  let failures = 0;

  function show(state) {
    if (state.percent === null || state.percent === undefined) {
      bar.removeAttribute("value"); // indeterminate until the task reports progress
      text.textContent = gettext("Waiting for the import to start…");
      return;
    }
    bar.value = state.percent;
    bar.textContent = state.percent + " %";
    const detail = state.finished
      ? gettext("Finished")
      : interpolate(gettext("%(done)s of %(total)s lines"), { done: number(state.done), total: number(state.total) },
        true);
    text.textContent = state.percent + " % · " + detail;
  }

  async function poll() {
    try {
      const response = await fetch(section.dataset.statusUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const state = await response.json();
      failures = 0;
      show(state);
      if (state.finished) {
        result.innerHTML = state.result_html;
        section.dataset.finished = "true";
        return;
      }
    } catch (error) {
      failures += 1;
      if (failures >= 5) {
        text.textContent = gettext("Could not reach the server. Reload the page to see how the import went.");
        return;
      }
    }
    window.setTimeout(poll, POLL_MS);
  }

  poll();
})();
