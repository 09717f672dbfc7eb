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

// "Iedereen aanwezig" on the attendance form: without JavaScript a submit that returns the
// form filled in; with it, the roster's "aanwezig" options are ticked in place.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-all-present]");
  if (!button || !button.form) {
    return;
  }
  event.preventDefault();
  button.form
    .querySelectorAll('.vz-attendance input[type="radio"][value="present"]')
    .forEach((radio) => {
      radio.checked = true;
    });
  const status = document.getElementById("all-present-status");
  if (status) {
    status.textContent = status.dataset.message;
  }
});
