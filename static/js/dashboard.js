// Dashboard: draws the Plotly figures the server built (JSON in #dashboard-figures),
// toggles heatmap rows between moments and touchpoints, and runs "recompute now"
// with a progress bar. No figure logic here: analytics/charts.py builds the
// figures, their hover texts, cell colours, Plotly's config and the layout for
// phones. Below `narrow_width` the heatmap is drawn as a table whose row labels
// stay put while its columns scroll, from the same figure.
// A cell of the heatmap (clicked in the chart, or its button in the table) opens
// cell_panel.js's panel of what its customers say; a row's name in the table (or
// in the chart) opens the row's whole period. "As a table" draws the table on a
// wide screen too: the way to the cells by keyboard.
// Plotly is the vendored bundle (static/vendor/README.md), a classic script that
// runs before this module and defines window.Plotly; it is read once, here.

import { openCellPanel } from "./cell_panel.js";
import { gettext } from "./i18n.js";
import { pollWithBar, unreachableText } from "./task_progress.js";

const Plotly = globalThis.Plotly;

const figuresNode = document.getElementById("dashboard-figures");
const figures = figuresNode ? JSON.parse(figuresNode.textContent) : null;
const cellsNode = document.getElementById("dashboard-cells");
const cells = cellsNode ? JSON.parse(cellsNode.textContent) : null;
let level = "moments";
let asTable = false;
let drawnNarrow = null;
let drawnNarrowEmotion = null;

// Labels and hover texts are HTML-escaped for Plotly; the table shows them as text.
function plainText(html) {
  const text = html.replace(/<br>/g, "\n");
  return new DOMParser().parseFromString(text, "text/html").body.textContent;
}

function isNarrow(node, below = figures.narrow_width) {
  return (node.parentElement || node).clientWidth < below;
}

// Open the panel of a row (column null: the row's whole period) at the current level.
function openCell(row, column, from) {
  if (!cells) return;
  const trace = figures.heatmap[level].data[0];
  const rowScope = cells.rows[level][row];
  if (!rowScope) return;
  const columnScope = column === null ? {} : cells.columns[column];
  const where = column === null ? gettext("whole period") : plainText(trace.x[column]);
  const cellFigures = column === null ? "" : plainText(trace.customdata[row][column][0]).split("\n").slice(2)
    .join(" · ");
  const chart = document.getElementById("heatmap-chart");
  if (Plotly && Plotly.Fx && chart && !chart.hidden) Plotly.Fx.unhover(chart);
  openCellPanel(cells, {
    scope: { ...rowScope, ...cells.period, ...columnScope },
    title: `${plainText(trace.y[row])} · ${where}`,
    figures: cellFigures,
    from,
  });
}

function cellButton(className, text, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.textContent = text;
  button.addEventListener("click", onClick);
  return button;
}

function drawTable(container, figure) {
  const trace = figure.data[0];
  const table = document.createElement("table");
  table.className = "heatmap-table";
  const head = table.createTHead().insertRow();
  const corner = document.createElement("th");
  corner.scope = "col";
  head.appendChild(corner);
  trace.x.forEach((label) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = plainText(label);
    head.appendChild(th);
  });
  const body = table.createTBody();
  const details = document.createElement("p");
  details.className = "cell-details";
  details.setAttribute("aria-live", "polite");
  trace.y.forEach((label, row) => {
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    const name = plainText(label);
    if (cells) {
      const button = cellButton("row-button", name, () => openCell(row, null, button));
      button.title = rowTitle(name);
      th.appendChild(button);
    } else {
      th.textContent = name;
    }
    tr.appendChild(th);
    trace.customdata[row].forEach(([hover, text, color], column) => {
      const td = tr.insertCell();
      if (color) td.style.backgroundColor = color;
      const explained = plainText(hover);
      td.title = explained;
      // A phone has no hover: touching (or focusing) a cell shows its figures below,
      // and opens what its customers say.
      const show = () => { details.textContent = explained.replace(/\n/g, " · "); };
      if (cells) {
        const button = cellButton("cell-button", text, () => { show(); openCell(row, column, button); });
        button.addEventListener("focus", show);
        td.appendChild(button);
      } else {
        td.textContent = text;
        td.tabIndex = 0;
        td.addEventListener("click", show);
        td.addEventListener("focus", show);
      }
    });
  });
  // The table scrolls sideways inside its own box; the details below it stay in view.
  const scroller = document.createElement("div");
  scroller.className = "heatmap-scroll";
  scroller.appendChild(table);
  container.replaceChildren(scroller, details);
}

function rowTitle(name) {
  return `${name} · ${gettext("whole period")}`;
}

// Clicks on the chart: a cell opens its panel (the marks drawn over cells skip
// hover, so a click on them reaches the cell below).
let chartListening = false;
function listenToChart(chart) {
  if (chartListening || !cells || typeof chart.on !== "function") return;
  chartListening = true;
  chart.classList.add("cells-open");
  chart.on("plotly_click", (event) => {
    const point = event && event.points && event.points.find((each) => each.data.type === "heatmap");
    if (!point) return;
    const trace = figures.heatmap[level].data[0];
    const [row, column] = Array.isArray(point.pointNumber) ? point.pointNumber
      : [trace.y.indexOf(point.y), trace.x.indexOf(point.x)];
    if (row >= 0 && column >= 0) openCell(row, column, null);
  });
}

// A row's name in the chart (Plotly's tick label, made clickable by the stylesheet)
// opens the row's whole period. One listener on the chart's box survives redraws.
function listenToRowNames(chart) {
  if (!cells) return;
  chart.addEventListener("click", (event) => {
    const tick = event.target.closest && event.target.closest(".ytick");
    if (!tick) return;
    const trace = figures.heatmap[level].data[0];
    const row = trace.y.findIndex((label) => plainText(label) === tick.textContent);
    if (row >= 0) openCell(row, null, null);
  });
}

function drawHeatmap() {
  const chart = document.getElementById("heatmap-chart");
  const tableNode = document.getElementById("heatmap-table");
  if (!chart || !tableNode) return;
  const figure = figures.heatmap[level];
  drawnNarrow = isNarrow(chart);
  if (drawnNarrow || asTable) {
    if (Plotly) Plotly.purge(chart);
    chartListening = false;
    chart.hidden = true;
    tableNode.hidden = false;
    drawTable(tableNode, figure);
  } else {
    tableNode.hidden = true;
    tableNode.replaceChildren();
    chart.hidden = false;
    plot(chart, figure.data, figure.layout).then(() => listenToChart(chart));
  }
}

function plot(node, data, layout) {
  if (!Plotly) return Promise.resolve();
  // Plotly keeps (and fills in) the layout it is given: hand it a copy.
  return Plotly.react(node, data, structuredClone(layout), figures.config);
}

function drawEmotion() {
  const node = document.getElementById("emotion-chart");
  if (!node) return;
  const figure = figures.emotion;
  const narrow = isNarrow(node, figure.narrow_below);
  drawnNarrowEmotion = narrow;
  const layout = narrow ? { ...figure.layout, ...figure.narrow_layout } : figure.layout;
  plot(node, figure.data, layout);
}

// Key drivers (issue 18): the priority matrix (points named by their numbers on a
// phone) and the customer's path, when the page has them.
let drawnNarrowPriority = null;
function drawPriority() {
  const node = document.getElementById("priority-chart");
  const figure = figures.priority;
  if (!node || !figure) return;
  const narrow = isNarrow(node, figure.narrow_below);
  drawnNarrowPriority = narrow;
  plot(node, figure.data, narrow ? { ...figure.layout, ...figure.narrow_layout } : figure.layout);
}

function drawPaths() {
  const node = document.getElementById("paths-chart");
  if (node && figures.paths) plot(node, figures.paths.data, figures.paths.layout);
}

if (figures) {
  const heatmapChart = document.getElementById("heatmap-chart");
  if (heatmapChart) listenToRowNames(heatmapChart);
  drawHeatmap();
  drawEmotion();
  // The key-driver charts are drawn in the next frame, once the page has laid out:
  // drawn during the first layout, their text labels kept Playwright's network
  // bookkeeping from ever seeing the page idle.
  requestAnimationFrame(() => {
    drawPriority();
    drawPaths();
    document.body.dataset.chartsReady = "true";
  });
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      const chart = document.getElementById("heatmap-chart");
      const emotion = document.getElementById("emotion-chart");
      // Plotly follows the width by itself (responsive); redraw only across a breakpoint.
      if (chart && isNarrow(chart) !== drawnNarrow) drawHeatmap();
      if (emotion && isNarrow(emotion, figures.emotion.narrow_below) !== drawnNarrowEmotion) drawEmotion();
      const priority = document.getElementById("priority-chart");
      if (priority && figures.priority && isNarrow(priority, figures.priority.narrow_below) !== drawnNarrowPriority) {
        drawPriority();
      }
    }, 150);
  });
  document.querySelectorAll(".level-toggle [data-level]").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll(".level-toggle [data-level]").forEach((other) => {
        other.setAttribute("aria-pressed", String(other === button));
      });
      level = button.dataset.level;
      drawHeatmap();
    });
  });
  const tableToggle = document.getElementById("heatmap-as-table");
  if (tableToggle) {
    tableToggle.addEventListener("click", () => {
      asTable = !asTable;
      tableToggle.setAttribute("aria-pressed", String(asTable));
      drawHeatmap();
    });
  }
}

const form = document.getElementById("recompute-form");
const bar = document.getElementById("recompute-progress");
const statusNode = document.getElementById("recompute-status");

function show(text) {
  if (statusNode) statusNode.textContent = text;
}

function follow(url) {
  const running = statusNode ? statusNode.textContent : "";
  return pollWithBar(url, { bar, say: show, running, deadline: Date.now() + 5 * 60 * 1000 });
}

// What the end of a recompute's polling says (at SUCCESS the page reloads instead).
function showEnd(result) {
  bar.hidden = true; // nothing is being followed any more
  if (result.outcome === "done") show(result.state.error || gettext("The recompute failed."));
  else if (result.outcome === "unreachable") show(unreachableText());
  else show(gettext("The recompute is taking long: reload the page in a while to see its result."));
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
        bar.hidden = true;
        show((answer.errors || []).join(" "));
        return;
      }
      // Embedded (eager) mode: the task has finished before the answer came back.
      if (answer.state === "SUCCESS") {
        window.location.reload();
        return;
      }
      const result = await follow(answer.status_url);
      if (result.outcome === "done" && result.state.state === "SUCCESS") window.location.reload();
      else showEnd(result);
    } catch (error) {
      bar.hidden = true;
      show(gettext("Could not reach the server. Check the connection and try again."));
    } finally {
      button.disabled = false;
    }
  });
}
