// The panel of a heatmap cell: what its dissatisfied customers say (issue 15).
// dashboard.js opens it with the cell's scope (the insights API's query:
// moment/touchpoint, start/end, segment or channel); this module asks
// GET /api/v1/cycles/{id}/insights/ (same origin, the session's cookie) and
// shows the distinctive words as chips, the verbatims and a link to all the
// comments of that cell. A native modal <dialog>: focus moves into it, stays
// there, Escape closes it, and focus returns to what opened it.
// Customers' comments are customer data and may hold HTML: they are only ever
// set as textContent, never as markup.

import { formatDecimal, formatNumber, gettext, interpolate, ngettext } from "./i18n.js";

const dialog = document.getElementById("cell-panel");
let opener = null;
let pending = null;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatDay(isoDate, timeZone) {
  const language = document.documentElement.lang || undefined;
  const options = { dateStyle: "medium" };
  // A plain date (YYYY-MM-DD) is a day already: read and write it in UTC so no zone shifts it.
  const day = isoDate.length === 10 ? new Date(`${isoDate}T00:00:00Z`) : new Date(isoDate);
  options.timeZone = isoDate.length === 10 ? "UTC" : timeZone;
  return new Intl.DateTimeFormat(language, options).format(day);
}

function termTitle(term) {
  return interpolate(ngettext("in %(documents)s comment · z = %(z)s", "in %(documents)s comments · z = %(z)s",
    term.documents), { documents: formatNumber(term.documents), z: formatDecimal(term.z, 1) }, true);
}

function scoreText(example, scaleTops) {
  const top = scaleTops[example.scale];
  if (top === undefined) return interpolate(gettext("score %(score)s"), { score: example.score }, true);
  return interpolate(gettext("score %(score)s/%(high)s"), { score: example.score, high: top }, true);
}

const STATES = {
  off: () => gettext("Comment analysis is off for this organization."),
  no_comments: () => gettext("No comments in this period."),
  no_terms: () => gettext("No word stands out: every comment says something different."),
};

function renderInsights(found, cells) {
  const parts = [];
  parts.push(element("p", "insights-summary", interpolate(
    ngettext("%(comments)s comment here, %(dissatisfied)s from dissatisfied customers.",
      "%(comments)s comments here, %(dissatisfied)s from dissatisfied customers.", found.comments),
    { comments: formatNumber(found.comments), dissatisfied: formatNumber(found.dissatisfied_comments) }, true)));
  if (STATES[found.state]) parts.push(element("p", "empty insights-state", STATES[found.state]()));
  if (found.state === "ok" && found.terms.length) {
    const list = element("ul", "term-chips");
    list.setAttribute("aria-label", gettext("Words that stand out"));
    found.terms.forEach((term) => {
      const chip = element("li", "term-chip", term.term);
      const title = termTitle(term);
      chip.title = title;
      chip.appendChild(element("span", "visually-hidden", ` (${title})`));
      list.appendChild(chip);
    });
    parts.push(list);
  }
  if (found.state !== "off" && found.examples.length) {
    const verbatims = element("div", "verbatims");
    found.examples.forEach((example) => {
      const figure = element("figure", "verbatim");
      const quote = element("blockquote");
      quote.appendChild(element("p", "", `“${example.comment}${example.truncated ? "…" : ""}”`));
      figure.appendChild(quote);
      figure.appendChild(element("figcaption", "", [
        scoreText(example, cells.scale_tops), example.touchpoint, formatDay(example.occurred_at, cells.timezone),
      ].join(" · ")));
      verbatims.appendChild(figure);
    });
    parts.push(verbatims);
  }
  return parts;
}

function close() {
  if (dialog.open) dialog.close();
}

if (dialog) {
  dialog.querySelector("[data-close]").addEventListener("click", close);
  // A click on the backdrop (outside the inner box) closes it too.
  dialog.addEventListener("click", (event) => { if (event.target === dialog) close(); });
  dialog.addEventListener("close", () => {
    // The close event is queued: a panel opened again in between (a quick Escape,
    // then Enter on another cell) must keep its own request and opener.
    if (dialog.open) return;
    if (pending) pending.abort();
    pending = null;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
}

// Open the panel for one cell. scope: the API's query parameters; title and
// figures: plain text; from: the element to give focus back to on closing.
export async function openCellPanel(cells, { scope, title, figures, from }) {
  if (!dialog) return;
  const body = dialog.querySelector("#cell-panel-body");
  const heading = dialog.querySelector("#cell-panel-title");
  const link = dialog.querySelector("#cell-panel-comments");
  const query = new URLSearchParams(scope).toString();
  heading.textContent = title;
  dialog.querySelector("#cell-panel-figures").textContent = figures || "";
  link.href = `${cells.comments_url}?${query}`;
  link.textContent = gettext("All comments here");
  body.replaceChildren(element("p", "hint", gettext("Loading…")));
  body.setAttribute("aria-busy", "true");
  if (!dialog.open) {
    opener = from || document.activeElement;
    dialog.showModal();
  }
  heading.focus();
  if (pending) pending.abort();
  const controller = new AbortController();
  pending = controller;
  try {
    const response = await fetch(`${cells.insights_url}?${query}`, {
      headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal,
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const found = await response.json();
    if (controller.signal.aborted) return;
    body.replaceChildren(...renderInsights(found, cells));
    if (found.state !== "off") {
      link.textContent = interpolate(gettext("All comments here (%(comments)s)"),
        { comments: formatNumber(found.comments) }, true);
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    body.replaceChildren(element("p", "error", gettext("Could not load what customers say here. Try again.")));
  } finally {
    if (pending === controller) {
      pending = null;
      body.removeAttribute("aria-busy");
    }
  }
}
