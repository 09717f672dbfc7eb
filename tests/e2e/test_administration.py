"""The functional administrator's journey: Beheer, users, an invitation with its errors,
making an account inactive after the confirmation, a region's Treeknorm, and the access
log reading those changes in words. Every page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_admin_invites_a_colleague_and_reads_the_log_in_words(journey):
    page = journey.page
    journey.sign_in("admin")
    expect(page.get_by_role("heading", name="Beheer", exact=True)).to_be_visible()
    journey.check("beheer")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gebruikers").click()
    expect(page.get_by_role("heading", name="Gebruikers", exact=True)).to_be_visible()
    journey.check("gebruikers")
    page.get_by_role("searchbox", name="Zoeken").fill("Anna")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("link", name="Anna de Vries")).to_be_visible()
    expect(page.get_by_role("link", name="Bram Jansen")).to_have_count(0)
    journey.check("gebruikers-gezocht")

    page.get_by_role("link", name="Nieuwe gebruiker").click()
    expect(page.get_by_role("heading", name="Nieuwe gebruiker")).to_be_visible()
    journey.check("nieuwe-gebruiker")
    page.get_by_role("button", name="Account aanmaken en uitnodigen").click()
    expect(page.locator(".vz-error-summary")).to_be_visible()
    journey.check("nieuwe-gebruiker-fouten")
    page.get_by_label("Naam").fill("Mila Nieuwenhuis")
    page.get_by_label("E-mailadres").fill("mila.nieuw@voorzorg.example")
    page.get_by_label("Organisatie").select_option(label="Welzijn Kanaalstreek (demo)")
    page.get_by_role("combobox", name=re.compile(r"^Rol")).select_option(
        label="Ervaringsdeskundige"
    )
    page.get_by_role("button", name="Account aanmaken en uitnodigen").click()
    expect(page.get_by_role("heading", name="Mila Nieuwenhuis")).to_be_visible()
    expect(page.get_by_text("uitgenodigd", exact=True)).to_be_visible()
    journey.check("gebruiker-uitgenodigd")

    page.get_by_role("link", name="Op inactief zetten").click()
    expect(
        page.get_by_role("heading", name="Account op inactief zetten: Mila Nieuwenhuis")
    ).to_be_visible()
    journey.check("inactief-bevestigen")
    page.get_by_role("button", name="Op inactief zetten").click()
    expect(page.get_by_role("button", name="Weer activeren")).to_be_visible()
    journey.check("gebruiker-inactief")

    page.goto("/beheer/")
    page.get_by_role("link", name="Regio's en Treeknormen").first.click()
    expect(page.get_by_role("heading", name="Regio's en Treeknormen")).to_be_visible()
    journey.check("regios")
    page.get_by_role("link", name=re.compile(r"^Treeknorm\W+Groningen")).click()
    journey.check("treeknorm")
    page.get_by_label("Totale wachttijd (dagen)").fill("20")
    page.get_by_role("button", name="Treeknorm opslaan").click()
    expect(page.locator(".vz-error-summary")).to_be_visible()
    journey.check("treeknorm-fout")
    page.get_by_label("Totale wachttijd (dagen)").fill("98")
    page.get_by_label("Aanmeldwachttijd (dagen)").fill("21")
    page.get_by_role("button", name="Treeknorm opslaan").click()
    expect(page.get_by_role("cell", name="21 / 70 / 98")).to_be_visible()
    journey.check("regios-norm-opgeslagen")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Toegangslog").click()
    expect(page.get_by_role("heading", name="Toegangslog")).to_be_visible()
    table = page.locator("table")
    expect(table).to_contain_text("Gebruiker uitgenodigd")
    expect(table).to_contain_text("Account op inactief gezet")
    expect(table).to_contain_text("Treeknorm gewijzigd")
    expect(table).to_contain_text("Functioneel beheerder")
    expect(table).not_to_contain_text("account.deactivate")
    journey.check("toegangslog")
