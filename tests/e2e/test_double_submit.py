"""Sending a create form twice makes one record (voorzorg.core.idempotency).

The network loses the answer to the first submit (the server saved it), so the page
still shows the form and the POH presses the button again: the browser sends the same
form, with the same one-time key, and she lands on the referral the first submit made.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Route, expect

from referrals.models import Referral

pytestmark = pytest.mark.e2e


def _referral_ids(family_name: str = "Verstuurd") -> list[int]:
    """The referrals made for the test's person, read outside Playwright's event loop
    (Django refuses database calls from inside it)."""

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


def test_a_resent_referral_form_registers_one_referral(journey):
    page = journey.page
    journey.sign_in("poh")
    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    journey.check("mijn-verwijzingen")
    page.goto("/verwijzingen/nieuw/")
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    journey.check("nieuwe-verwijzing")
    page.get_by_label("Voornaam").fill("Dubbel")
    page.get_by_label("Achternaam").fill("Verstuurd")
    page.get_by_label("Woongemeente").select_option(label="Gemeente Groningen")
    page.get_by_label("Postcode (4 cijfers)").fill("9711")
    page.get_by_label("Telefoonnummer").fill("06 12345678")
    page.get_by_label("Hulpvraag").fill("Piekert veel; wil lotgenoten spreken.")
    page.get_by_label("Werk", exact=True).check()
    page.get_by_label("De deelnemer geeft toestemming").check()

    sent: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        if not sent:
            # The server gets it and saves; its answer never reaches the browser.
            sent.append(route.fetch(max_redirects=0).status)
            route.abort("aborted")
        else:
            sent.append(0)
            route.continue_()

    page.route("**/verwijzingen/nieuw/", lose_the_first_answer)
    button = page.get_by_role("button", name="Verwijzing aanmelden")
    button.click()
    expect(page.get_by_label("Voornaam")).to_have_value("Dubbel")  # still the form
    assert len(_referral_ids()) == 1
    button.click()
    expect(page.get_by_role("status")).to_contain_text(
        "Dit formulier was al verstuurd; u ziet het resultaat."
    )
    expect(page.get_by_text("Status: Aangemeld")).to_be_visible()
    journey.check("verwijzing-al-verstuurd")

    assert sent == [302, 0]
    (referral_id,) = _referral_ids()
    assert page.url.endswith(f"/verwijzingen/{referral_id}/")


def _fill_referral(page, family_name: str, phone: str = "06 12345678") -> None:
    page.get_by_label("Voornaam").fill("Terug")
    page.get_by_label("Achternaam").fill(family_name)
    page.get_by_label("Woongemeente").select_option(label="Gemeente Groningen")
    page.get_by_label("Postcode (4 cijfers)").fill("9711")
    page.get_by_label("Telefoonnummer").fill(phone)
    page.get_by_label("Hulpvraag").fill("Piekert veel; wil lotgenoten spreken.")
    if not page.get_by_label("Werk", exact=True).is_checked():
        page.get_by_label("Werk", exact=True).check()
    if not page.get_by_label("De deelnemer geeft toestemming").is_checked():
        page.get_by_label("De deelnemer geeft toestemming").check()


def test_back_then_the_same_submit_shows_the_first_referral(journey):
    """Back after registering brings a fresh page (and key); sending the same contents
    again still lands on the first referral, while changed contents are a new one."""
    page = journey.page
    journey.sign_in("poh")
    expect(page.get_by_role("heading", name="Mijn verwijzingen")).to_be_visible()
    journey.check("terug-mijn-verwijzingen")
    page.goto("/verwijzingen/nieuw/")
    journey.check("terug-nieuwe-verwijzing")
    _fill_referral(page, "Teruggekeerd")
    button = page.get_by_role("button", name="Verwijzing aanmelden")
    button.click()
    expect(page.get_by_text("Status: Aangemeld")).to_be_visible()
    journey.check("terug-eerste-verwijzing")
    (first,) = _referral_ids("Teruggekeerd")

    page.go_back()
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    _fill_referral(page, "Teruggekeerd")  # as the browser restored it, or typed again
    button.click()
    expect(page.get_by_role("status")).to_contain_text(
        "Dit formulier was al verstuurd; u ziet het resultaat."
    )
    assert page.url.endswith(f"/verwijzingen/{first}/")
    journey.check("terug-al-verstuurd")
    assert _referral_ids("Teruggekeerd") == [first]

    page.go_back()
    expect(page.get_by_role("heading", name="Nieuwe verwijzing")).to_be_visible()
    # Another person, with a number of her own (the same one would make her a possible
    # duplicate of the first: participants.duplicates).
    _fill_referral(page, "Anderspersoon", phone="06 87654321")
    button.click()
    expect(page.get_by_text("Status: Aangemeld")).to_be_visible()
    journey.check("terug-andere-verwijzing")
    assert len(_referral_ids("Anderspersoon")) == 1
    assert _referral_ids("Teruggekeerd") == [first]
