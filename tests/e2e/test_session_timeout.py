"""The end of a session without loss: typing counts as activity, a dialog warns before
the automatic sign-out, and what was typed into a form comes back after signing in again.

The live server runs with an idle timeout of 30 seconds (``SESSION_IDLE_TIMEOUT``, read
at each request, so pytest-django's ``settings`` fixture reaches the server's thread):
the warning then shows 15 seconds before the end and the page reports activity every 3
seconds (``voorzorg/accounts/templatetags/session_status.py``). Real seconds pass here,
as they do in the browser; each test takes under a minute.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from referrals.models import Referral

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 30
FORM = "/verwijzingen/nieuw/"
HELP_QUESTION = "Slaapt slecht sinds de verhuizing; wil graag met lotgenoten praten."
# The sign-out comes IDLE_SECONDS after the last activity, plus the page's margin.
UNTIL_SIGNED_OUT = (IDLE_SECONDS + 30) * 1000

DRAFT_KEYS = """() => Object.keys(window.sessionStorage).filter((k) => k.startsWith("vz-draft"))"""
TIME_LEFT = """() => fetch("/account/blijf-ingelogd/", {headers: {Accept: "application/json"}})
  .then((response) => response.json())"""


@pytest.fixture(autouse=True)
def _short_sessions(settings):
    settings.SESSION_IDLE_TIMEOUT = IDLE_SECONDS


def _referral_ids(family_name: str) -> list[int]:
    """Read outside Playwright's event loop (Django refuses database calls inside it)."""

    def read() -> list[int]:
        from django.db import connection

        try:
            return list(
                Referral.objects.filter(participant__family_name=family_name).values_list(
                    "pk", flat=True
                )
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(read).result()


def _type_a_referral(page: Page, family_name: str) -> None:
    page.get_by_label("Voornaam").fill("Sessie")
    page.get_by_label("Achternaam").fill(family_name)
    page.get_by_label("Woongemeente").select_option(label="Gemeente Groningen")
    page.get_by_label("Postcode (4 cijfers)").fill("9711")
    page.get_by_label("Telefoonnummer").fill("06 12345678")
    page.get_by_label("Hulpvraag").press_sequentially(HELP_QUESTION[:20])
    page.get_by_label("Hulpvraag").fill(HELP_QUESTION)
    page.get_by_label("Werk", exact=True).check()
    page.get_by_label("De deelnemer geeft toestemming").check()


def _warning(page: Page):
    return page.get_by_role("dialog", name="U wordt bijna automatisch uitgelogd")


def test_typed_text_survives_the_automatic_sign_out(journey):
    page = journey.page
    journey.sign_in("poh")
    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    journey.check("mijn-verwijzingen")
    page.goto(FORM)
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    journey.check("nieuwe-verwijzing")
    _type_a_referral(page, "Verlopen")

    # She stops; the warning comes, she does not answer, and the session ends.
    expect(_warning(page)).to_be_visible(timeout=UNTIL_SIGNED_OUT)
    expect(page).to_have_url(re.compile(r"/account/inloggen/\?next=/verwijzingen/nieuw/$"),
                             timeout=UNTIL_SIGNED_OUT)  # fmt: skip
    expect(page.get_by_role("status").filter(has_text="automatisch uitgelogd")).to_be_visible()
    journey.check("uitgelogd-na-stilte")
    assert len(page.evaluate(DRAFT_KEYS)) == 1  # kept in the tab, for her only

    login = journey.logins["poh"]
    page.get_by_label("E-mailadres").fill(login.email)
    page.get_by_label("Wachtwoord").fill(login.password)
    page.get_by_role("button", name="Inloggen").click()
    code = page.get_by_label("Code uit de app")
    expect(code).to_be_visible()
    journey.check("opnieuw-code")
    code.fill(login.code())
    page.get_by_role("button", name="Verder").click()

    # Back on the same form, empty; the banner offers the text and has the focus.
    expect(page).to_have_url(re.compile(r"/verwijzingen/nieuw/$"))
    banner = page.get_by_role("region", name="Niet-opgeslagen tekst")
    expect(banner).to_be_visible()
    expect(banner).to_be_focused()
    expect(page.get_by_label("Hulpvraag")).to_have_value("")
    journey.check("niet-opgeslagen-tekst")

    banner.get_by_role("button", name="Niet-opgeslagen tekst terugzetten").click()
    expect(banner).to_be_hidden()
    expect(page.get_by_label("Voornaam")).to_have_value("Sessie")
    expect(page.get_by_label("Voornaam")).to_be_focused()
    expect(page.get_by_label("Hulpvraag")).to_have_value(HELP_QUESTION)
    expect(page.get_by_label("Woongemeente")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Werk", exact=True)).to_be_checked()
    expect(page.get_by_label("De deelnemer geeft toestemming")).to_be_checked()
    expect(page.locator("#form-drafts-status")).to_have_text(re.compile("teruggezet"))
    journey.check("tekst-teruggezet")

    page.get_by_role("button", name="Verwijzing aanmelden").click()
    expect(page.get_by_text("Status: Aangemeld")).to_be_visible()
    journey.check("verwijzing-opgeslagen")
    assert len(_referral_ids("Verlopen")) == 1
    assert page.evaluate(DRAFT_KEYS) == []  # saved: the draft is gone


def test_ingelogd_blijven_and_nu_uitloggen(journey):
    page = journey.page
    journey.sign_in("poh")
    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    journey.check("mijn-verwijzingen")
    page.goto(FORM)
    journey.check("nieuwe-verwijzing")
    help_question = page.get_by_label("Hulpvraag")
    help_question.press_sequentially("Wil praten")

    warning = _warning(page)
    expect(warning).to_be_visible(timeout=UNTIL_SIGNED_OUT)
    stay = warning.get_by_role("button", name="Ingelogd blijven")
    expect(stay).to_be_focused()
    expect(warning).to_contain_text("U wordt binnen 1 minuut automatisch uitgelogd")
    journey.check("waarschuwing")

    # Keyboard: the focused button, Enter. The dialog closes, the focus goes back.
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(help_question).to_be_focused()
    # The next warning comes a whole idle time later, past the end the first one was
    # about: the session is still there, and so is the text.
    expect(warning).to_be_visible(timeout=UNTIL_SIGNED_OUT)
    assert page.url.endswith(FORM)
    assert 0 < page.evaluate(TIME_LEFT)["remaining"] <= IDLE_SECONDS // 2
    expect(help_question).to_have_value("Wil praten")

    # "Nu uitloggen" signs out and empties the drafts of the tab.
    assert len(page.evaluate(DRAFT_KEYS)) == 1
    warning.get_by_role("button", name="Nu uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen bij Voorzorg")).to_be_visible()
    journey.check("zelf-uitgelogd")
    assert page.evaluate(DRAFT_KEYS) == []
