"""The warm-handover package (Positieve Gezondheid history, contacts in figures, open
signals, the participant's own words), the provider's confirmation, the GP letter that
carries both, and who hears that the handover completed.

The package leaves the bridging team only with the participant's consent to share: the
POH-GGZ and the receiving provider see it while that consent is in force, the experts
always; the letter, which goes to the GP, holds it only with the consent, whoever prints
it. The provider's confirmation is the handover's own fact and always shows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.constants import ConsentKind
from participants.models import Consent
from participants.registry import PanelPlace, page_panels
from referrals.constants import ReferralStatus as S
from referrals.models import Handover, Referral
from referrals.provider_services import handover_confirm
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    PositiveHealthMeasurementFactory,
    SignalFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.services import Actor
from voorzorg.notifications.kinds import NotificationKind
from voorzorg.notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]

SUMMARY = "Wekelijks in de voorzorggroep; schulden in beeld bij schuldhulp."
WORDS = "Ik wil niet opnieuw mijn hele verhaal hoeven vertellen."
SIGNAL_TEXT = "Slaapt slecht en zegt de groep af"
CONTACT_NOTE = "Notitie-uit-het-contact: huilde even"
NOT_SHARED = "Niet gedeeld: de deelnemer gaf (nog) geen toestemming om te delen."


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def provider_pia(provider):
    """A staff member of the receiving GGZ provider, in the app."""
    user = UserFactory(email="pia@ggznoord.test", full_name="Pia Smit")
    MembershipFactory(user=user, organisation=provider, role=Role.PROVIDER)
    return user


@pytest.fixture
def bridging(referral_a, expert_finn, provider):
    Referral.objects.filter(pk=referral_a.pk).update(
        status=S.IN_BRIDGING,
        assigned_expert=expert_finn,
        first_contact_date=dt.date(2026, 10, 5),
        intended_provider=provider,
    )
    return Referral.objects.get(pk=referral_a.pk)


@pytest.fixture
def care(bridging, expert_finn):
    """Three measurements (given out of order), three contacts (one withdrawn), an open
    signal, an acknowledged one and a resolved one."""
    p = bridging.participant
    for day, meedoen in ((dt.date(2026, 11, 2), 7), (dt.date(2026, 10, 6), 3)):
        PositiveHealthMeasurementFactory(
            participant=p, recorded_by=expert_finn, measured_on=day, meedoen=meedoen
        )
    PositiveHealthMeasurementFactory(
        participant=p,
        recorded_by=expert_finn,
        measured_on=dt.date(2026, 10, 20),
        withdrawn_at=dt.datetime(2026, 10, 21, 9, 0, tzinfo=dt.UTC),
        withdrawn_by=expert_finn,
        withdrawn_reason="Verkeerde deelnemer.",
    )
    ContactFactory(
        participant=p,
        expert=expert_finn,
        date=dt.date(2026, 10, 5),
        duration_minutes=45,
        life_domains=["financien", "sociale_relaties"],
        note=CONTACT_NOTE,
    )
    ContactFactory(
        participant=p,
        expert=expert_finn,
        date=dt.date(2026, 11, 9),
        duration_minutes=30,
        life_domains=["financien"],
    )
    ContactFactory(
        participant=p,
        expert=expert_finn,
        date=dt.date(2026, 11, 12),
        withdrawn_at=dt.datetime(2026, 11, 12, 9, 0, tzinfo=dt.UTC),
        withdrawn_by=expert_finn,
        withdrawn_reason="Dubbel ingevoerd.",
    )
    SignalFactory(participant=p, raised_by=expert_finn, severity="urgent", description=SIGNAL_TEXT)
    SignalFactory(
        participant=p,
        raised_by=expert_finn,
        raised_at=dt.datetime(2026, 10, 10, 9, 0, tzinfo=dt.UTC),
        acknowledged_at=dt.datetime(2026, 10, 10, 12, 0, tzinfo=dt.UTC),
    )
    SignalFactory(
        participant=p,
        raised_by=expert_finn,
        severity="crisis",
        raised_at=dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC),
        resolved_at=dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC),
        resolution_note="Opgelost.",
    )
    return bridging


def _share(participant) -> None:
    Consent.objects.create(
        participant=participant, kind=ConsentKind.SHARE_AT_HANDOVER, given_on=dt.date(2026, 10, 5)
    )


def _prepare(client, referral, provider, **overrides) -> None:
    data = {
        "provider": provider.pk,
        "meeting_at": "2026-11-20T14:00",
        "attends_participant": "on",
        "attends_expert": "on",
        "summary": SUMMARY,
        "participant_words": WORDS,
        "life_domain_status": "Financiën: regeling loopt.",
        "open_signals_checked": "on",
        "provider_acknowledged_on": "2026-11-21",
    }
    data.update(overrides)
    response = client.post(reverse("referrals:handover", args=[referral.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def _page(client, name: str, referral) -> str:
    response = client.get(reverse(name, args=[referral.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _membership(user) -> Membership:
    return Membership.objects.get(user=user)


# --- The package on the handover page -------------------------------------------------------


def test_the_expert_sees_the_whole_package(client_for, expert_finn, care, provider):
    _prepare(client_for(expert_finn), care, provider)
    body = _page(client_for(expert_finn), "referrals:handover", care)

    assert "volgt" not in body
    assert "Overdrachtspakket" in body
    # The history: a chart (drawn from static files, no CDN) and a table, oldest first,
    # with the average; the withdrawn measurement is not in it.
    assert 'data-vz-chart="vz-health-history-data"' in body
    assert "/static/js/dashboard.js" in body
    assert "vendor/chartjs/chart.umd.min.js" in body
    assert body.index("06-10-2026") < body.index("02-11-2026")
    assert "20-10-2026" not in body
    assert "Gemiddeld" in body
    assert "4,7" in body  # (5 + 4 + 5 + 5 + 3 + 6) / 6, in Dutch
    # Contacts in figures, not their notes; the withdrawn one does not count.
    assert "Aantal contacten" in body
    assert "05-10-2026 – 09-11-2026" in body
    assert "75 minuten" in body
    assert "Financiën: 2 contacten" in body
    assert "Sociale relaties: 1 contact" in body
    assert CONTACT_NOTE not in body
    # Open signals: the two unresolved ones, without their text.
    assert "Urgent" in body
    assert "Crisis" not in body
    assert SIGNAL_TEXT not in body
    # Her own words and the confirmation typed by the team.
    assert WORDS in body
    assert "vastgelegd door Finn Mulder van het overbruggingsteam" in body
    assert "nog niet gepland" in body


def test_history_table_averages_and_order(expert_finn, care):
    [health, contacts, signals] = page_panels(
        care.participant, _membership(expert_finn), PanelPlace.HANDOVER
    )
    rows = health.context["history"]["rows"]
    assert [r.measured_on for r in rows] == [dt.date(2026, 10, 6), dt.date(2026, 11, 2)]
    assert [r.average for r in rows] == [4.7, 5.3]
    assert health.context["history"]["chart"]["labels"] == ["06-10-2026", "02-11-2026"]
    assert len(health.context["history"]["chart"]["datasets"]) == 6
    summary = contacts.context["summary"]
    assert (summary["count"], summary["minutes"]) == (2, 75)
    assert (summary["first"], summary["last"]) == (dt.date(2026, 10, 5), dt.date(2026, 11, 9))
    assert summary["per_domain"] == [("Financiën", 2), ("Sociale relaties", 1)]
    assert [s.severity for s in signals.context["signals"]] == ["urgent", "zorg"]


def test_the_poh_sees_the_package_only_with_consent(
    client_for, expert_finn, poh_anna, care, provider
):
    _prepare(client_for(expert_finn), care, provider)
    poh = client_for(poh_anna)

    body = _page(poh, "referrals:handover", care)
    assert body.count(NOT_SHARED) == 3
    assert "Aantal contacten" not in body
    assert "vz-health-history-data" not in body
    assert "Urgent" not in body
    assert WORDS not in body  # her words are consent-gated like the summary
    assert SUMMARY not in body
    # The provider's confirmation is no text about her: it shows.
    assert "Bevestiging door de aanbieder" in body
    assert "21-11-2026" in body

    _share(care.participant)
    body = _page(poh, "referrals:handover", care)
    assert NOT_SHARED not in body
    assert "vz-health-history-data" in body
    assert "Aantal contacten" in body
    assert "Urgent" in body
    assert WORDS in body
    assert SIGNAL_TEXT not in body


def test_the_provider_sees_the_package_only_with_consent(
    client_for, expert_finn, provider_pia, care, provider
):
    _prepare(client_for(expert_finn), care, provider, provider_acknowledged_on="")
    membership = _membership(provider_pia)

    panels = page_panels(care.participant, membership, PanelPlace.HANDOVER)
    assert [p.context for p in panels] == [{"shared": False}] * 3
    body = _page(client_for(provider_pia), "referrals:provider_detail", care)
    assert body.count(NOT_SHARED) == 3

    _share(care.participant)
    panels = page_panels(care.participant, membership, PanelPlace.HANDOVER)
    assert all(p.context["shared"] for p in panels)
    # She cannot open a signal's page, so the package does not link to one.
    assert panels[2].context["can_open"] is False
    body = _page(client_for(provider_pia), "referrals:provider_detail", care)
    assert "vz-health-history-data" in body
    assert "Aantal contacten" in body
    assert SIGNAL_TEXT not in body
    assert reverse("groups:signal_detail", args=[panels[2].context["signals"][0].pk]) not in body


@pytest.mark.parametrize("many", [False, True])
@pytest.mark.parametrize(
    ("persona", "place", "queries"),
    [
        # The bridging team reads without a consent check: one query a panel.
        ("expert_finn", PanelPlace.HANDOVER, 3),
        # Everyone else: the consent, then the rows.
        ("poh_anna", PanelPlace.HANDOVER, 6),
        # The letter checks the consent for every reader.
        ("expert_finn", PanelPlace.LETTER, 6),
    ],
)
def test_the_panels_read_at_a_fixed_number_of_queries(
    request, django_assert_num_queries, bridging, expert_finn, persona, place, queries, many
):
    p = bridging.participant
    _share(p)
    n = 12 if many else 1
    for i in range(n):
        day = dt.date(2026, 10, 5) + dt.timedelta(days=i)
        PositiveHealthMeasurementFactory(participant=p, recorded_by=expert_finn, measured_on=day)
        ContactFactory(participant=p, expert=expert_finn, date=day, life_domains=["werk"])
        SignalFactory(participant=p, raised_by=expert_finn)
    membership = _membership(request.getfixturevalue(persona))
    with django_assert_num_queries(queries):
        panels = page_panels(p, membership, place)
    assert len(panels) == 3
    assert len(panels[0].context["history"]["rows"]) == n
    assert panels[1].context["summary"]["count"] == n
    assert len(panels[2].context["signals"]) == n


# --- The provider's confirmation on the handover page ---------------------------------------


def test_a_provider_in_the_app_confirms_itself(
    client_for, expert_finn, provider_pia, bridging, provider
):
    expert = client_for(expert_finn)
    _prepare(expert, bridging, provider, provider_acknowledged_on="")
    body = _page(expert, "referrals:handover", bridging)
    assert "Wacht op bevestiging door de aanbieder" in body

    handover_confirm(
        actor=Actor(user=provider_pia, membership=_membership(provider_pia)),
        referral=bridging,
        received_on=dt.date(2026, 11, 22),
        first_appointment_at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
    )
    body = _page(expert, "referrals:handover", bridging)
    assert "Wacht op bevestiging door de aanbieder" not in body
    assert "22-11-2026" in body
    assert "Pia Smit, GGZ Noord (de aanbieder zelf, in Voorzorg)" in body
    assert "01-12-2026 10:30" in body


def test_without_the_provider_in_the_app_the_team_records_the_confirmation(
    client_for, expert_finn, bridging, provider
):
    expert = client_for(expert_finn)
    _prepare(expert, bridging, provider, provider_acknowledged_on="")
    body = _page(expert, "referrals:handover", bridging)
    assert "Wacht op bevestiging" not in body
    assert "nog niet bevestigd" in body
    _prepare(expert, bridging, provider)
    assert "vastgelegd door Finn Mulder van het overbruggingsteam" in _page(
        expert, "referrals:handover", bridging
    )


# --- The GP letter ----------------------------------------------------------------------------


def _complete(client, referral) -> None:
    response = client.post(reverse("referrals:handover_complete", args=[referral.pk]))
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == S.HANDED_OVER


def test_the_letter_holds_the_package_and_the_confirmation_with_consent(
    client_for, expert_finn, poh_anna, provider_pia, care, provider
):
    expert = client_for(expert_finn)
    _prepare(expert, care, provider, provider_acknowledged_on="")
    handover_confirm(
        actor=Actor(user=provider_pia, membership=_membership(provider_pia)),
        referral=care,
        received_on=dt.date(2026, 11, 22),
        first_appointment_at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
    )
    _complete(expert, care)
    _share(care.participant)

    body = _page(client_for(poh_anna), "referrals:gp_letter", care)
    assert SUMMARY in body
    assert WORDS in body
    assert "Verloop Positieve Gezondheid" in body
    assert body.index("06-10-2026") < body.index("02-11-2026")
    assert "Gemiddeld" in body
    assert "Aantal contacten" in body
    assert "Urgent, gemeld op 20-11-2026" in body
    assert SIGNAL_TEXT not in body
    assert CONTACT_NOTE not in body
    # Printable: no chart, no script of its own.
    assert "<canvas" not in body
    assert "dashboard.js" not in body
    # The confirmation, by the provider itself, and the first appointment.
    assert "22-11-2026" in body
    assert "Pia Smit, GGZ Noord (de aanbieder zelf, in Voorzorg)" in body
    assert "01-12-2026 10:30" in body


def test_without_consent_the_letter_keeps_only_the_confirmation(
    client_for, expert_finn, poh_anna, care, provider
):
    expert = client_for(expert_finn)
    _prepare(expert, care, provider)
    _complete(expert, care)

    for reader in (poh_anna, expert_finn):
        body = _page(client_for(reader), "referrals:gp_letter", care)
        assert "gaf geen toestemming om de samenvatting te delen" in body
        assert SUMMARY not in body
        assert WORDS not in body
        assert "Verloop Positieve Gezondheid" not in body
        assert "Aantal contacten" not in body
        assert "Urgent" not in body
        # The confirmation always: received on, recorded by the team, no appointment yet.
        assert "21-11-2026" in body
        assert "vastgelegd door Finn Mulder van het overbruggingsteam" in body
        assert "nog niet gepland" in body


# --- Who hears that the handover completed ---------------------------------------------------


def test_completion_tells_the_poh_and_the_provider(
    client_for, expert_finn, poh_anna, provider_pia, bridging, provider
):
    expert = client_for(expert_finn)
    _prepare(expert, bridging, provider, provider_acknowledged_on="")
    handover_confirm(
        actor=Actor(user=provider_pia, membership=_membership(provider_pia)),
        referral=bridging,
        received_on=dt.date(2026, 11, 22),
    )
    _complete(expert, bridging)

    to_poh = Notification.objects.get(recipient=poh_anna, kind=NotificationKind.HANDOVER_COMPLETED)
    assert to_poh.link == reverse("referrals:gp_letter", args=[bridging.pk])
    assert to_poh.person_id == bridging.participant.public_id
    assert client_for(poh_anna).get(to_poh.link).status_code == 200

    to_provider = Notification.objects.get(
        recipient=provider_pia, kind=NotificationKind.HANDOVER_RECEIVED
    )
    assert to_provider.link == reverse("referrals:provider_detail", args=[bridging.pk])
    assert to_provider.membership == _membership(provider_pia)
    assert client_for(provider_pia).get(to_provider.link).status_code == 200
    # The expert who completed it is told nothing of her own step.
    assert not Notification.objects.filter(
        recipient=expert_finn, kind=NotificationKind.HANDOVER_COMPLETED
    ).exists()
    assert Handover.objects.get(referral=bridging).completed_by == expert_finn


def _add_care(participant, expert, n: int) -> None:
    for i in range(n):
        day = dt.date(2026, 10, 5) + dt.timedelta(days=i)
        PositiveHealthMeasurementFactory(
            participant=participant, recorded_by=expert, measured_on=day
        )
        ContactFactory(participant=participant, expert=expert, date=day, life_domains=["werk"])
        SignalFactory(participant=participant, raised_by=expert)


def test_the_pages_read_at_a_fixed_number_of_queries(
    client_for, expert_finn, poh_anna, bridging, provider
):
    """The handover page and the GP letter read as many queries for one measurement,
    contact and signal as for many."""
    _share(bridging.participant)
    expert = client_for(expert_finn)
    _prepare(expert, bridging, provider)
    _add_care(bridging.participant, expert_finn, 1)
    poh = client_for(poh_anna)
    pages = [(expert, "referrals:handover"), (poh, "referrals:handover")]

    def counts(with_letter: bool) -> list[int]:
        found = []
        for client, name in pages + ([(poh, "referrals:gp_letter")] if with_letter else []):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name, args=[bridging.pk])).status_code == 200
            found.append(len(queries))
        return found

    few = counts(with_letter=False)
    _add_care(bridging.participant, expert_finn, 11)
    assert counts(with_letter=False) == few

    _complete(expert, bridging)
    few = counts(with_letter=True)
    _add_care(bridging.participant, expert_finn, 12)
    assert counts(with_letter=True) == few
