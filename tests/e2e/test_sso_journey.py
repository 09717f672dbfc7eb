"""Single sign-on in the browser: "Inloggen via <regio>", the provider, and back.

The provider is the real test identity provider (tests/oidc_provider/) in its own
process, on another origin than Voorzorg, as the region's would be. The journey checks
what a unit test cannot: that the strict Content Security Policy lets the browser go to
the provider and back (a link in, a redirect out after the sign-out form), and that the
pages on the way pass axe-core, the provider's own sign-in page included.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.oidc_provider.fixtures import PROVIDER_NAME, PROVIDER_PASSWORD

pytestmark = pytest.mark.e2e


def test_poh_signs_in_through_the_region_and_out_again(sso_enabled, journey):
    page = journey.page
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    page.goto("/")
    expect(page.get_by_role("heading", name="Inloggen bij Voorzorg")).to_be_visible()
    journey.check("inloggen-met-regio-knop")

    page.get_by_role("link", name=f"Inloggen via {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name="Inloggen bij de regio")).to_be_visible()
    assert page.url.startswith(sso_enabled.url), "the provider's own origin"
    journey.check("regio-inloggen")

    page.get_by_label("Gebruikersnaam").fill("anna.poh")
    page.get_by_label("Wachtwoord").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Inloggen bij de regio").click()
    # Back at Voorzorg, signed in and past the second factor: the provider asked for its
    # own, so no code from the app here. Her start page as POH.
    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/verwijzingen/$"))
    journey.check("mijn-verwijzingen-na-regio")

    # Signing out is a POST form whose answer redirects to the provider's end-session
    # endpoint; form-action must allow that origin (Chromium checks redirects too).
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen bij Voorzorg")).to_be_visible()
    journey.check("uitgelogd-ook-bij-regio")

    # The provider's session ended too: SSO asks for the password there again.
    page.get_by_role("link", name=f"Inloggen via {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name="Inloggen bij de regio")).to_be_visible()
    journey.check("regio-vraagt-opnieuw")
    assert not csp_violations, csp_violations
