"""A POH-GGZ registers someone the practice knows already (participants.duplicates).

Fenna Bos (VZ-DEMO0005, born 17 May 1985) had a referral that was declined. The POH
registers her again as if she were new: the form saves nothing yet, shows Fenna's record
with why it matched and where she stands, and the POH continues with that record, so
the new referral joins Fenna's own and no second Fenna is made.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_poh_registers_a_known_person_and_continues_with_her_record(journey):
    page = journey.page
    journey.sign_in("poh")
    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    journey.check("mijn-verwijzingen")

    page.get_by_role("main").get_by_role("link", name="Nieuwe verwijzing").click()
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    journey.check("nieuwe-verwijzing")
    page.get_by_label("Voornaam").fill("fenna")
    page.get_by_label("Achternaam").fill("Bos")
    page.get_by_label("Geboortedatum").fill("1985-05-17")
    page.get_by_label("Telefoonnummer").fill("06 3000 1234")
    page.get_by_label("Woongemeente").select_option(label="Gemeente Groningen")
    page.get_by_label("Hulpvraag").fill("Opnieuw somber; wil toch graag lotgenoten spreken.")
    page.get_by_label("Sociale relaties").check()
    page.get_by_label("De deelnemer geeft toestemming").check()
    page.get_by_role("button", name="Verwijzing aanmelden").click()

    candidates = page.get_by_role("region", name="Mogelijk dubbel")
    expect(candidates).to_be_visible()
    expect(candidates).to_be_focused()
    expect(candidates).to_contain_text("Er is nog niets opgeslagen.")
    expect(candidates).to_contain_text("VZ-DEMO0005")
    expect(candidates).to_contain_text("17-05-1985")
    expect(candidates).to_contain_text("zelfde naam en geboortedatum")
    expect(candidates).to_contain_text("Geen lopende verwijzing.")
    # What she typed is kept, whichever way she goes on.
    expect(page.get_by_label("Hulpvraag")).to_have_value(
        "Opnieuw somber; wil toch graag lotgenoten spreken."
    )
    journey.check("mogelijk-dubbel")

    candidates.get_by_label("Ja, dit is Fenna Bos (VZ-DEMO0005)").check()
    candidates.get_by_role("button", name="Keuze bevestigen en aanmelden").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Verwijzing voor Fenna Bos is aangemeld bij het overbruggingsteam, bij het "
        "bestaande dossier VZ-DEMO0005."
    )
    expect(page.get_by_text("Status: Aangemeld")).to_be_visible()
    journey.check("verwijzing-bij-bestaand-dossier")

    page.get_by_role("link", name="Fenna Bos").first.click()
    expect(page.get_by_role("heading", name="Fenna Bos")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("VZ-DEMO0005")
    referrals = page.get_by_role("region", name="Verwijzingen")
    # Her declined referral and the new one, on one record.
    expect(referrals.get_by_role("link", name=re.compile(r"^\d\d-\d\d-\d{4} — "))).to_have_count(2)
    expect(referrals).to_contain_text("Afgewezen")
    expect(referrals).to_contain_text("Aangemeld")
    journey.check("dossier-met-twee-verwijzingen")
