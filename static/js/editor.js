// Map editor: moments as a lane of cards, edited in place.
// Every change goes to a small JSON endpoint that calls the same service as the
// REST API and answers with the lane rendered by the server, which replaces the
// old one. No inline scripts: data arrives through json_script elements.

import { gettext } from "./i18n.js";

const configElement = document.getElementById("editor-config");
if (configElement) startEditor(JSON.parse(configElement.textContent));

function startEditor(config) {
  const region = document.getElementById("lane-region");
  const status = document.getElementById("editor-status");
  let state = readState();

  function readState() {
    const element = document.getElementById("editor-state");
    return element ? JSON.parse(element.textContent) : { version: config.version, moments: [] };
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function say(message, kind) {
    status.textContent = message || "";
    status.className = "editor-status" + (kind ? " " + kind : "");
    // An open dialog covers the page's status line: it says that its change
    // is waiting or saving (errors show beside its fields).
    const inDialog = document.querySelector("dialog[open] [data-dialog-status]");
    if (inDialog) sayInDialog(inDialog, kind === "pending" ? status.textContent : "", kind);
  }

  function sayInDialog(element, message, kind) {
    element.textContent = message;
    element.className = "dialog-status editor-status" + (kind ? " " + kind : "");
  }

  function lanePersonas() {
    const personas = new URLSearchParams();
    new URLSearchParams(window.location.search).getAll("segment").forEach((id) => personas.append("segment", id));
    const query = personas.toString();
    return query ? "?" + query : "";
  }

  function momentById(id) {
    return state.moments.find((moment) => moment.id === id);
  }

  function swapLane(payload, focus) {
    region.innerHTML = payload.lane_html;
    state = readState();
    if (focus) restoreFocus(focus);
  }

  function restoreFocus(focus) {
    const card = region.querySelector('[data-moment-id="' + focus.momentId + '"]');
    if (!card) return;
    let target = card.querySelector('[data-action="' + focus.action + '"]');
    if (!target || target.disabled) {
      target = card.querySelector('[data-action^="move-"]:not([disabled])') || card;
      if (target === card) card.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  // Changes go to the server one at a time, in the order they were made: a
  // change made while another is being saved waits for it (an edit submitted
  // during a reorder is saved after the reorder, never dropped). `body` may be
  // a function, called when the change's turn comes, so a move is computed
  // from the order as it is then; returning SKIP sends nothing.
  const SKIP = {};
  let queue = Promise.resolve();
  let waiting = 0;

  function send(method, path, body, focus) {
    if (waiting > 0) say(gettext("Waiting for the previous change to be saved…"), "pending");
    waiting += 1;
    const turn = () => {
      const payload = typeof body === "function" ? body() : body;
      return payload === SKIP ? null : dispatch(method, path, payload, focus);
    };
    const result = queue.then(turn).finally(() => {
      waiting -= 1;
    });
    queue = result.catch(() => null);
    return result;
  }

  // Sends one change. Resolves with the JSON body on success; on a 400 the
  // field errors are returned for the form to show; on 409 the true lane is
  // loaded and the message says why; on 404 the moment or touchpoint was
  // deleted meanwhile (another tab): the lane is redrawn and the message says so.
  async function dispatch(method, path, body, focus) {
    say(gettext("Saving…"), "pending");
    try {
      // The page's personas (?segment=…) go along, so the redrawn lane keeps their curves.
      const response = await fetch(config.base + path + lanePersonas(), {
        method: method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let payload = {};
      try {
        payload = await response.json();
      } catch (error) {
        payload = { message: gettext("The server answered with an error. Please try again.") };
      }
      if (response.ok) {
        swapLane(payload, focus);
        say(payload.message || gettext("Saved."), "success");
        return payload;
      }
      if (response.status === 409 && payload.lane_html) {
        swapLane(payload, focus);
        say(payload.message, "error");
        return null;
      }
      if (response.status === 404 && payload.lane_html) {
        swapLane(payload, focus);
        say(payload.message, "error");
        return { gone: true };
      }
      say(payload.message || gettext("Could not save the change."), "error");
      return { errors: payload.errors || {}, failed: true };
    } catch (error) {
      say(gettext("Could not reach the server. Check the connection and try again."), "error");
      return { errors: {}, failed: true };
    }
  }

  function showErrors(form, errors) {
    form.querySelectorAll("[data-error-for]").forEach((element) => {
      const messages = errors[element.dataset.errorFor];
      element.textContent = messages ? messages.join(" ") : "";
    });
    const first = Object.keys(errors).map((name) => form.elements[name]).find(Boolean);
    if (first) first.focus();
  }

  function formData(form) {
    const data = {};
    Array.from(form.elements).forEach((element) => {
      if (!element.name) return;
      data[element.name] = element.type === "checkbox" ? element.checked : element.value;
    });
    return data;
  }

  // --- Reorder -------------------------------------------------------------
  function currentOrder() {
    return Array.from(region.querySelectorAll("[data-moment-id]")).map((card) => Number(card.dataset.momentId));
  }

  // The order with one moment put at `index` (or moved by `offset`), as the
  // lane stands when the change's turn comes; SKIP if it cannot move there.
  function reorderBody(momentId, place) {
    return () => {
      const order = currentOrder();
      const index = order.indexOf(momentId);
      const target = place.index !== undefined ? place.index : index + place.offset;
      if (index < 0 || target < 0 || target >= order.length) return SKIP;
      order.splice(index, 1);
      order.splice(target, 0, momentId);
      return { order: order, expected_version: state.version };
    };
  }

  function move(momentId, offset, action) {
    send("POST", "reorder/", reorderBody(momentId, { offset: offset }), { momentId: momentId, action: action });
  }

  let dragged = null;
  let dropped = false;

  function laneIsVertical(lane) {
    return getComputedStyle(lane).flexDirection.startsWith("column");
  }

  region.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest("[data-moment-id]");
    if (!card || !config.canEdit) return;
    dragged = card;
    dropped = false;
    say("");
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.momentId);
  });

  region.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const card = event.target.closest("[data-moment-id]");
    if (!card || card === dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const box = card.getBoundingClientRect();
    const lane = card.parentElement;
    const after = laneIsVertical(lane)
      ? event.clientY > box.top + box.height / 2
      : event.clientX > box.left + box.width / 2;
    lane.insertBefore(dragged, after ? card.nextSibling : card);
  });

  region.addEventListener("drop", (event) => {
    if (!dragged) return;
    event.preventDefault();
    dropped = true;
  });

  region.addEventListener("dragend", () => {
    if (!dragged) return;
    const card = dragged;
    dragged = null;
    card.classList.remove("dragging");
    const before = state.moments.map((moment) => moment.id);
    if (!dropped) {
      // Cancelled (Escape, or dropped outside the lane): put the cards back.
      const lane = card.parentElement;
      before.forEach((id) => lane.appendChild(lane.querySelector('[data-moment-id="' + id + '"]')));
      return;
    }
    const order = currentOrder();
    if (order.join(",") !== before.join(",")) {
      const momentId = Number(card.dataset.momentId);
      send("POST", "reorder/", reorderBody(momentId, { index: order.indexOf(momentId) }), null);
    }
  });

  // --- Dialogs ----------------------------------------------------------------
  const momentDialog = document.getElementById("moment-dialog");
  const touchpointDialog = document.getElementById("touchpoint-dialog");
  const deleteDialog = document.getElementById("delete-dialog");
  const touchpointDeleteDialog = document.getElementById("touchpoint-delete-dialog");
  let editing = null; // { kind, momentId, touchpointId }

  document.querySelectorAll("dialog [data-close]").forEach((button) => {
    button.addEventListener("click", () => button.closest("dialog").close());
  });

  function openMomentDialog(moment) {
    const form = momentDialog.querySelector("form");
    showErrors(form, {});
    form.querySelector("[data-dialog-status]").textContent = "";
    form.elements.name.value = moment.name;
    form.elements.kind.value = moment.kind;
    form.elements.description.value = moment.description;
    form.elements.protocol.value = moment.protocol;
    form.elements.owner.value = moment.owner === null ? "" : String(moment.owner);
    editing = { kind: "moment", momentId: moment.id };
    momentDialog.showModal();
    form.elements.name.focus();
  }

  function openTouchpointDialog(moment, touchpoint) {
    const form = touchpointDialog.querySelector("form");
    const title = touchpointDialog.querySelector("h2");
    showErrors(form, {});
    form.querySelector("[data-dialog-status]").textContent = "";
    title.textContent = touchpoint ? title.dataset.titleEdit : title.dataset.titleAdd;
    touchpointDialog.querySelector("[data-moment-name]").textContent = moment.name;
    form.elements.name.value = touchpoint ? touchpoint.name : "";
    form.elements.channel.value = touchpoint ? touchpoint.channel : "web";
    form.elements.scale.value = touchpoint ? touchpoint.scale : "csat5";
    form.elements.interaction.value = touchpoint ? touchpoint.interaction : "digital";
    form.elements.key.value = touchpoint ? touchpoint.key : "";
    form.elements.loyalty_question.checked = Boolean(touchpoint && touchpoint.loyalty_question);
    editing = { kind: "touchpoint", momentId: moment.id, touchpointId: touchpoint ? touchpoint.id : null };
    touchpointDialog.showModal();
    form.elements.name.focus();
  }

  function openDeleteDialog(moment) {
    const text = deleteDialog.querySelector("[data-delete-text]");
    text.textContent = text.dataset.template.replace("%(name)s", moment.name);
    editing = { kind: "delete", momentId: moment.id };
    deleteDialog.showModal();
    deleteDialog.querySelector("[data-close]").focus();
  }

  function openTouchpointDeleteDialog(moment, touchpoint) {
    const text = touchpointDeleteDialog.querySelector("[data-delete-text]");
    text.textContent = text.dataset.template.replace("%(name)s", touchpoint.name);
    editing = { kind: "delete-touchpoint", momentId: moment.id, touchpointId: touchpoint.id };
    touchpointDeleteDialog.showModal();
    touchpointDeleteDialog.querySelector("[data-close]").focus();
  }

  if (momentDialog) {
    // The dialog stays open, with what was typed, until its change is saved
    // (perhaps after a change still being saved); errors show beside the fields.
    async function submitDialog(dialog, form, method, path, focus) {
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        const result = await send(method, path, formData(form), focus);
        if (result && result.failed) {
          showErrors(form, result.errors);
          // No field to blame (the server could not be reached): say why here.
          if (!Object.keys(result.errors).length) {
            sayInDialog(form.querySelector("[data-dialog-status]"), status.textContent, "error");
          }
        } else {
          dialog.close();
        }
      } finally {
        button.disabled = false;
      }
    }

    momentDialog.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      submitDialog(momentDialog, event.target, "PATCH", "moments/" + editing.momentId + "/",
        { momentId: editing.momentId, action: "edit-moment" });
    });

    touchpointDialog.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      const path = editing.touchpointId
        ? "touchpoints/" + editing.touchpointId + "/"
        : "moments/" + editing.momentId + "/touchpoints/";
      submitDialog(touchpointDialog, event.target, editing.touchpointId ? "PATCH" : "POST", path,
        { momentId: editing.momentId, action: "add-touchpoint" });
    });

    deleteDialog.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const momentId = editing.momentId;
      const order = currentOrder();
      const neighbour = order[order.indexOf(momentId) + 1] || order[order.indexOf(momentId) - 1];
      deleteDialog.close();
      await send("DELETE", "moments/" + momentId + "/", undefined,
        neighbour ? { momentId: neighbour, action: "edit-moment" } : null);
    });

    touchpointDeleteDialog.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const target = editing;
      touchpointDeleteDialog.close();
      await send("DELETE", "touchpoints/" + target.touchpointId + "/", undefined,
        { momentId: target.momentId, action: "add-touchpoint" });
    });

    const addForm = document.getElementById("add-moment-form");
    addForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await send("POST", "moments/", formData(addForm), null);
      if (result && result.failed) {
        showErrors(addForm, result.errors);
      } else if (result) {
        showErrors(addForm, {});
        addForm.elements.name.value = "";
        addForm.elements.name.focus();
      }
    });
  }

  // --- Card buttons (event delegation survives lane swaps) -------------------
  region.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !config.canEdit) return;
    const card = button.closest("[data-moment-id]");
    const moment = momentById(Number(card.dataset.momentId));
    if (!moment) return;
    switch (button.dataset.action) {
      case "move-left":
        move(moment.id, -1, "move-left");
        break;
      case "move-right":
        move(moment.id, 1, "move-right");
        break;
      case "edit-moment":
        openMomentDialog(moment);
        break;
      case "add-touchpoint":
        openTouchpointDialog(moment, null);
        break;
      case "edit-touchpoint":
        openTouchpointDialog(
          moment, moment.touchpoints.find((tp) => tp.id === Number(button.dataset.touchpointId)));
        break;
      case "delete-moment":
        openDeleteDialog(moment);
        break;
      case "delete-touchpoint": {
        const touchpoint = moment.touchpoints.find((tp) => tp.id === Number(button.dataset.touchpointId));
        if (touchpoint) openTouchpointDeleteDialog(moment, touchpoint);
        break;
      }
    }
  });

  // The card buttons answer from here on (browser tests wait for this).
  region.dataset.ready = "true";
}
