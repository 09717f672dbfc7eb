"""A municipality's policy officer in a browser: Gerda, of the municipality of
Groningen, signs in with both factors, lands on her municipality's dashboard with its
Bereik and Effect sections, opens the region's comparison, downloads the figures as CSV
and as Excel (her municipality's rows only), reads her quarterly report and downloads
its figures, and a person's page refuses her. Every page
is checked with axe-core (tests/e2e/journey.py).
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.journey import csv_rows

pytestmark = pytest.mark.e2e

GERDA = "gerda.gemeente@voorzorg.example"
HER_GROUP = "Gemeente Groningen (GM0014)"


@pytest.fixture
def gerda(demo_server):
    """Before the browser starts (no database calls after it): Gerda's login, and the
    address of a person's page she must not open."""
    from django.urls import reverse

    from referrals.models import Referral
    from tests.accounts.helpers import authenticator_of
    from tests.e2e.conftest import _code_function
    from tests.e2e.journey import DemoLogin
    from voorzorg.accounts.models import User
    from voorzorg.devdata.demo_world import DEMO_PASSWORD

    device = authenticator_of(User.objects.get(email=GERDA))
    demo_server.logins["municipality"] = DemoLogin(
        email=GERDA,
        password=DEMO_PASSWORD,
        code=_code_function(device.bin_key, device.step, device.t0, device.digits),
    )
    referral = Referral.objects.order_by("pk").first()
    return {"person_page": reverse("referrals:detail", args=[referral.pk])}


def test_municipality_follows_her_municipality(gerda, journey):
    page = journey.page
    journey.sign_in("municipality")

    # She lands on her dashboard, on her own municipality's figures.
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator(".lead")).to_contain_text(HER_GROUP)
    expect(page.get_by_role("heading", name="Bereik", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Effect", exact=True)).to_be_visible()
    # Only the whole region and her municipality to choose from; no recompute for her.
    options = page.get_by_label("Groep", exact=True).locator("option")
    expect(options).to_have_text(["Hele regio", HER_GROUP])
    expect(page.get_by_role("button", name="Nu herberekenen")).to_have_count(0)
    journey.check("dashboard-gemeente")

    # Another group in the address falls back to hers, with a message.
    page.goto("/dashboard/?groep=provider:22990001")
    expect(page.get_by_text("U ziet nu uw gemeente.")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text(HER_GROUP)
    journey.check("dashboard-andere-groep")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    rows = csv_rows(journey.keep(download_info.value))
    assert rows[0][-2:] == ["BI onder", "BI boven"]
    assert {row[4] for row in rows[1:]} == {"GM0014"}

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel (xlsx)").click()
    sheet = load_workbook(journey.keep(download_info.value), read_only=True).worksheets[0]
    header, *cells = list(sheet.iter_rows(values_only=True))
    assert header[-2:] == ("BI onder", "BI boven")
    assert {row[4] for row in cells} == {"GM0014"}

    # The region's comparison: every municipality side by side, hers marked.
    page.get_by_role("link", name="Gemeenten en aanbieders vergelijken").click()
    expect(
        page.get_by_role("heading", name="Gemeenten en aanbieders vergelijken", level=1)
    ).to_be_visible()
    expect(page.locator('tr[data-vz-own="true"]')).to_have_count(1)
    expect(page.locator('tr[data-vz-own="true"]')).to_contain_text("uw gemeente")
    assert page.locator("tr[data-vz-group]").count() > 2
    journey.check("vergelijken")

    # The quarterly report for the steering group: her municipality's, every section,
    # and its figures as CSV and Excel.
    page.goto("/dashboard/")
    page.get_by_role("link", name="Kwartaalrapportage").click()
    expect(page.get_by_role("heading", name="Rapportage Voorzorg", level=1)).to_be_visible()
    expect(page.locator(".vz-report-cover .lead").first).to_contain_text("Groningen")
    for section in ("Bereik", "Wachttijden", "Effect", "Kosten", "Definities"):
        expect(page.get_by_role("heading", name=re.compile(rf"^\d\. {section}"))).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    journey.check("rapportage")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    rows = csv_rows(journey.keep(download_info.value))
    groups = {row[5] for row in rows[1:]}
    assert "GM0014" in groups and groups <= {"GM0014", "all"}
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel (xlsx)").click()
    sheet = load_workbook(journey.keep(download_info.value), read_only=True).worksheets[0]
    header, *cells = list(sheet.iter_rows(values_only=True))
    assert header[11:13] == ("95%-BI ondergrens", "95%-BI bovengrens")
    assert {row[5] for row in cells} <= {"GM0014", "all"}

    # A person's page: refused.
    response = page.goto(gerda["person_page"])
    assert response is not None and response.status == 403
    expect(page.locator("body")).not_to_contain_text(re.compile(r"Deelnemernummer"))
    journey.check("persoon-geweigerd")


def test_municipality_reads_her_dashboard_on_a_phone(gerda, phone_journey):
    """The same dashboard on a phone: both sections there, every table reachable (a
    table wider than the screen scrolls sideways and takes the keyboard's focus)."""
    journey = phone_journey
    page = journey.page
    journey.sign_in("municipality")
    expect(page.get_by_role("heading", name="Bereik", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Effect", exact=True)).to_be_visible()
    expect(page.locator(".lead")).to_contain_text(HER_GROUP)
    journey.check("dashboard-gemeente-telefoon")
