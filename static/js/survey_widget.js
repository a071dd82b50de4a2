// Momento's survey widget, for other websites: paste the snippet from a survey link
// (an iframe with data-momento-survey, then this module). The iframe works alone;
// this makes it as tall as the survey inside it, listening only to Momento's own origin.
const momento = new URL(import.meta.url).origin;

window.addEventListener("message", (event) => {
  if (event.origin !== momento || !event.data || event.data.type !== "momento-survey-height") return;
  for (const frame of document.querySelectorAll("iframe[data-momento-survey]")) {
    if (frame.contentWindow === event.source) frame.height = String(Math.ceil(Number(event.data.height) || 0) + 4);
  }
});
