"""Journey: an experience expert corrects a contact with a reason and reads its history
(old and new value), then withdraws a contact she logged twice. Every page checked with
axe-core (tests/e2e/journey.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_expert_corrects_a_contact_and_withdraws_a_double_one(journey):
    page = journey.page
    today = timezone.localdate().strftime("%d-%m-%Y")
    journey.sign_in("expert")
    expect(page.get_by_role("heading", name="Mijn werklijst")).to_be_visible()
    journey.check("werklijst")

    # A phone call of 15 minutes.
    page.get_by_role("link", name="Contact vastleggen Annelies Brouwer").first.click()
    expect(page.get_by_role("heading", name="Contact vastleggen")).to_be_visible()
    journey.check("contact-vastleggen")
    page.get_by_text("15 min", exact=True).click()
    page.get_by_text("Telefoon", exact=True).click()
    page.get_by_role("button", name="Contact opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Contact met Annelies Brouwer vastgelegd.")
    journey.check("deelnemer-na-contact")

    # It lasted 25 minutes: correct it, with a reason.
    page.get_by_role("link", name=f"{today} contact bekijken").first.click()
    expect(page.get_by_role("heading", name=f"Contact van {today}")).to_be_visible()
    journey.check("contact")
    page.get_by_role("link", name="Contact corrigeren").click()
    expect(page.get_by_role("heading", name="Contact corrigeren")).to_be_visible()
    journey.check("contact-corrigeren")
    # Without a reason the form says what is missing, and keeps what was typed.
    page.get_by_label("of andere duur, in minuten:").fill("25")
    page.get_by_role("button", name="Correctie opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Reden van de correctie")
    journey.check("contact-corrigeren-zonder-reden")
    page.get_by_label("Reden van de correctie").fill("Het gesprek duurde 25 minuten, niet 15.")
    page.get_by_role("button", name="Correctie opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Het contact is gecorrigeerd.")

    # The history: who, why, and the duration from 15 to 25.
    history = page.get_by_role("region", name="Geschiedenis")
    expect(history).to_contain_text("Gecorrigeerd")
    expect(history).to_contain_text("Eva")
    expect(history).to_contain_text("(Ervaringsdeskundige)")
    expect(history).to_contain_text("Het gesprek duurde 25 minuten, niet 15.")
    change = history.get_by_role("row", name="Duur (minuten)")
    expect(change.get_by_role("cell")).to_have_text(["15", "25"])
    expect(history).to_contain_text("Vastgelegd")
    journey.check("contact-gecorrigeerd")

    # The same call logged a second time by mistake: withdraw it.
    page.get_by_role("link", name="Terug naar de deelnemer").click()
    expect(page.get_by_role("heading", name="Annelies Brouwer")).to_be_visible()
    journey.check("deelnemer")
    page.get_by_role("link", name="Contact vastleggen", exact=True).click()
    expect(page.get_by_role("heading", name="Contact vastleggen")).to_be_visible()
    journey.check("tweede-contact-vastleggen")
    page.get_by_text("30 min", exact=True).click()
    page.get_by_text("Beeldbellen", exact=True).click()
    page.get_by_role("button", name="Contact opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Contact met Annelies Brouwer vastgelegd.")
    journey.check("deelnemer-na-tweede-contact")
    contacts = page.locator(".vz-contacts")
    expect(contacts.get_by_role("link", name=f"{today} contact bekijken")).to_have_count(2)
    contacts.get_by_role("link", name=f"{today} contact bekijken").first.click()
    expect(page.get_by_role("heading", name=f"Contact van {today}")).to_be_visible()
    journey.check("tweede-contact")
    page.get_by_role("link", name="Contact intrekken").click()
    expect(page.get_by_role("heading", name="Contact intrekken")).to_be_visible()
    journey.check("contact-intrekken")
    page.get_by_label("Reden van intrekken").fill("Per ongeluk twee keer vastgelegd.")
    page.get_by_role("button", name="Contact intrekken").click()
    expect(page.get_by_role("status")).to_contain_text("Het contact is ingetrokken.")
    expect(page.get_by_role("note")).to_contain_text("Per ongeluk twee keer vastgelegd.")
    history = page.get_by_role("region", name="Geschiedenis")
    expect(history).to_contain_text("Ingetrokken")
    expect(history).to_contain_text("Per ongeluk twee keer vastgelegd.")
    # Withdrawn: it cannot be corrected any more.
    expect(page.get_by_role("link", name="Contact corrigeren")).to_have_count(0)
    journey.check("contact-ingetrokken")

    # Gone from the participant page; the list of all contacts names it apart.
    page.get_by_role("link", name="Terug naar de deelnemer").click()
    contacts = page.locator(".vz-contacts")
    expect(contacts.get_by_role("link", name=f"{today} contact bekijken")).to_have_count(1)
    journey.check("deelnemer-na-intrekken")
    page.get_by_role("link", name="Alle contacten").click()
    withdrawn = page.get_by_role("region", name="Ingetrokken contacten")
    expect(withdrawn).to_contain_text(f"Contact van {today}")
    journey.check("alle-contacten")
