// The end of a session, without losing work. The server signs a session out after
// SESSION_IDLE_TIMEOUT without activity (30 minutes) and 12 hours after sign-in at most
// (voorzorg/accounts/sessions.py, middleware.py). This script:
// - counts typing, clicks and touches as activity: while someone works on one page
//   without loading another, it tells the server so (POST to the keep-alive address, at
//   most once per data-activity-interval seconds), and the idle clock starts again;
// - data-warn-before seconds before the end, shows a modal dialog with the minutes left
//   and two choices: "Ingelogd blijven" (the same POST) and "Nu uitloggen" (the sign-out
//   form). Escape counts as "Ingelogd blijven": whoever presses it is there;
// - before it warns or signs out by its own clock, asks the server how long is left
//   (GET, which the server does not count as activity): another tab may have kept the
//   session alive;
// - at the end loads the page again: the server answers with the sign-in page, which
//   says why and brings her back here afterwards (?next=). What she typed into a form
//   is kept in the tab by form-drafts.js, which this script tells to save first.
// It reads everything from #session-timeout and #session-timeout-dialog
// (templates/accounts/_session_status.html). A file, not inline script: strict CSP.
(() => {
  "use strict";
  const box = document.getElementById("session-timeout");
  const dialog = document.getElementById("session-timeout-dialog");
  if (!box || !dialog) {
    return;
  }
  const warnBefore = Number.parseInt(box.dataset.warnBefore, 10) || 120;
  const activityInterval = (Number.parseInt(box.dataset.activityInterval, 10) || 60) * 1000;
  // A few seconds past the end, so the server has surely signed the session out and the
  // reload below lands on the sign-in page instead of counting as activity.
  const margin = 5;
  const text = document.getElementById("session-timeout-text");
  const stayButton = dialog.querySelector("[data-session-keepalive]");
  const closeButton = dialog.querySelector("[data-session-close]");

  let deadline = 0; // when the server signs out, in ms since the epoch (page's clock)
  let extendable = true;
  let lastReport = Date.now(); // this page's load counted as activity on the server
  let warnTimer = null;
  let endTimer = null;
  let minuteTimer = null;
  let shownMinutes = null;
  let returnFocus = null;

  function secondsLeft() {
    return Math.max(0, Math.round((deadline - Date.now()) / 1000));
  }

  // Set the clock to what the server said; ``warn`` false while the dialog already shows.
  function schedule(remaining, canExtend, warn = true) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    deadline = Date.now() + remaining * 1000;
    extendable = canExtend;
    if (warn) {
      warnTimer = window.setTimeout(warnIfStillDue, Math.max(0, remaining - warnBefore) * 1000);
    }
    endTimer = window.setTimeout(endIfStillDue, (remaining + margin) * 1000);
  }

  function ask(method) {
    const headers = { Accept: "application/json" };
    if (method === "POST") {
      headers["X-CSRFToken"] = box.querySelector("input[name=csrfmiddlewaretoken]").value;
    }
    return fetch(box.dataset.keepaliveUrl, { method, credentials: "same-origin", headers }).then(
      (response) => {
        if (response.status === 401) {
          return { remaining: 0, extendable: false };
        }
        return response.ok ? response.json() : Promise.reject(response.status);
      },
    );
  }

  // --- The dialog ---------------------------------------------------------------------

  function setText(message) {
    if (text.textContent !== message) {
      text.textContent = message;
    }
  }

  function showMinutes() {
    // Whole minutes, rounded up: "binnen 2 minuten" while 1:30 is left. Written only when
    // the number changes, so the live region speaks once a minute, not every second.
    const minutes = Math.max(1, Math.ceil(secondsLeft() / 60));
    if (minutes === shownMinutes) {
      return;
    }
    shownMinutes = minutes;
    const kind = extendable ? "idle" : "final";
    const template = minutes === 1 ? text.dataset[`${kind}One`] : text.dataset[`${kind}Many`];
    setText(template.replace("{minutes}", String(minutes)));
  }

  function openDialog() {
    stayButton.hidden = !extendable;
    closeButton.hidden = extendable;
    shownMinutes = null;
    showMinutes();
    window.clearInterval(minuteTimer);
    minuteTimer = window.setInterval(showMinutes, 1000);
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
    }
    (extendable ? stayButton : closeButton).focus();
  }

  function closeDialog() {
    window.clearInterval(minuteTimer);
    if (dialog.open) {
      dialog.close();
    }
    if (returnFocus && document.contains(returnFocus)) {
      returnFocus.focus();
    }
    returnFocus = null;
  }

  function failed() {
    window.clearInterval(minuteTimer);
    stayButton.hidden = true;
    closeButton.hidden = false;
    setText(text.dataset.failed);
    closeButton.focus();
  }

  function stay() {
    lastReport = Date.now();
    ask("POST")
      .then((data) => {
        if (data.remaining <= 0) {
          signedOut();
          return;
        }
        schedule(data.remaining, data.extendable);
        closeDialog();
      })
      .catch(failed);
  }

  stayButton.addEventListener("click", stay);
  closeButton.addEventListener("click", closeDialog);
  dialog.addEventListener("cancel", (event) => {
    // Escape: she is there. Stay signed in where that is possible, else just close.
    event.preventDefault();
    if (stayButton.hidden) {
      closeDialog();
    } else {
      stay();
    }
  });

  // --- The clock ----------------------------------------------------------------------

  function warnIfStillDue() {
    ask("GET")
      .then((data) => {
        if (data.remaining > warnBefore + 1) {
          schedule(data.remaining, data.extendable); // another tab kept it alive
          return;
        }
        schedule(data.remaining, data.extendable, false);
        openDialog();
      })
      .catch(openDialog);
  }

  function endIfStillDue() {
    ask("GET")
      .then((data) => {
        if (data.remaining > warnBefore) {
          schedule(data.remaining, data.extendable); // another tab kept it alive
          closeDialog();
          return;
        }
        if (data.remaining > 0) {
          schedule(data.remaining, data.extendable, !dialog.open);
          return;
        }
        signedOut();
      })
      .catch(signedOut);
  }

  function signedOut() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    // form-drafts.js saves what is in the forms now, before the page goes.
    document.dispatchEvent(new CustomEvent("vz:session-ending"));
    // Load this address again: the server answers with the sign-in page, which says why.
    window.location.assign(window.location.href);
  }

  // --- Activity -----------------------------------------------------------------------

  function activity(event) {
    // Only what a person does (a script's events are not activity), not while the dialog
    // asks her to choose, and not once the 12-hour limit is what counts.
    if (!event.isTrusted || dialog.open || !extendable) {
      return;
    }
    if (Date.now() - lastReport < activityInterval) {
      return;
    }
    lastReport = Date.now();
    ask("POST")
      .then((data) => {
        if (data.remaining <= 0) {
          signedOut();
          return;
        }
        schedule(data.remaining, data.extendable);
      })
      .catch(() => {
        // Offline for a moment: try again with a keystroke some seconds from now.
        lastReport = Date.now() - activityInterval + 5000;
      });
  }

  for (const type of ["keydown", "input", "pointerdown", "wheel"]) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }

  // A tab in the background may run its timers late; when it is looked at again, check.
  document.addEventListener("visibilitychange", () => {
    const nearTheEnd = Date.now() > deadline - warnBefore * 1000;
    if (document.visibilityState === "visible" && nearTheEnd) {
      endIfStillDue();
    }
  });

  schedule(Number.parseInt(box.dataset.remaining, 10) || 0, box.dataset.extendable === "true");
})();
