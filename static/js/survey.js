// The public survey page (touchpoints/survey_views.py). It works without this file as a
// plain form; with it: one submit per answer, the kiosk's tap-to-answer, reset and full
// screen, an embedded form's height for the page that frames it, the poster's print button.
const body = document.body;
const mode = body.dataset.mode;
const form = document.querySelector(".survey-form");

if (form) {
  form.addEventListener("submit", () => {
    // A second tap while the first is on its way would be a second answer.
    const button = form.querySelector(".survey-send");
    if (button) setTimeout(() => { button.disabled = true; }, 0);
  });
}

function reset() {
  window.location.replace(body.dataset.resetUrl);
}

if (mode === "kiosk") {
  const idleMs = Number(body.dataset.idleSeconds || 20) * 1000;
  let lastTouched = Date.now();
  const touched = () => { lastTouched = Date.now(); };
  for (const kind of ["pointerdown", "keydown", "input", "change"]) document.addEventListener(kind, touched);
  if (form) {
    const send = form.querySelector("[data-autosubmit]");
    if (send) {
      // No comment box: a tap on the scale is the answer.
      send.classList.add("js-hidden");
      form.addEventListener("change", (event) => {
        if (event.target.name === "score") form.requestSubmit();
      });
    }
    // Someone walked away mid-answer: after the idle time the next person gets a clean screen.
    // Untouched, the form is renewed every ten minutes so its stamp never grows old.
    setInterval(() => {
      const idle = Date.now() - lastTouched;
      const started = form.querySelector("input[name=score]:checked") || form.querySelector("textarea")?.value;
      if ((started && idle >= idleMs) || idle >= 600000) reset();
    }, 1000);
    const fullscreen = document.querySelector("[data-fullscreen]");
    if (fullscreen && document.fullscreenEnabled) {
      fullscreen.hidden = false;
      fullscreen.addEventListener("click", () => {
        document.documentElement.requestFullscreen().then(() => { fullscreen.hidden = true; }).catch(() => {});
      });
    }
  } else if (document.querySelector("[data-done]") && body.dataset.resetUrl) {
    setTimeout(reset, 5000);
  }
}

if (mode === "embed" && window.parent !== window) {
  // The widget script on the framing page sizes the iframe to this (a height is no secret).
  const tell = () => window.parent.postMessage(
    { type: "momento-survey-height", height: document.body.getBoundingClientRect().height }, "*");
  new ResizeObserver(tell).observe(document.body);
  tell();
}

const printButton = document.querySelector("[data-print]");
if (printButton) {
  printButton.hidden = false;
  printButton.addEventListener("click", () => window.print());
}
