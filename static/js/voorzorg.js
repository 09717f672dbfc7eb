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

// Back, then the same submit again: the page comes back with a fresh one-time key
// (pages are never cached), so the server could not tell it was a repeat. At each submit
// the tab remembers, per form address, the key it sent and a short hash of what was in
// the form (never the values themselves); when the same form goes out again with the
// same contents, it carries the first key, and the server shows the first result instead
// of saving a second record (voorzorg/core/idempotency.py). Changed contents are a new
// submission. sessionStorage is per tab and gone when the tab closes.
function vzContentsHash(form, submitter) {
  const parts = [];
  new FormData(form, submitter).forEach((value, name) => {
    if (name !== "submission_key" && name !== "csrfmiddlewaretoken") {
      parts.push(`${name}=${typeof value === "string" ? value : value.name}`);
    }
  });
  // FNV-1a, 32 bits: enough to tell "the same form again" from "another one".
  let hash = 0x811c9dc5;
  for (const char of parts.join("&")) {
    hash ^= char.codePointAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16);
}

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const key = form.querySelector('input[name="submission_key"]');
    if (!key) {
      return;
    }
    const slot = `vz-submitted:${form.getAttribute("action") || window.location.pathname}`;
    const contents = vzContentsHash(form, event.submitter);
    try {
      const earlier = JSON.parse(window.sessionStorage.getItem(slot) || "null");
      if (earlier && earlier.contents === contents) {
        key.value = earlier.key;
      } else {
        window.sessionStorage.setItem(slot, JSON.stringify({ key: key.value, contents }));
      }
    } catch (error) {
      // No storage (private mode, full): the form still goes out with its own key.
    }
  },
  true,
);
