// Progress bars (role="progressbar"): the bar's width from aria-valuenow. Set here through
// the CSSOM because the strict CSP forbids style attributes; again after each htmx swap,
// which brings a new bar (a background job's page polls itself).
function vzProgressBars(root) {
  root.querySelectorAll('[role="progressbar"][aria-valuenow]').forEach((bar) => {
    const fill = bar.querySelector(".progress-bar");
    const value = Number(bar.getAttribute("aria-valuenow"));
    if (fill && Number.isFinite(value)) {
      fill.style.width = `${Math.min(Math.max(value, 0), 100)}%`;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => vzProgressBars(document));
document.addEventListener("htmx:load", (event) => vzProgressBars(event.target));
