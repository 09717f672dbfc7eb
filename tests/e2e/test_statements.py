"""Journey: someone about to register herself, on a phone, reads what happens to her data
before she consents, then finds the accessibility statement from the footer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_self_registration_leads_to_the_statements(phone_journey):
    page = phone_journey.page
    page.goto("/aanmelden/")
    consent = page.get_by_role("group", name="Toestemming")
    expect(consent).to_be_visible()
    phone_journey.check("zelf-aanmelden")

    link = consent.get_by_role("link", name="privacyverklaring")
    # It opens in a new window, so the half-filled form stays; the test follows it here.
    expect(link).to_have_attribute("target", "_blank")
    page.goto(link.get_attribute("href"))
    expect(page.get_by_role("heading", name="Privacyverklaring", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Hoe lang bewaren we ze?")).to_be_visible()
    phone_journey.check("privacyverklaring")

    page.get_by_role("contentinfo").get_by_role("link", name="Toegankelijkheidsverklaring").click()
    expect(page.get_by_role("heading", name="Toegankelijkheidsverklaring", level=1)).to_be_visible()
    phone_journey.check("toegankelijkheidsverklaring")
