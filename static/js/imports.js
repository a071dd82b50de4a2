// Ratings import page: refuse an oversized file before uploading it, and follow
// a running import with a progress bar (the shared poll of task_progress.js on
// the import's status endpoint) until the server sends the result, rendered by
// the same template as the page.

import { formatNumber, gettext, interpolate } from "./i18n.js";
import { poll, retryingText } from "./task_progress.js";

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
// The status endpoint answers {status, finished, done, total, percent[, result_html]}.
function showProgress(bar, text, state) {
  if (state.percent === null || state.percent === undefined) {
    bar.removeAttribute("value"); // indeterminate until the task reports progress
    text.textContent = gettext("Waiting for the import to start…");
    return;
  }
  bar.value = state.percent;
  bar.textContent = state.percent + " %";
  const detail = state.finished
    ? gettext("Finished")
    : interpolate(gettext("%(done)s of %(total)s lines"),
      { done: formatNumber(state.done), total: formatNumber(state.total) }, true);
  text.textContent = state.percent + " % · " + detail;
}

async function followImport(section) {
  const bar = document.getElementById("import-progress");
  const text = document.getElementById("import-progress-text");
  const result = await poll(section.dataset.statusUrl, {
    isDone: (state) => state.finished,
    deadline: Infinity, // a large file takes as long as it takes; the page follows it to the end
    onProgress: (state) => showProgress(bar, text, state),
    onError: () => {
      text.textContent = retryingText();
    },
  });
  if (result.outcome === "done") {
    document.getElementById("import-result").innerHTML = result.state.result_html;
    section.dataset.finished = "true";
  } else if (result.outcome === "unreachable") {
    if (!bar.hasAttribute("value")) bar.value = 0; // no longer followed: stop the "working" animation
    text.textContent = gettext("Could not reach the server. Reload the page to see how the import went.");
  }
}

const section = document.getElementById("import-progress-section");
if (section && section.dataset.finished !== "true") followImport(section);
