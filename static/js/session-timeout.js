// Session-expiry warning. The server signs a session out after 30 minutes without a
// request, and 12 hours after sign-in at most (voorzorg/accounts/middleware.py). This
// script warns shortly before, with a "Blijf ingelogd" button that restarts the idle clock.
// It reads everything from #session-timeout (templates/accounts/_session_status.html):
//   data-remaining      seconds until the server signs out, when the page was made
//   data-extendable     "true" while activity can still extend the session
//   data-warn-before    seconds before the end to show the warning
//   data-keepalive-url  POST here to stay signed in (CSRF token in the hidden input)
// A file, not inline script: the pages run under a strict Content Security Policy.
(() => {
  "use strict";
  const box = document.getElementById("session-timeout");
  if (!box) {
    return;
  }
  const warnBefore = Number.parseInt(box.dataset.warnBefore, 10) || 120;
  // A few seconds past the end, so the server has surely signed the session out and the
  // reload below lands on the login page instead of counting as activity.
  const margin = 5;
  let warnTimer = null;
  let endTimer = null;

  function show(templateId) {
    const template = document.getElementById(templateId);
    clear();
    box.appendChild(template.content.cloneNode(true));
    const button = box.querySelector("[data-session-keepalive]");
    if (button) {
      button.addEventListener("click", keepAlive);
    }
  }

  function clear() {
    for (const alert of box.querySelectorAll(":scope > .alert")) {
      alert.remove();
    }
  }

  function schedule(remaining, extendable) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    const warning = extendable ? "session-timeout-warning" : "session-timeout-final";
    warnTimer = window.setTimeout(() => show(warning), Math.max(0, remaining - warnBefore) * 1000);
    endTimer = window.setTimeout(signedOut, (remaining + margin) * 1000);
  }

  function signedOut() {
    // Load this address again: the server answers with the login page, which says why.
    window.location.assign(window.location.href);
  }

  function keepAlive() {
    fetch(box.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": box.querySelector("input[name=csrfmiddlewaretoken]").value,
        Accept: "application/json",
      },
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        clear();
        schedule(data.remaining, data.extendable);
      })
      .catch(() => show("session-timeout-failed"));
  }

  schedule(Number.parseInt(box.dataset.remaining, 10) || 0, box.dataset.extendable === "true");
})();
