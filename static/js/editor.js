// Map editor: moments as a lane of cards, edited in place.
// Every change goes to a small JSON endpoint that calls the same service as the
// REST API and answers with the lane rendered by the server, which replaces the
// old one. No inline scripts: data arrives through json_script elements.
(function () {
  "use strict";

  const configElement = document.getElementById("editor-config");
  if (!configElement) return;
  const config = JSON.parse(configElement.textContent);
  const gettext = window.gettext || ((text) => text);
  const region = document.getElementById("lane-region");
  const status = document.getElementById("editor-status");
  let state = readState();
  let busy = false;

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

  // Sends one change. Resolves with the JSON body on success; on a 400 the
  // field errors are returned for the form to show; on 409 the true lane is
  // loaded and the message says why.
  async function send(method, path, body, focus) {
    if (busy) return null;
    busy = true;
    say(gettext("Saving…"), "pending");
    try {
      const response = await fetch(config.base + path, {
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
      say(payload.message || gettext("Could not save the change."), "error");
      return { errors: payload.errors || {}, failed: true };
    } catch (error) {
      say(gettext("Could not reach the server. Check the connection and try again."), "error");
      return { errors: {}, failed: true };
    } finally {
      busy = false;
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
      data[element.name] = element.value;
    });
    return data;
  }

  // --- Reorder -------------------------------------------------------------
  function currentOrder() {
    return Array.from(region.querySelectorAll("[data-moment-id]")).map((card) => Number(card.dataset.momentId));
  }

  function saveOrder(order, focus) {
    return send("POST", "reorder/", { order: order, expected_version: state.version }, focus);
  }

  function move(momentId, offset, action) {
    const order = currentOrder();
    const index = order.indexOf(momentId);
    const target = index + offset;
    if (index < 0 || target < 0 || target >= order.length) return;
    order.splice(index, 1);
    order.splice(target, 0, momentId);
    saveOrder(order, { momentId: momentId, action: action });
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
      saveOrder(order, null);
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
    title.textContent = touchpoint ? title.dataset.titleEdit : title.dataset.titleAdd;
    touchpointDialog.querySelector("[data-moment-name]").textContent = moment.name;
    form.elements.name.value = touchpoint ? touchpoint.name : "";
    form.elements.channel.value = touchpoint ? touchpoint.channel : "web";
    form.elements.scale.value = touchpoint ? touchpoint.scale : "csat5";
    form.elements.interaction.value = touchpoint ? touchpoint.interaction : "digital";
    form.elements.key.value = touchpoint ? touchpoint.key : "";
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
    momentDialog.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const result = await send("PATCH", "moments/" + editing.momentId + "/", formData(form),
        { momentId: editing.momentId, action: "edit-moment" });
      if (result && result.failed) showErrors(form, result.errors);
      else momentDialog.close();
    });

    touchpointDialog.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const path = editing.touchpointId
        ? "touchpoints/" + editing.touchpointId + "/"
        : "moments/" + editing.momentId + "/touchpoints/";
      const result = await send(editing.touchpointId ? "PATCH" : "POST", path, formData(form),
        { momentId: editing.momentId, action: "add-touchpoint" });
      if (result && result.failed) showErrors(form, result.errors);
      else touchpointDialog.close();
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
})();
