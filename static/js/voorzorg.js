// Voorzorg's own behaviour. A file, not inline script: the pages run under a strict CSP.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});

// After a failed submit the error summary at the top of the form takes the focus, so
// keyboard and screen-reader users start at the list of what to fix
// (templates/includes/form_top.html).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
