"""One person, one record (participants.duplicates, participants.merging).

Fenna Bos (VZ-DEMO0005, born 17 May 1985) had a referral that was declined. The POH
registers her again as if she were new: the form saves nothing yet, shows Fenna's record
with why it matched and where she stands, and the POH continues with that record, so
the new referral joins Fenna's own and no second Fenna is made.

When a second record was made all the same, the functional administrator merges the two
and undoes it again.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.journey import DemoLogin

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


ADMIN = "ada.admin@voorzorg.example"


@pytest.fixture
def second_fenna(demo_server) -> tuple[int, DemoLogin]:
    """A second record of Fenna Bos, and the demo administrator's login. Made before the
    browser starts: no database calls once Playwright runs (tests/e2e/conftest.py)."""
    from participants.models import Participant
    from tests.accounts.helpers import authenticator_of
    from tests.e2e.conftest import _code_function
    from voorzorg.accounts.models import User
    from voorzorg.devdata.demo_world import DEMO_PASSWORD

    fenna = Participant.objects.get(public_id="VZ-DEMO0005")
    twin = Participant.objects.create(
        given_name="Fenna",
        family_name="Bos",
        date_of_birth=dt.date(1985, 5, 17),
        phone="06 3000 1234",
        gp_practice=fenna.gp_practice,
        municipality=fenna.municipality,
    )
    device = authenticator_of(User.objects.get(email=ADMIN))
    login = DemoLogin(
        email=ADMIN,
        password=DEMO_PASSWORD,
        code=_code_function(device.bin_key, device.step, device.t0, device.digits),
    )
    return twin.pk, login


def test_admin_merges_two_records_of_one_person_and_undoes_it(second_fenna, journey):
    twin_pk, login = second_fenna
    journey.logins["admin"] = login
    page = journey.page
    journey.sign_in("admin")
    journey.check("start")

    page.goto(f"/deelnemers/{twin_pk}/")
    expect(page.get_by_role("heading", name="Fenna Bos", exact=False).first).to_be_visible()
    journey.check("tweede-dossier")
    page.get_by_role("link", name="Samenvoegen met een ander dossier").click()
    expect(page.get_by_role("heading", name="Dossiers samenvoegen")).to_be_visible()
    journey.check("samenvoegen")
    page.get_by_label("Deelnemernummer van het andere dossier").fill("vz-demo0005")
    page.get_by_role("button", name="Dossiers vergelijken").click()
    table = page.get_by_role("table", name="De twee dossiers naast elkaar")
    expect(table).to_contain_text("VZ-DEMO0005")
    expect(table.get_by_role("row", name=re.compile("^Verwijzingen"))).to_contain_text("0")
    journey.check("dossiers-vergelijken")

    page.get_by_label("VZ-DEMO0005 — Fenna Bos").check()
    page.get_by_label("Reden van samenvoegen").fill("Twee keer ingeschreven; nagevraagd.")
    page.get_by_label("Ik heb gecontroleerd dat beide dossiers van dezelfde persoon zijn.").check()
    page.get_by_role("button", name="Samenvoegen", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is samengevoegd met VZ-DEMO0005")
    journey.check("samengevoegd")

    page.get_by_role("link", name=re.compile("^terugdraaien")).click()
    expect(page.get_by_role("heading", name="Samenvoeging terugdraaien")).to_be_visible()
    journey.check("terugdraaien")
    page.get_by_label("Reden van terugdraaien").fill("Toch twee verschillende personen.")
    page.get_by_label("Ik wil deze samenvoeging terugdraaien.").check()
    page.get_by_role("button", name="Terugdraaien").click()
    expect(page.get_by_role("status")).to_contain_text("weer een eigen dossier")
    expect(page.get_by_text("teruggedraaid", exact=True)).to_be_visible()
    journey.check("teruggedraaid")
