// Weekly review page: keyboard navigation between items (j / k), and focus on
// the item a form just changed (the redirect carries #item-<id>). No inline scripts.
const items = Array.from(document.querySelectorAll("[data-review-item]"));

function focusItem(item) {
  item.focus({ preventScroll: true });
  item.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

if (items.length) {
  if (window.location.hash.startsWith("#item-")) {
    const target = document.getElementById(window.location.hash.slice(1));
    if (target) focusItem(target);
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || (event.key !== "j" && event.key !== "k")) return;
    const current = items.findIndex((item) => item.contains(document.activeElement));
    const next = event.key === "j" ? Math.min(current + 1, items.length - 1) : Math.max(current - 1, 0);
    focusItem(items[current === -1 ? 0 : next]);
    event.preventDefault();
  });
}
