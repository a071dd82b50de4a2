// The map's two views: cards (to edit) and the whole cycle at a glance (compact,
// with the emotion curve above the moments). The server draws both; this only
// switches a class. The choice is remembered: in the address (?view=…, so a link
// shows what its sender saw) and in local storage for the next visit.

const KEY = "momento.mapView";
const VIEWS = ["cards", "compact"];
const region = document.getElementById("lane-region");
const toggle = document.getElementById("map-view-toggle");

function stored() {
  try {
    return window.localStorage.getItem(KEY);
  } catch (error) {
    return null; // storage switched off: the address still remembers
  }
}

function remember(view) {
  try {
    window.localStorage.setItem(KEY, view);
  } catch (error) {
    // nothing to do: the address keeps the choice
  }
}

function show(view, { updateAddress }) {
  if (!region || !VIEWS.includes(view)) return;
  region.classList.toggle("lane-compact", view === "compact");
  region.dataset.view = view;
  if (toggle) {
    toggle.querySelectorAll("[data-view]").forEach((link) => {
      if (link.dataset.view === view) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }
  if (updateAddress) {
    const url = new URL(window.location.href);
    url.searchParams.set("view", view);
    window.history.replaceState(null, "", url);
  }
}

if (region && toggle) {
  if (region.dataset.viewChosen) {
    remember(region.dataset.view);
    show(region.dataset.view, { updateAddress: false });
  } else if (VIEWS.includes(stored())) {
    show(stored(), { updateAddress: true });
  }
  toggle.addEventListener("click", (event) => {
    const link = event.target.closest("[data-view]");
    if (!link) return;
    event.preventDefault();
    remember(link.dataset.view);
    show(link.dataset.view, { updateAddress: true });
  });
}
