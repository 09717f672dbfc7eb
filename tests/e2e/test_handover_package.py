"""The warm-handover package in a browser: the handover page with the Positieve
Gezondheid history (chart and table), the contacts in figures and the open signals, on a
desktop and on a phone, and the GP letter with the same tables; axe-core on every page.

The demo's completed handover (its participant consented to share) gets a history first:
three measurements, two contacts and an open signal, written before the browser starts
(see tests/e2e/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def handed_over(demo_server) -> int:
    """The pk of a completed handover of the demo POH's practice, with a history."""
    from groups.models import Contact, PositiveHealthMeasurement, Signal
    from referrals.models import Referral
    from voorzorg.accounts.models import Membership

    from .conftest import LOGINS

    practice = Membership.objects.get(user__email=LOGINS["poh"]).organisation_id
    referral = (
        Referral.objects.filter(gp_practice_id=practice, status="handed_over")
        .select_related("participant", "assigned_expert")
        .order_by("pk")
        .first()
    )
    assert referral is not None, "the demo world has a completed handover for the POH"
    p, expert = referral.participant, referral.assigned_expert
    start = referral.first_contact_date or referral.referral_date
    for weeks, meedoen in ((0, 3), (4, 5), (8, 7)):
        PositiveHealthMeasurement.objects.create(
            participant=p,
            recorded_by=expert,
            measured_on=start + dt.timedelta(weeks=weeks),
            lichaamsfuncties=6,
            mentaal_welbevinden=4 + weeks // 4,
            zingeving=5,
            kwaliteit_van_leven=5,
            meedoen=meedoen,
            dagelijks_functioneren=6,
        )
    for weeks in (0, 3):
        Contact.objects.create(
            participant=p,
            expert=expert,
            date=start + dt.timedelta(weeks=weeks),
            duration_minutes=45,
            mode="phone",
            life_domains=["financien", "sociale_relaties"],
        )
    Signal.objects.create(
        participant=p,
        raised_by=expert,
        raised_at=dt.datetime.combine(start, dt.time(10), tzinfo=dt.UTC),
        severity="zorg",
        description="Slaapt slecht.",
    )
    return referral.pk


def test_the_poh_reads_the_package_and_the_letter(handed_over, journey):
    page = journey.page
    journey.sign_in("poh")
    journey.check("start")
    page.goto(f"/verwijzingen/{handed_over}/overdracht/")
    expect(page.get_by_role("heading", name="Overdrachtspakket")).to_be_visible()
    expect(page.get_by_role("heading", name="Verloop Positieve Gezondheid")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Gemiddeld")
    expect(page.get_by_role("img", name="Lijngrafiek van alle metingen")).to_be_visible()
    expect(page.get_by_text("Aantal contacten")).to_be_visible()
    expect(page.get_by_role("heading", name="Bevestiging door de aanbieder")).to_be_visible()
    journey.check("overdracht-met-pakket")

    page.get_by_role("link", name="Brief aan de huisarts").click()
    expect(
        page.get_by_role("heading", name="Terugkoppeling: warme overdracht na overbruggingszorg")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Verloop Positieve Gezondheid")).to_be_visible()
    expect(page.get_by_text("Ontvangst bevestigd op")).to_be_visible()
    journey.check("huisartsbrief-met-pakket")


def test_the_expert_reads_the_package_on_her_phone(handed_over, phone_journey):
    page = phone_journey.page
    phone_journey.sign_in("expert")
    phone_journey.check("start")
    page.goto(f"/verwijzingen/{handed_over}/overdracht/")
    expect(page.get_by_role("heading", name="Verloop Positieve Gezondheid")).to_be_visible()
    expect(page.get_by_role("img", name="Lijngrafiek van alle metingen")).to_be_visible()
    expect(page.get_by_role("heading", name="Open signalen")).to_be_visible()
    phone_journey.check("overdracht-met-pakket-telefoon")
