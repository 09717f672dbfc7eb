"""The team lead accepts a referral by one of the suggested experts, her reasons in view;
the team view's measures; the expert's own profile page. axe-core on every page
(tests/e2e/journey.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_team_lead_accepts_a_referral_by_a_suggestion(journey):
    """Eva (team lead) opens the intake queue; Yara Haddad wishes to speak Arabic and to
    talk about anxiety; Samira Amrani is suggested with those reasons, and one click
    accepts the referral and gives it to her."""
    page = journey.page
    journey.sign_in("expert")
    expect(page.get_by_role("heading", name="Mijn werklijst")).to_be_visible()
    journey.check("werklijst")
    page.get_by_role("navigation").get_by_role("link", name="Aanmeldingen").click()
    expect(page.get_by_role("heading", name="Aanmeldingen", exact=True)).to_be_visible()
    journey.check("aanmeldingen-met-voorstellen")

    card = page.get_by_role("article").filter(has_text="Yara Haddad")
    suggested = card.get_by_role("region", name="Voorgesteld")
    first = suggested.get_by_role("listitem").first
    expect(first).to_contain_text("Samira Amrani")
    for reason in ("spreekt Arabisch", "werkt in Veendam", "ervaring met angst"):
        expect(first).to_contain_text(reason)
    expect(first).to_contain_text("plekken vrij")
    first.get_by_role("button", name="Accepteren met Samira Amrani").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "geaccepteerd en toegewezen aan Samira Amrani"
    )
    expect(page.get_by_role("article").filter(has_text="Yara Haddad")).to_have_count(0)
    journey.check("voorstel-geaccepteerd")

    # The team view counts it: one of the three suggestions, and the caseloads per month.
    page.get_by_role("navigation").get_by_role("link", name="Team", exact=True).click()
    measures = page.get_by_role("region", name="Toewijzingen en verdeling van het werk")
    expect(measures.get_by_role("columnheader", name="Caseload laagste – hoogste")).to_be_visible()
    expect(measures.get_by_role("row").nth(1)).to_contain_text("(nu)")
    journey.check("team")

    page.get_by_role("navigation").get_by_role("link", name="Mijn profiel").click()
    expect(page.get_by_role("heading", name="Mijn profiel")).to_be_visible()
    expect(page.get_by_label("Gebruik mijn profiel bij het voorstellen")).to_be_checked()
    journey.check("mijn-profiel")
    journey.assert_every_page_checked()
