// The PDF report: the dashboard's button starts the task that makes it, follows it with
// a progress bar (static/js/task_progress.js), then the browser downloads the file;
// the export's own page (no JavaScript needed to reach it) follows it the same way
// and reloads when it ends, to show the download or why it failed.
// In the embedded mode the task has ended before the first answer comes back.
// (Before the imports, no comment may hold the word e-x-p-o-r-t and a space:
// collectstatic's hashing of module imports would take it for a statement.)

import { gettext } from "./i18n.js";
import { pollWithBar, taskEnded, unreachableText } from "./task_progress.js";

function endText(result) {
  if (result.outcome === "unreachable") return unreachableText();
  return gettext("The report is taking long: open it later from its page.");
}

const form = document.getElementById("report-form");
const bar = document.getElementById("report-progress");
const statusNode = document.getElementById("report-status");

function show(text) {
  if (statusNode) statusNode.textContent = text;
}

function offerAgain(url) {
  const link = document.createElement("a");
  link.href = url;
  link.textContent = form.dataset.againText;
  link.className = "report-again";
  statusNode.append(" ", link);
}

if (form && bar && statusNode) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    bar.hidden = false;
    bar.removeAttribute("value"); // indeterminate until the task reports progress
    show(form.dataset.runningText);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (!response.ok) {
        show((answer.errors || []).join(" "));
        return;
      }
      let state = answer;
      if (!taskEnded(answer)) {
        const result = await pollWithBar(answer.status_url, { bar, say: show, running: form.dataset.runningText });
        if (result.outcome !== "done") {
          show(endText(result));
          const link = document.createElement("a");
          link.href = answer.page_url;
          link.textContent = gettext("Its page");
          statusNode.append(" ", link);
          return;
        }
        state = result.state;
      }
      if (state.state === "SUCCESS") {
        show(form.dataset.doneText);
        offerAgain(answer.download_url);
        window.location.assign(answer.download_url);
      } else {
        show(state.error || gettext("The report could not be made."));
      }
    } catch (error) {
      show(gettext("Could not reach the server. Check the connection and try again."));
    } finally {
      bar.hidden = true;
      button.disabled = false;
    }
  });
}

// The export's page: follow it while it is made, then show the outcome the server renders.
const followed = document.querySelector("[data-export-status-url]");
if (followed) {
  const pageBar = followed.querySelector("progress");
  const text = followed.querySelector("[data-export-text]");
  const say = (value) => { text.textContent = value; };
  pollWithBar(followed.dataset.exportStatusUrl, { bar: pageBar, say, running: text.textContent })
    .then((result) => {
      if (result.outcome === "done") window.location.reload();
      else text.textContent = endText(result);
    });
}
