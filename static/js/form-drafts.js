// Drafts of forms, so that a session that ends (or a closed page) does not lose what was
// typed. Only forms marked data-draft="<name>" take part: the forms with a person's data
// (a referral, a contact, a signal, a measurement, a session log, ...). Sign-in,
// password and second-factor forms never carry the mark.
//
// - Kept in sessionStorage: this tab only, gone when the tab closes; never on disk
//   beyond that, never sent anywhere. One draft per user and form: the key holds
//   data-owner of #form-drafts (a keyed hash of the user, templates/accounts/
//   _session_status.html), the path the form posts to and the form's name.
// - Never kept: passwords, hidden fields (CSRF token, one-time submission key), files,
//   and any field whose name speaks of a token, password or one-time code, or that is
//   marked data-draft-skip.
// - Removed: after a successful save (the page after the submit was reached through a
//   redirect, Post/Redirect/Get), on "Weggooien", on signing out with a form marked
//   data-clears-drafts (every draft in the tab), and when another user signs in in the
//   same tab (her predecessor's drafts).
// - Offered again: when the same user opens the same form and it holds something other
//   than the draft (e.g. after the automatic sign-out and signing in again), a banner
//   above the form offers "Niet-opgeslagen tekst terugzetten" or "Weggooien".
// A file, not inline script: the pages run under a strict Content Security Policy.
(() => {
  "use strict";
  const PREFIX = "vz-draft:";
  // Which draft was just submitted: resolved on the next page (saved, or shown again).
  const PENDING = "vz-draft-pending";
  const SKIPPED_TYPES = new Set([
    "password",
    "hidden",
    "file",
    "submit",
    "button",
    "reset",
    "image",
  ]);
  const SKIPPED_NAMES = /csrf|submission_key|token|password|otp/i;

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // storage switched off: no drafts, the forms still work
    }
  }

  const store = storage();
  if (!store) {
    return;
  }

  function read(key) {
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function write(key, value) {
    try {
      store.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Full: this draft is not kept; typing goes on.
    }
  }

  function draftKeys() {
    const keys = [];
    for (let i = 0; i < store.length; i += 1) {
      const key = store.key(i);
      if (key && key.startsWith(PREFIX)) {
        keys.push(key);
      }
    }
    return keys;
  }

  function clearAll() {
    for (const key of draftKeys()) {
      store.removeItem(key);
    }
    store.removeItem(PENDING);
  }

  // Signing out on purpose empties the tab's drafts, whoever's they are.
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target.matches("form[data-clears-drafts]")) {
        clearAll();
      }
    },
    true,
  );

  const config = document.getElementById("form-drafts");
  const owner = config ? config.dataset.owner : "";
  if (!owner) {
    // Nobody signed in (the sign-in page after the session ended): a submit that ended
    // here did not save, so its draft stays for when she is back.
    store.removeItem(PENDING);
    return;
  }
  // A shared computer: the previous user's drafts go when someone else signs in here.
  for (const key of draftKeys()) {
    if (!key.startsWith(`${PREFIX}${owner}:`)) {
      store.removeItem(key);
    }
  }

  const bannerTemplate = document.getElementById("form-draft-banner");
  // Where "teruggezet" or "weggegooid" is announced: made with the first banner, so it
  // is in the page before anything is said in it, and only on pages that offer one.
  let status = null;

  function statusRegion() {
    if (!status) {
      status = document.createElement("div");
      status.id = "form-drafts-status";
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      bannerTemplate.parentElement.after(status);
    }
    return status;
  }

  // The form's own address: the page's, or its action's (a step on the referral page,
  // shown again at the action's address after a refused submit, stays one draft).
  function keyOf(form) {
    const path = new URL(form.getAttribute("action") || "", window.location.href).pathname;
    return `${PREFIX}${owner}:${path}:${form.dataset.draft}`;
  }

  function kept(element) {
    if (!element.name || element.disabled || element.hasAttribute("data-draft-skip")) {
      return false;
    }
    if (SKIPPED_TYPES.has((element.type || "").toLowerCase())) {
      return false;
    }
    if (element.autocomplete === "one-time-code") {
      return false;
    }
    return !SKIPPED_NAMES.test(element.name);
  }

  // The form's values by field name: text as text; checkboxes, radios and multiple
  // selects as the list of chosen values.
  function collect(form) {
    const values = {};
    for (const element of form.elements) {
      if (!kept(element)) {
        continue;
      }
      if (checkable(element)) {
        values[element.name] = values[element.name] || [];
        if (element.checked) {
          values[element.name].push(element.value);
        }
      } else if (element.tagName === "SELECT" && element.multiple) {
        values[element.name] = Array.from(element.selectedOptions, (option) => option.value);
      } else {
        values[element.name] = element.value;
      }
    }
    return values;
  }

  function checkable(element) {
    return element.type === "checkbox" || element.type === "radio";
  }

  function stateOf(element) {
    if (checkable(element)) {
      return element.checked;
    }
    if (element.tagName === "SELECT" && element.multiple) {
      return Array.from(element.selectedOptions, (option) => option.value).join("\n");
    }
    return element.value;
  }

  // Puts the draft back; returns the first field it changed (for the focus).
  function apply(form, values) {
    let first = null;
    for (const element of form.elements) {
      if (!kept(element) || !(element.name in values)) {
        continue;
      }
      const value = values[element.name];
      const before = stateOf(element);
      if (checkable(element)) {
        element.checked = Array.isArray(value) && value.includes(element.value);
      } else if (element.tagName === "SELECT" && element.multiple) {
        for (const option of element.options) {
          option.selected = Array.isArray(value) && value.includes(option.value);
        }
      } else if (typeof value === "string") {
        element.value = value;
      }
      if (before !== stateOf(element)) {
        first = first || element;
        // Whatever listens to the field (pills, "other" boxes) sees the change too.
        element.dispatchEvent(new Event("input", { bubbles: true }));
        element.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    return first;
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function announce(message) {
    if (message) {
      statusRegion().textContent = message;
    }
  }

  // The page after a submit: reached through a redirect, the save went through (and a
  // replayed submission too), and the draft goes. Shown directly (the form again with
  // its errors, or an error page), it did not, and the draft stays. Returns the key of
  // a draft that was sent but not saved.
  function resolvePending() {
    const pending = read(PENDING);
    store.removeItem(PENDING);
    if (!pending || !pending.key) {
      return "";
    }
    const navigation = performance.getEntriesByType("navigation")[0];
    if (navigation && navigation.redirectCount > 0) {
      store.removeItem(pending.key);
      return "";
    }
    return pending.key;
  }

  function offer(form, key, draft) {
    statusRegion();
    const banner = bannerTemplate.content.firstElementChild.cloneNode(true);
    const title = banner.querySelector("[data-draft-title]");
    title.id = `draft-title-${form.dataset.draft}`;
    banner.setAttribute("aria-labelledby", title.id);
    form.before(banner);
    form.dataset.draftOffered = "true";

    function done() {
      delete form.dataset.draftOffered;
      banner.remove();
    }
    banner.querySelector("[data-draft-restore]").addEventListener("click", () => {
      done();
      const first = apply(form, draft.values);
      write(key, { values: collect(form) });
      announce(config.dataset.restored);
      (first || form.querySelector("input, select, textarea")).focus();
    });
    banner.querySelector("[data-draft-discard]").addEventListener("click", () => {
      done();
      store.removeItem(key);
      announce(config.dataset.discarded);
      const field = Array.from(form.elements).find((element) => kept(element));
      if (field) {
        field.focus();
      }
    });
    return banner;
  }

  function setUp(form, unsaved) {
    const key = keyOf(form);
    // What the form holds before she types: a draft equal to it is nothing to keep. Not
    // when the form comes back with its errors: then it holds her own text already.
    const rerendered = key === unsaved;
    const initial = rerendered ? null : collect(form);
    let timer = null;

    function save() {
      window.clearTimeout(timer);
      timer = null;
      // While the banner still asks, the earlier draft stays as it is.
      if (form.dataset.draftOffered) {
        return;
      }
      const values = collect(form);
      if (same(values, initial)) {
        store.removeItem(key);
      } else {
        write(key, { values });
      }
    }

    function saveSoon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    }

    form.addEventListener("input", saveSoon);
    form.addEventListener("change", saveSoon);
    form.addEventListener("submit", () => {
      save();
      write(PENDING, { key });
    });
    window.addEventListener("pagehide", () => timer && save());
    document.addEventListener("vz:session-ending", save);

    const draft = read(key);
    if (rerendered || !draft || !draft.values || same(draft.values, initial)) {
      return null;
    }
    return offer(form, key, draft);
  }

  const unsaved = resolvePending();
  const banners = Array.from(document.querySelectorAll("form[data-draft]"), (form) =>
    setUp(form, unsaved),
  ).filter(Boolean);
  // The banner is what she needs first, unless the page opens with an error summary.
  if (banners.length && !document.querySelector("[data-error-summary]")) {
    window.addEventListener("load", () => banners[0].focus());
  }
})();
