"""The browser journeys, one test each, in Debian's Chromium against the demo world.

Each page a journey shows is checked with axe-core and photographed (tests/e2e/journey.py).
The keyboard-only journey lives in test_keyboard.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.journey import csv_rows

pytestmark = pytest.mark.e2e

NEW_PERSON = {"given": "Noor", "family": "Verbeek", "phone": "06 12345678"}


@pytest.fixture
def forecast_provider(demo_server) -> str:
    """The night's waiting-time forecasts of the demo waiting lists, stored for today;
    the name of the first provider whose general basic GGZ forecast is shown (not
    withheld). Before the browser starts (conftest.py says why)."""
    from monitoring.forecasting.services import forecasts_store
    from monitoring.models import WaitForecast

    today = timezone.localdate()
    forecasts_store(today)
    shown = (
        WaitForecast.objects.filter(as_of=today, care_level="gb-ggz", withheld=False)
        .select_related("provider")
        .order_by("provider__name")
        .first()
    )
    assert shown is not None, "the demo waiting lists gave no forecast to show"
    return shown.provider.name


def test_poh_registers_a_referral_and_exports_her_list(forecast_provider, journey):
    """Journey 1, POH-GGZ on a desktop: sign in with both factors, register a referral
    (a missing phone number corrected on the way; the expected wait at the intended
    provider read beside it), find it, export the list."""
    page = journey.page
    journey.sign_in("poh")
    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    journey.check("mijn-verwijzingen")

    page.get_by_role("main").get_by_role("link", name="Nieuwe verwijzing").click()
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    journey.check("nieuwe-verwijzing")
    # Beside the intended provider: how long someone registering now will wait there.
    forecasts = page.get_by_role("table", name="Verwachte wachttijd voor wie zich nu aanmeldt")
    expect(forecasts).to_be_visible()
    expect(forecasts.get_by_role("rowheader", name=forecast_provider).first).to_be_visible()
    page.get_by_label("Gezochte zorgzwaarte").select_option(label="Generalistische basis-ggz")
    page.get_by_label("Beoogde GGZ-aanbieder").select_option(label=forecast_provider)
    chosen = (
        forecasts.get_by_role("row")
        .filter(has_text=forecast_provider)
        .filter(has_text="Generalistische basis-ggz")
    )
    expect(chosen).to_have_attribute("aria-current", "true")
    expect(page.locator("#forecast-chosen")).to_contain_text(
        re.compile(
            f"{re.escape(forecast_provider)}, Generalistische basis-ggz: verwachte wachttijd "
            r"tot intake ± \d+ (?:week|weken), "
            r"tot behandeling ± \d+ (?:week|weken); peildatum \d\d-\d\d-\d{4}"
        )
    )
    page.get_by_label("Aanmelddatum nog onbekend").check()
    journey.check("nieuwe-verwijzing-verwachte-wachttijd")
    page.get_by_label("Voornaam").fill(NEW_PERSON["given"])
    page.get_by_label("Achternaam").fill(NEW_PERSON["family"])
    page.get_by_label("Woongemeente").select_option(label="Gemeente Groningen")
    page.get_by_label("Postcode (4 cijfers)").fill("9711")
    page.get_by_label("Hulpvraag").fill("Somber sinds het verlies van haar baan; wil praten.")
    page.get_by_label("Financiën").check()
    page.get_by_label("Werk", exact=True).check()
    page.get_by_label("De deelnemer geeft toestemming").check()
    # No phone number and no e-mail address: the form must say so and keep the rest.
    page.get_by_role("button", name="Verwijzing aanmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("Niet opgeslagen")
    expect(page.get_by_text("Vul een telefoonnummer of e-mailadres in.")).to_be_visible()
    expect(page.get_by_label("Telefoonnummer")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Voornaam")).to_have_value(NEW_PERSON["given"])
    journey.check("nieuwe-verwijzing-met-fout")

    page.get_by_label("Telefoonnummer").fill(NEW_PERSON["phone"])
    page.get_by_role("button", name="Verwijzing aanmelden").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Verwijzing voor Noor Verbeek is aangemeld bij het overbruggingsteam."
    )
    expect(page.get_by_text("Status: Aangemeld")).to_be_visible()
    journey.check("verwijzing-aangemeld")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn verwijzingen"
    ).click()
    page.get_by_label("Zoeken").fill("Verbeek")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("main")).to_contain_text("1 verwijzing ·")
    row = page.get_by_role("row").filter(has_text="Noor Verbeek")
    expect(row).to_contain_text("Aangemeld")
    journey.check("mijn-verwijzingen-gezocht")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporteer deze lijst (CSV)").click()
    download = download_info.value
    assert re.fullmatch(r"verwijzingen-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    rows = csv_rows(journey.keep(download))
    assert rows[0][:2] == ["Deelnemernummer", "Naam"]
    assert [row[1] for row in rows[1:]] == ["Noor Verbeek"]


def test_experience_expert_logs_her_day_on_a_phone(phone_journey):
    """Journey 2, experience expert on a 360 x 740 touch screen: the worklist, today's
    group meeting with attendance, then a call with the person who stopped coming: the
    contact, a Positieve Gezondheid measurement and a care signal for her GP practice."""
    journey = phone_journey
    page = journey.page
    journey.sign_in("expert")
    expect(page.get_by_role("heading", name="Mijn werklijst")).to_be_visible()
    journey.check("werklijst")

    page.get_by_role("link", name="Bijeenkomst vastleggen Voorzorggroep Stadskanaal").tap()
    expect(page.get_by_role("heading", name="Bijeenkomst vastleggen")).to_be_visible()
    journey.check("bijeenkomst-vastleggen")
    for name, status in (
        ("Lotte Hoekstra", "Aanwezig"),
        ("Mohammed El Idrissi", "Afgemeld"),
        ("Annelies Brouwer", "Afwezig"),
    ):
        page.get_by_role("group", name=name).get_by_text(status, exact=True).tap()
    page.get_by_label("Onderwerp").fill("Slapen en piekeren")
    page.get_by_role("button", name="Bijeenkomst opslaan").tap()
    expect(page.get_by_role("status")).to_contain_text("1 aanwezig, 1 afgemeld, 1 afwezig")
    journey.check("bijeenkomst-opgeslagen")

    page.get_by_role("button", name="Menu openen").tap()
    page.get_by_role("link", name="Mijn werklijst").tap()
    out_of_sight = page.get_by_role("region", name="Uit beeld")
    expect(out_of_sight).to_contain_text("Annelies Brouwer")
    journey.check("werklijst-uit-beeld")
    out_of_sight.get_by_role("link", name="Contact vastleggen Annelies Brouwer").tap()
    expect(page.get_by_role("heading", name="Contact vastleggen")).to_be_visible()
    journey.check("contact-vastleggen")
    page.get_by_text("15 min", exact=True).tap()
    page.get_by_text("Telefoon", exact=True).tap()
    page.get_by_text("Sociale relaties", exact=True).tap()
    page.get_by_label("Korte notitie").fill(
        "Gebeld; ze voelt zich alleen en ziet op tegen de groep."
    )
    page.get_by_role("button", name="Contact opslaan").tap()
    expect(page.get_by_role("status")).to_contain_text("Contact met Annelies Brouwer vastgelegd.")
    expect(page.get_by_role("heading", name="Annelies Brouwer")).to_be_visible()
    journey.check("deelnemer-na-contact")

    page.get_by_role("link", name="Eerste meting vastleggen").tap()
    expect(page.get_by_role("heading", name="Meting Positieve Gezondheid")).to_be_visible()
    journey.check("meting-positieve-gezondheid")
    scores = {
        "Lichaamsfuncties": 6,
        "Mentaal welbevinden": 3,
        "Zingeving": 4,
        "Kwaliteit van leven": 4,
        "Meedoen": 2,
        "Dagelijks functioneren": 5,
    }
    for label, score in scores.items():
        page.get_by_label(label).fill(str(score))
    page.get_by_role("button", name="Meting opslaan").tap()
    expect(page.get_by_role("status")).to_contain_text(
        "Meting Positieve Gezondheid van Annelies Brouwer vastgelegd."
    )
    health = page.get_by_role("table").filter(has_text="Scores van 0 tot en met 10")
    expect(health.get_by_role("row", name="Meedoen")).to_contain_text("2")
    journey.check("deelnemer-na-meting")

    page.get_by_role("link", name="Signaal melden").tap()
    expect(page.get_by_role("heading", name="Signaal melden")).to_be_visible()
    journey.check("signaal-melden")
    page.get_by_label("Zorg", exact=True).tap()
    page.get_by_label("Wat is er aan de hand?").fill(
        "Komt al drie weken niet naar de groep en zegt aan de telefoon dat ze nauwelijks "
        "slaapt. Wil graag dat de huisarts haar belt."
    )
    page.get_by_role("button", name="Signaal melden").tap()
    expect(page.get_by_role("status")).to_contain_text("Het signaal is gemeld.")
    expect(page.get_by_role("heading", name="Zorgsignaal")).to_be_visible()
    journey.check("signaal-gemeld")


def _previous_quarter(today: dt.date) -> tuple[str, str]:
    """The key and the label of the quarter before ``today``'s, e.g. ("2026-Q3",
    "3e kwartaal 2026")."""
    quarter, year = (today.month - 1) // 3, today.year
    if quarter == 0:
        quarter, year = 4, year - 1
    return f"{year}-Q{quarter}", f"{quarter}e kwartaal {year}"


def test_coordinator_reads_and_exports_the_dashboard(journey):
    """Journey 3, regional coordinator on a desktop: the dashboard, another period and one
    municipality, a figure hidden because too few people are behind it, the Excel export
    and the print view."""
    page = journey.page
    journey.sign_in("coordinator")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    journey.check("dashboard")

    period, period_label = _previous_quarter(timezone.localdate())
    page.get_by_label("Periode", exact=True).select_option(period)
    page.get_by_label("Groep", exact=True).select_option(label="Gemeente Groningen (GM0014)")
    page.get_by_role("button", name="Toon cijfers").click()
    expect(page.locator(".lead")).to_have_text(f"{period_label} · Gemeente Groningen (GM0014)")
    expect(page.get_by_label("Periode", exact=True)).to_have_value(period)
    journey.check("dashboard-groningen-vorig-kwartaal")

    # The demo world's few referrals: too few people behind "first contact within 7 days"
    # in any quarter, so the figure says it is too few referrals and why, never a number
    # (not "< 10", which beside a number of days read as "under 10 days").
    hidden = page.locator('[data-vz-state="suppressed"]').first
    expect(hidden.locator(".vz-figure-value")).to_have_text(
        re.compile(r"^te weinig \(minder dan 10 (verwijzingen|wachtplekken)\)$")
    )
    expect(hidden).to_contain_text("te weinig mensen om te tonen zonder herkenbaar te worden")
    hidden_key = hidden.get_attribute("data-vz-indicator")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel (xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(journey.keep(download), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("Indicator", "Sleutel", "Periode")
    # What the page shows: Groningen only, the chosen quarter (and the months of the trend).
    assert {row[4] for row in rows} == {"GM0014"}
    hidden_rows = [row for row in rows if row[1] == hidden_key and row[2] == period]
    assert hidden_rows
    assert all(row[10] == "ja" and row[6:9] == (None, None, None) for row in hidden_rows)

    page.get_by_role("link", name="Afdrukversie").click()
    expect(page.get_by_role("heading", name="Wachttijden en overbruggingszorg")).to_be_visible()
    expect(page.locator(".lead")).to_have_text(f"{period_label} · Gemeente Groningen (GM0014)")
    page.emulate_media(media="print")
    journey.check("afdrukversie")


def test_coordinator_compares_municipalities_on_a_phone(phone_journey):
    """The comparison table on a phone: reachable from the dashboard, sortable with the
    keyboard (header buttons, aria-sort), withheld cells in words."""
    journey = phone_journey
    page = journey.page
    journey.sign_in("coordinator")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    journey.check("dashboard-telefoon")

    page.get_by_role("link", name="Gemeenten en aanbieders vergelijken").click()
    expect(
        page.get_by_role("heading", name="Gemeenten en aanbieders vergelijken", level=1)
    ).to_be_visible()
    journey.check("vergelijken")
    table = page.locator("table[data-vz-sortable]").first
    expect(table).to_be_visible()
    name_header = table.locator("thead th").nth(0)
    value_header = table.locator("thead th").nth(1)
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    value_header.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(value_header).to_have_attribute("aria-sort", "ascending")
    expect(name_header).to_have_attribute("aria-sort", "none")
    page.keyboard.press(" ")
    expect(value_header).to_have_attribute("aria-sort", "descending")
    journey.check("vergelijken-gesorteerd")
