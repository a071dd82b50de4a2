// Background work a page shows (an element with data-task-status-url, e.g. the
// cycle page's recount after a new time zone) is followed to its end.
import { followTask } from "./task_progress.js";

document.querySelectorAll("[data-task-status-url]").forEach((node) => followTask(node));
