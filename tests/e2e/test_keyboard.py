"""Journey 4: the POH journey (test_journeys.py, journey 1) with the keyboard alone.

Only Tab, Shift+Tab, Enter and Space move and act; letters are typed into fields. After
every Tab the focused element must show a focus indicator and be on screen, so a keyboard
user always sees where she is.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.journey import csv_rows

pytestmark = pytest.mark.e2e

# The focused element as a keyboard user sees it: it needs an outline (the house focus
# ring, static/css/voorzorg.css) and must be on screen. Bootstrap's pill buttons
# (.btn-check) hide the real radio or checkbox and draw the ring on its label, so look
# there. Chromium's date fields have a calendar button of their own in the tab order,
# inside the browser's shadow tree: the field then no longer matches :focus, the page's
# CSS cannot style the button, and Chromium draws its own ring around it (see the
# screenshots), so that stop counts as visible.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) {
    return {where: "body", visible: false};
  }
  const shown = el.classList.contains("btn-check") && el.labels.length ? el.labels[0] : el;
  const style = getComputedStyle(shown);
  const calendarButton = ["date", "datetime-local"].includes(el.type) && !el.matches(":focus");
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const box = shown.getBoundingClientRect();
  const onScreen = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
    && box.top < window.innerHeight && box.left < window.innerWidth;
  const name = (el.id ? "#" + el.id : "") + " " + (el.innerText || el.name || "").trim();
  return {
    where: el.tagName.toLowerCase() + " " + name.slice(0, 60),
    visible: (outline || calendarButton) && onScreen,
    outline: style.outlineStyle + " " + style.outlineWidth + " " + style.outlineColor,
  };
}"""


class Keyboard:
    """Tab through a page, checking the focus indicator at every stop."""

    MAX_STOPS = 60

    def __init__(self, page: Page):
        self.page = page
        self.stops = 0

    def _assert_visible(self) -> None:
        # Waits up to two seconds for the browser to bring the focused element on screen
        # and draw its ring: the journey runs with reduced motion (no smooth scrolling, no
        # fades), so on an idle machine that is one frame; on a busy CI machine a frame can
        # take long, and the check is whether the ring shows, not how fast.
        try:
            # A function, not an expression: the CSP forbids eval, also for Playwright.
            self.page.wait_for_function(f"() => ({FOCUS})().visible", timeout=2000, polling=50)
        except PlaywrightTimeoutError:
            raise AssertionError(f"focus not visible on {self.page.evaluate(FOCUS)}") from None
        self.stops += 1

    def at(self, selector: str) -> None:
        """Assert that focus is on ``selector`` (e.g. a field with autofocus), visibly."""
        assert self.page.evaluate("s => document.activeElement.matches(s)", selector)
        self._assert_visible()

    def tab_to(self, selector: str, *, backwards: bool = False) -> None:
        """Press Tab (or Shift+Tab) until the element matching ``selector`` has focus."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(self.MAX_STOPS):
            self.page.keyboard.press(key)
            if self.page.evaluate(FOCUS)["where"] == "body":
                continue  # past the last element: in the browser's own bar, then around
            self._assert_visible()
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{key} never reached {selector}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        assert key in ("Enter", "Space"), "only Tab, Shift+Tab, Enter and Space act"
        self.page.keyboard.press(key)


def test_poh_journey_with_the_keyboard_only(journey):
    page = journey.page
    # As a keyboard user who asked her system for less motion: Bootstrap then scrolls to
    # the focused element at once instead of smoothly, so "on screen" does not depend on
    # how far an animation got on a loaded machine.
    page.emulate_media(reduced_motion="reduce")
    keys = Keyboard(page)
    login = journey.logins["poh"]

    page.goto("/")
    expect(page.get_by_role("heading", name="Inloggen bij Voorzorg")).to_be_visible()
    keys.at("#id_auth-username")  # autofocus
    page.keyboard.type(login.email)
    keys.type_into("#id_auth-password", login.password)
    journey.check("inloggen")
    keys.press("Enter")
    expect(page.get_by_label("Code uit de app")).to_be_visible()
    keys.type_into("#id_token-otp_token", login.code())
    journey.check("code-uit-de-app")
    keys.press("Enter")

    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    # The skip link jumps over the menu; the next Tab lands on the page's first button.
    keys.tab_to(".skip-link")
    keys.press("Enter")
    keys.tab_to('main a[href$="/verwijzingen/nieuw/"]')
    journey.check("mijn-verwijzingen")
    keys.press("Enter")

    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    keys.type_into("#id_given_name", "Sem")
    keys.type_into("#id_family_name", "Toetsenbord")
    keys.type_into("#id_help_question", "Piekert veel en slaapt slecht.")
    keys.tab_to('input[name="life_domains"][value="sociale_relaties"]')
    keys.press("Space")
    keys.tab_to("#id_consent_processing", backwards=True)
    keys.press("Space")
    keys.tab_to('button[type="submit"]')
    journey.check("nieuwe-verwijzing")
    keys.press("Enter")

    # No phone number or e-mail address: the error, and the rest kept.
    expect(page.get_by_text("Vul een telefoonnummer of e-mailadres in.")).to_be_visible()
    expect(page.locator("#id_consent_processing")).to_be_checked()
    keys.type_into("#id_phone", "06 87654321")
    journey.check("nieuwe-verwijzing-met-fout")
    keys.tab_to('button[type="submit"]')
    keys.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Verwijzing voor Sem Toetsenbord")
    keys.tab_to('nav a[href$="/verwijzingen/"]')
    journey.check("verwijzing-aangemeld")
    keys.press("Enter")

    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    keys.type_into("#id_q", "Toetsenbord")
    keys.press("Enter")
    expect(page.get_by_role("main")).to_contain_text("1 verwijzing ·")
    # Past the export link to the referral found, then back with Shift+Tab to export.
    keys.tab_to('tbody a[href*="/verwijzingen/"]')
    expect(page.get_by_role("link", name="Sem Toetsenbord")).to_be_focused()
    keys.tab_to('a[href*="/verwijzingen/export.csv"]', backwards=True)
    journey.check("mijn-verwijzingen-gezocht")
    with page.expect_download() as download_info:
        keys.press("Enter")
    download = download_info.value
    rows = csv_rows(journey.keep(download))
    assert [row[1] for row in rows[1:]] == ["Sem Toetsenbord"]
    print(f"keyboard journey: {keys.stops} focus stops, each with a visible focus indicator")
