"""Meldingen in a browser: one referral from registration to warm handover, and at each
step the people it concerns find it in their inbox, counted in the menu.

The POH-GGZ registers; the team lead hears of it and accepts it for an expert; the POH
hears it was accepted and assigned; the expert hears of her new participant, records the
first contact and completes the handover; the POH hears of both. Every page is checked
with axe-core (tests/e2e/journey.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.journey import Journey

pytestmark = pytest.mark.e2e

FINN = "finn.expert@voorzorg.example"


@pytest.fixture
def quiet_inboxes(demo_server):
    """Before the browser starts (no database calls after): the demo world's
    notifications all read, so each count below is this journey's own; and a login for
    Finn, the expert the team lead assigns."""
    from django.db.models import F

    from tests.accounts.helpers import authenticator_of
    from tests.e2e.conftest import _code_function
    from tests.e2e.journey import DemoLogin
    from voorzorg.accounts.models import User
    from voorzorg.devdata.demo_world import DEMO_PASSWORD
    from voorzorg.notifications.models import Notification

    Notification.objects.filter(read_at__isnull=True).update(read_at=F("created_at"))
    # GGZ Noorderlicht as a provider without staff in Voorzorg: the expert then records
    # the day the provider confirmed (the provider's own confirmation in the app is the
    # journey of test_provider_handover.py).
    User.objects.filter(email="mirjam.aanbieder@voorzorg.example").update(is_active=False)
    device = authenticator_of(User.objects.get(email=FINN))
    demo_server.logins["finn"] = DemoLogin(
        email=FINN,
        password=DEMO_PASSWORD,
        code=_code_function(device.bin_key, device.step, device.t0, device.digits),
    )


@pytest.fixture
def desks(quiet_inboxes, journey, browser, demo_server):
    """Each person at her own screen, signed in once (a second sign-in within the same
    30 seconds would reuse a code the app refuses): the POH-GGZ on the journey's desktop,
    the team lead on another, the expert on her phone. Each screen's pages are checked."""
    from tests.e2e.conftest import DESKTOP, OUTPUT_DIR, PHONE

    people = {"poh": journey}
    contexts = []
    for who, options in (("expert", DESKTOP), ("finn", PHONE)):
        context = browser.new_context(base_url=demo_server.url, locale="nl-NL", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        name = f"{journey.name}-{who}"
        people[who] = Journey(
            name=name, page=context.new_page(), logins=demo_server.logins, output=OUTPUT_DIR / name
        )
    yield people
    for context in contexts:
        context.close()


def menu_link(page: Page, unread: int):
    """The "Meldingen" item of the main menu, with its count read out as "n ongelezen"."""
    name = f"Meldingen {unread} ongelezen" if unread else "Meldingen"
    return page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name=name, exact=True
    )


def open_inbox(journey: Journey, unread: int, step: str) -> None:
    page = journey.page
    menu_link(page, unread).click()
    expect(page.get_by_role("heading", name="Meldingen", exact=True)).to_be_visible()
    if unread:
        expect(page.get_by_role("main")).to_contain_text(f"{unread} ongelezen")
    journey.check(step)


def test_a_referral_from_registration_to_handover_tells_each_one(desks):
    poh, lead, finn = desks["poh"], desks["expert"], desks["finn"]

    # The POH-GGZ registers a referral. Nothing new in her inbox.
    page = poh.page
    poh.sign_in("poh")
    expect(menu_link(page, 0)).to_be_visible()
    poh.check("poh-start")
    page.get_by_role("main").get_by_role("link", name="Nieuwe verwijzing").click()
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    poh.check("nieuwe-verwijzing")
    page.get_by_label("Voornaam").fill("Lieke")
    page.get_by_label("Achternaam").fill("Zijlstra")
    page.get_by_label("Woongemeente").select_option(label="Gemeente Groningen")
    page.get_by_label("Postcode (4 cijfers)").fill("9712")
    page.get_by_label("Telefoonnummer").fill("06 98765432")
    page.get_by_label("Hulpvraag").fill("Piekert veel sinds de scheiding; wil lotgenoten.")
    page.get_by_label("Sociale relaties").check()
    page.get_by_label("De deelnemer geeft toestemming").check()
    page.get_by_role("button", name="Verwijzing aanmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Verwijzing voor Lieke Zijlstra")
    number = page.locator("h1 .text-body-secondary").inner_text().strip()
    assert re.fullmatch(r"VZ-\w+", number), number
    poh.check("verwijzing-aangemeld")

    # The team lead: one new notification, the referral's number, no name.
    page = lead.page
    lead.sign_in("expert")
    expect(page.get_by_role("heading", name="Mijn werklijst")).to_be_visible()
    expect(menu_link(page, 1)).to_be_visible()
    lead.check("teamleider-werklijst")
    open_inbox(lead, 1, "teamleider-meldingen")
    new = page.get_by_role("link", name=f"Nieuwe verwijzing voor deelnemer {number}")
    expect(new).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Zijlstra")
    new.click()
    expect(page.get_by_role("heading", name=re.compile("Lieke Zijlstra"))).to_be_visible()
    expect(menu_link(page, 0)).to_be_visible()  # opened, so read
    lead.check("teamleider-verwijzing")
    _choose(page, "Accepteren en toewijzen aan", "Finn Mulder")
    page.get_by_role("button", name="Accepteren", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("toegewezen aan Finn Mulder")
    lead.check("teamleider-geaccepteerd")

    # The POH: accepted and assigned, two unread; she marks them all read.
    page = poh.page
    page.reload()
    open_inbox(poh, 2, "poh-meldingen-geaccepteerd")
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"De verwijzing van deelnemer {number} is geaccepteerd.")
    expect(main).to_contain_text(
        f"Deelnemer {number} is toegewezen aan ervaringsdeskundige Finn Mulder."
    )
    page.get_by_role("button", name="Alles als gelezen markeren").click()
    expect(page.get_by_role("status")).to_contain_text("2 meldingen als gelezen gemarkeerd.")
    expect(menu_link(page, 0)).to_be_visible()
    expect(main).not_to_contain_text("ongelezen")
    poh.check("poh-alles-gelezen")

    # The expert, on her phone: her new participant; first contact, then the handover.
    page = finn.page
    finn.sign_in("finn")
    expect(page.get_by_role("heading", name="Mijn werklijst")).to_be_visible()
    finn.check("expert-werklijst")
    page.get_by_role("button", name="Menu openen").tap()
    open_inbox(finn, 1, "expert-meldingen")
    page.get_by_role("link", name=f"Deelnemer {number} is aan u toegewezen").tap()
    expect(page.get_by_text("Status: Geaccepteerd")).to_be_visible()
    finn.check("expert-verwijzing")
    contact_date = page.get_by_label("Datum eerste contact (verkennend gesprek)")
    today = contact_date.input_value()  # the server's today, as the form proposes it
    page.get_by_role("button", name="Eerste contact vastleggen").tap()
    expect(page.get_by_role("status")).to_contain_text("Het eerste contact is vastgelegd")
    finn.check("expert-eerste-contact")
    page.get_by_role("link", name="Warme overdracht", exact=True).tap()
    expect(page.get_by_role("heading", name=re.compile("Warme overdracht"))).to_be_visible()
    finn.check("expert-overdracht")
    page.get_by_label("Behandelaar (aanbieder)").select_option(label="GGZ Noorderlicht (demo)")
    page.get_by_label("Gezamenlijk gesprek op").fill(f"{today}T09:30")
    page.get_by_label("Open signalen besproken").check()
    page.get_by_label("Ontvangst bevestigd door aanbieder op").fill(today)
    page.get_by_role("button", name="Opslaan", exact=True).tap()
    expect(page.get_by_role("status")).to_contain_text("De overdracht is opgeslagen.")
    finn.check("expert-overdracht-opgeslagen")
    page.get_by_role("button", name="Overdracht afronden").tap()
    expect(page.get_by_role("status")).to_contain_text("De warme overdracht is afgerond.")
    finn.check("expert-overdracht-afgerond")

    # The POH: the first contact and the completed handover; the letter is one click away.
    page = poh.page
    page.reload()
    open_inbox(poh, 2, "poh-meldingen-overdracht")
    main = page.get_by_role("main")
    expect(main).to_contain_text(
        f"Eerste contact met deelnemer {number}: de overbrugging is gestart."
    )
    page.get_by_role("button", name=re.compile(r"^Markeer als gelezen\W+Eerste contact")).click()
    expect(page.get_by_role("status")).to_contain_text("De melding is als gelezen gemarkeerd.")
    expect(menu_link(page, 1)).to_be_visible()
    poh.check("poh-een-gelezen")
    page.get_by_role(
        "link", name=f"De warme overdracht van deelnemer {number} is afgerond."
    ).click()
    expect(
        page.get_by_role("heading", name=re.compile("^Terugkoppeling: warme overdracht"))
    ).to_be_visible()
    expect(menu_link(page, 0)).to_be_visible()
    poh.check("poh-huisartsbrief")

    # Her e-mail choices: one per kind that reaches a POH-GGZ, each with its label.
    menu_link(page, 0).click()
    page.get_by_role("link", name="Meldingen per e-mail instellen").click()
    expect(page.get_by_role("heading", name="Meldingen per e-mail")).to_be_visible()
    poh.check("poh-meldingen-instellen")
    assigned = page.get_by_label("Verwijzing toegewezen aan een ervaringsdeskundige")
    expect(assigned).to_be_checked()
    assigned.uncheck()
    page.get_by_role("button", name="Keuzes opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Uw keuzes voor e-mail zijn opgeslagen.")
    expect(assigned).not_to_be_checked()
    expect(page.get_by_label("Verwijzing geaccepteerd")).to_be_checked()
    poh.check("poh-meldingen-ingesteld")

    for other in (lead, finn):
        other.assert_every_page_checked()


def _choose(page: Page, label: str, name: str) -> None:
    """Pick the option of ``label``'s select whose text starts with ``name`` (the label
    goes on with the expert's organisation and caseload)."""
    select = page.get_by_label(label)
    option = select.locator("option", has_text=name).first
    select.select_option(value=option.get_attribute("value"))
