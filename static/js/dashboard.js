// Dashboard: draws the Plotly figures the server built (JSON in #dashboard-figures),
// toggles heatmap rows between moments and touchpoints, and runs "recompute now"
// with a progress bar. No figure logic here: analytics/charts.py builds them.

const figuresNode = document.getElementById("dashboard-figures");
const figures = figuresNode ? JSON.parse(figuresNode.textContent) : null;
const config = { responsive: true, displaylogo: false };

function draw(id, figure) {
  const node = document.getElementById(id);
  if (!node || !figure || typeof window.Plotly === "undefined") return;
  window.Plotly.react(node, figure.data, figure.layout, config);
}

if (figures) {
  draw("heatmap-chart", figures.heatmap.moments);
  draw("emotion-chart", figures.emotion);
  document.querySelectorAll(".level-toggle [data-level]").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll(".level-toggle [data-level]").forEach((other) => {
        other.setAttribute("aria-pressed", String(other === button));
      });
      draw("heatmap-chart", figures.heatmap[button.dataset.level]);
    });
  });
}

const form = document.getElementById("recompute-form");
const bar = document.getElementById("recompute-progress");
const statusNode = document.getElementById("recompute-status");

function show(text) {
  if (statusNode) statusNode.textContent = text;
}

// The shared follower of task progress (static/js/task_progress.js).
async function poll(url, deadline) {
  const state = await window.momentoTasks.poll(url, {
    deadline,
    onProgress: (progress) => {
      if (progress.total) {
        bar.max = progress.total;
        bar.value = progress.done || 0;
      }
    },
  });
  if (state.state === "FAILURE") show(state.error || "");
  return state.state === "SUCCESS";
}

if (form && bar) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    bar.hidden = false;
    bar.removeAttribute("value"); // indeterminate until the task reports progress
    show(form.dataset.runningText || "…");
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
      // Embedded (eager) mode: the task has finished before the answer came back.
      const done = answer.state === "SUCCESS" || (await poll(answer.status_url, Date.now() + 5 * 60 * 1000));
      if (done) window.location.reload();
    } catch (error) {
      show(String(error));
    } finally {
      button.disabled = false;
    }
  });
}
