"""The provider in the loop, in a browser: one person from the GP practice to the treating
provider, each person at her own screen.

The POH-GGZ refers Marit, who already waits at GGZ Noorderlicht, and records the client
number the provider gave her; the team lead takes her on herself, has the first
conversation and records a Positieve Gezondheid measurement; the administrator uploads
Noorderlicht's waitlist, which brings Marit's treatment start, and the import links it to
her referral; the expert's worklist then shows "Overdracht nodig"; she prepares the
handover; Mirjam, of Noorderlicht, confirms it in the app; the expert completes it; the
POH-GGZ opens the GP letter from her inbox, with the history and the provider's own
confirmation. Every page is checked with axe-core (tests/e2e/journey.py).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from monitoring.importer import COLUMNS
from tests.e2e.journey import Journey

pytestmark = pytest.mark.e2e

MIRJAM = "mirjam.aanbieder@voorzorg.example"
PROVIDER = "GGZ Noorderlicht (demo)"
REFERENCE = "NL-E2E-4711"


@pytest.fixture
def quiet_world(demo_server):
    """Before the browser starts (no database calls after it): the demo world's
    notifications read, so the inbox below is this journey's, and a login for Mirjam."""
    from django.db.models import F

    from tests.accounts.helpers import authenticator_of
    from tests.e2e.conftest import _code_function
    from tests.e2e.journey import DemoLogin
    from voorzorg.accounts.models import User
    from voorzorg.devdata.demo_world import DEMO_PASSWORD
    from voorzorg.notifications.models import Notification

    Notification.objects.filter(read_at__isnull=True).update(read_at=F("created_at"))
    device = authenticator_of(User.objects.get(email=MIRJAM))
    demo_server.logins["provider"] = DemoLogin(
        email=MIRJAM,
        password=DEMO_PASSWORD,
        code=_code_function(device.bin_key, device.step, device.t0, device.digits),
    )


@pytest.fixture
def desks(quiet_world, journey, browser, demo_server):
    """The POH-GGZ on the journey's desktop; the team lead, the administrator and the
    provider's staff member each on a desktop of their own, signed in once each."""
    from tests.e2e.conftest import DESKTOP, OUTPUT_DIR

    people = {"poh": journey}
    contexts = []
    for who in ("expert", "admin", "provider"):
        context = browser.new_context(base_url=demo_server.url, locale="nl-NL", **DESKTOP)
        context.set_default_timeout(20_000)
        contexts.append(context)
        name = f"{journey.name}-{who}"
        people[who] = Journey(
            name=name, page=context.new_page(), logins=demo_server.logins, output=OUTPUT_DIR / name
        )
    yield people
    for person in people.values():
        person.assert_every_page_checked()
    for context in contexts:
        context.close()


def _waitlist(today: dt.date) -> bytes:
    """Noorderlicht's export with Marit's waiting place: registered two months ago, intake
    a month ago, treatment starting yesterday."""
    from voorzorg.devdata.demo_waitlist import PROVIDERS

    values = {
        "provider_agb": PROVIDERS[0].agb,
        "location": "Groningen-Centrum",
        "external_id": REFERENCE,
        "birth_year": "1990",
        "municipality_code": "GM0014",
        "care_level": "s-ggz",
        "registration_date": (today - dt.timedelta(days=60)).isoformat(),
        "intake_date": (today - dt.timedelta(days=30)).isoformat(),
        "treatment_start_date": (today - dt.timedelta(days=1)).isoformat(),
    }
    lines = [",".join(COLUMNS), ",".join(values.get(column, "") for column in COLUMNS)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _choose(page: Page, label: str, option_text: str) -> None:
    select = page.get_by_label(label)
    value = select.locator("option", has_text=option_text).first.get_attribute("value")
    select.select_option(value)


def test_a_waiting_person_is_handed_over_with_the_provider_in_the_loop(desks):
    poh, lead, admin, provider = desks["poh"], desks["expert"], desks["admin"], desks["provider"]

    # The POH-GGZ refers Marit, who waits at Noorderlicht; the date she registered there
    # comes with the provider's file, so she leaves it open.
    page = poh.page
    poh.sign_in("poh")
    poh.check("poh-start")
    page.get_by_role("main").get_by_role("link", name="Nieuwe verwijzing").click()
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    poh.check("nieuwe-verwijzing")
    page.get_by_label("Voornaam").fill("Marit")
    page.get_by_label("Achternaam").fill("Oosterhof")
    page.get_by_label("Woongemeente").select_option(label="Gemeente Groningen")
    page.get_by_label("Postcode (4 cijfers)").fill("9713")
    page.get_by_label("Telefoonnummer").fill("06 55501234")
    page.get_by_label("Hulpvraag").fill("Wacht op behandeling voor angst; zoekt steun.")
    page.get_by_label("Sociale relaties").check()
    page.get_by_label("Gezochte zorgzwaarte").select_option(label="Gespecialiseerde ggz")
    page.get_by_label("Beoogde GGZ-aanbieder").select_option(label=PROVIDER)
    page.get_by_label("Aanmelddatum nog onbekend").check()
    page.get_by_label("De deelnemer geeft toestemming").check()
    page.get_by_role("button", name="Verwijzing aanmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Verwijzing voor Marit Oosterhof")
    number = page.locator("h1 .text-body-secondary").inner_text().strip()
    assert re.fullmatch(r"VZ-\w+", number), number
    poh.check("verwijzing-aangemeld")

    # The client number Noorderlicht gave her: no waiting place in the app has it yet.
    page.get_by_label("Kenmerk bij de aanbieder").fill(REFERENCE)
    page.get_by_role("button", name="Kenmerk vastleggen").click()
    card = page.get_by_role("region", name="Aanbieder en wachtplek")
    expect(card).to_contain_text(REFERENCE)
    poh.check("kenmerk-vastgelegd")
    # Her consent to share at the handover, on her record.
    page.get_by_role("link", name="Marit Oosterhof").first.click()
    expect(page.get_by_role("heading", name=re.compile("Marit Oosterhof"))).to_be_visible()
    page.get_by_role(
        "button", name="Toestemming vastleggen: delen met de behandelaar bij de overdracht"
    ).click()
    expect(page.get_by_role("status")).to_be_visible()
    poh.check("toestemming-delen")

    # The team lead takes her on herself: first conversation and a first measurement.
    page = lead.page
    lead.sign_in("expert")
    expect(page.get_by_role("heading", name="Mijn werklijst")).to_be_visible()
    lead.check("werklijst")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Aanmeldingen"
    ).click()
    expect(page.get_by_role("heading", name="Aanmeldingen")).to_be_visible()
    lead.check("aanmeldingen")
    page.get_by_role("link", name="Marit Oosterhof").first.click()
    expect(page.get_by_role("heading", name=re.compile("Marit Oosterhof"))).to_be_visible()
    lead.check("verwijzing")
    _choose(page, "Accepteren en toewijzen aan", "Eva Bakker")
    page.get_by_role("button", name="Accepteren", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("toegewezen aan Eva Bakker")
    lead.check("geaccepteerd")
    page.get_by_role("button", name="Eerste contact vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text("Het eerste contact is vastgelegd")
    lead.check("eerste-contact")
    page.get_by_role("link", name="Marit Oosterhof").first.click()
    page.get_by_role("link", name="Eerste meting vastleggen").click()
    expect(page.get_by_role("heading", name="Meting Positieve Gezondheid")).to_be_visible()
    lead.check("meting")
    for label, score in {
        "Lichaamsfuncties": 6,
        "Mentaal welbevinden": 4,
        "Zingeving": 5,
        "Kwaliteit van leven": 5,
        "Meedoen": 3,
        "Dagelijks functioneren": 6,
    }.items():
        page.get_by_label(label).fill(str(score))
    page.get_by_role("button", name="Meting opslaan").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Meting Positieve Gezondheid van Marit Oosterhof vastgelegd."
    )
    lead.check("na-meting")

    # The administrator uploads Noorderlicht's waitlist: Marit's treatment starts.
    page = admin.page
    admin.sign_in("admin")
    admin.check("beheer")
    page.get_by_role("link", name="Wachtlijst van een GGZ-aanbieder importeren").click()
    admin.check("wachtlijst-importeren")
    page.get_by_label("Wachtlijstbestand (CSV)").set_input_files(
        {
            "name": "noorderlicht.csv",
            "mimeType": "text/csv",
            "buffer": _waitlist(timezone.localdate()),
        }
    )
    page.get_by_role("button", name="Bestand versturen").click()
    expect(page.get_by_text("Stand: Klaar")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("status").filter(has_text="noorderlicht.csv")).to_be_visible()
    admin.check("import-klaar")

    # The expert's worklist: the handover is due; she prepares it.
    page = lead.page
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn werklijst"
    ).click()
    due = page.get_by_role("region", name=re.compile("^Overdracht nodig"))
    expect(due).to_contain_text("Marit Oosterhof")
    expect(due).to_contain_text("Start behandeling")
    lead.check("werklijst-overdracht-nodig")
    due.get_by_role("link", name="Marit Oosterhof", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Warme overdracht"))).to_be_visible()
    lead.check("overdracht")
    expect(page.get_by_label("Behandelaar (aanbieder)")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Behandelaar (aanbieder)").select_option(label=PROVIDER)
    today = timezone.localdate().isoformat()
    page.get_by_label("Gezamenlijk gesprek op").fill(f"{today}T10:00")
    page.get_by_label("Samenvatting van de overbruggingsperiode").fill(
        "Kwam wekelijks naar de groep; slaapt beter, durft weer te bellen."
    )
    page.get_by_label("In de eigen woorden van de deelnemer").fill(
        "Ik wil dat mijn behandelaar weet dat praten met lotgenoten me helpt."
    )
    page.get_by_label("Open signalen besproken").check()
    expect(page.get_by_label("Ontvangst bevestigd door aanbieder op")).to_be_disabled()
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("De overdracht is opgeslagen.")
    expect(page.get_by_role("main")).to_contain_text("Wacht op bevestiging door de aanbieder")
    lead.check("overdracht-wacht-op-aanbieder")

    # Mirjam, of Noorderlicht: the handover waits for her; she confirms it.
    page = provider.page
    provider.sign_in("provider")
    expect(page.get_by_role("heading", name="Overdrachten")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Marit Oosterhof")
    expect(row).to_contain_text("wacht op uw bevestiging")
    expect(row).to_contain_text(REFERENCE)
    provider.check("overdrachten")
    row.get_by_role("link", name="Marit Oosterhof").click()
    expect(page.get_by_role("heading", name=re.compile("Marit Oosterhof"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("praten met lotgenoten me helpt")
    expect(page.get_by_role("heading", name="Verloop Positieve Gezondheid")).to_be_visible()
    provider.check("overdracht-aanbieder")
    page.get_by_role("button", name="Ontvangst bevestigen").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Mirjam de Groot")
    provider.check("overdracht-bevestigd")

    # The expert completes the handover.
    page = lead.page
    page.reload()
    expect(page.get_by_role("main")).to_contain_text("de aanbieder zelf, in Voorzorg")
    lead.check("overdracht-bevestigd")
    page.get_by_role("button", name="Overdracht afronden").click()
    expect(page.get_by_role("status")).to_contain_text("De warme overdracht is afgerond.")
    lead.check("overdracht-afgerond")

    # The POH-GGZ: the letter for the GP, with the history and the provider's confirmation.
    page = poh.page
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name=re.compile("^Meldingen")
    ).click()
    expect(page.get_by_role("heading", name="Meldingen", exact=True)).to_be_visible()
    poh.check("meldingen")
    page.get_by_role(
        "link", name=f"De warme overdracht van deelnemer {number} is afgerond."
    ).click()
    expect(
        page.get_by_role("heading", name=re.compile("^Terugkoppeling: warme overdracht"))
    ).to_be_visible()
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", name="Verloop Positieve Gezondheid")).to_be_visible()
    expect(main).to_contain_text("praten met lotgenoten me helpt")
    expect(main).to_contain_text("Mirjam de Groot")
    expect(main).to_contain_text("de aanbieder zelf, in Voorzorg")
    poh.check("huisartsbrief")
