"""The intake queue and the warm handover over HTTP, and the whole journey end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.constants import ConsentKind
from participants.models import Consent
from referrals.constants import ReferralStatus as S
from referrals.models import Handover, Referral, ReferralEvent
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert without the team-lead flag."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def other_region_referral():
    elsewhere = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    region = RegionFactory(name="Amsterdam")
    region.municipalities.add(elsewhere)
    practice = OrganisationFactory(agb_code="01000099", municipality=elsewhere)
    return ReferralFactory(
        participant__gp_practice=practice,
        participant__given_name="Ver",
        participant__family_name="Weg",
        region=region,
    )


# --- Intake queue -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("poh_anna", 403),
        ("expert_finn", 403),
        ("coordinator_cor", 403),
        ("expert_eva", 200),
        ("admin_ada", 200),
    ],
)
def test_who_may_open_the_intake_queue(
    client_for, personas, expert_finn, referral_a, persona, status
):
    user = expert_finn if persona == "expert_finn" else personas[persona]
    response = client_for(user).get(reverse("referrals:intake_queue"))
    assert response.status_code == status
    body = response.content.decode()
    assert ("Sanne Kuipers" in body) is (status == 200)


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(reverse("referrals:intake_queue"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_queue_shows_only_submitted_referrals_of_the_leads_region_urgent_first(
    client_for, expert_eva, admin_ada, practice_a, region, referral_a, other_region_referral
):
    urgent = ReferralFactory(
        participant__gp_practice=practice_a,
        participant__given_name="Urgent",
        participant__family_name="Eerst",
        region=region,
        urgency="high",
        referral_date=dt.date(2026, 11, 20),
    )
    ReferralFactory(
        participant__gp_practice=practice_a,
        participant__given_name="Al",
        participant__family_name="Geaccepteerd",
        region=region,
        accepted=True,
        assigned_expert=expert_eva,
    )
    body = client_for(expert_eva).get(reverse("referrals:intake_queue")).content.decode()
    assert "Sanne Kuipers" in body
    assert "Ver Weg" not in body  # another region
    assert "Al Geaccepteerd" not in body  # no longer waiting for a decision
    assert body.index("Urgent Eerst") < body.index("Sanne Kuipers")
    shown = set(AccessLog.objects.filter(event="referrals.intake_queue").values_list("person_id"))
    assert shown == {(urgent.participant.public_id,), (referral_a.participant.public_id,)}
    # An admin sees her own region's queue, not another region's.
    admin_body = client_for(admin_ada).get(reverse("referrals:intake_queue")).content.decode()
    assert "Sanne Kuipers" in admin_body
    assert "Ver Weg" not in admin_body


@pytest.mark.django_db
def test_queue_filters_by_source(client_for, expert_eva, region, referral_a):
    ReferralFactory(
        participant__gp_practice=None,
        participant__given_name="Zelf",
        participant__family_name="Aangemeld",
        source="self",
        gp_practice=None,
        region=region,
    )
    body = client_for(expert_eva).get(reverse("referrals:intake_queue") + "?bron=self")
    assert "Zelf Aangemeld" in body.content.decode()
    assert "Sanne Kuipers" not in body.content.decode()


@pytest.mark.django_db
def test_queue_query_count_is_fixed_whatever_the_row_count(
    client_for, expert_eva, practice_a, region, django_assert_num_queries
):
    client = client_for(expert_eva)
    ReferralFactory.create_batch(2, participant__gp_practice=practice_a, region=region)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("referrals:intake_queue"))
    ReferralFactory.create_batch(20, participant__gp_practice=practice_a, region=region)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("referrals:intake_queue"))


@pytest.mark.django_db
def test_accept_from_the_queue_returns_to_it(client_for, expert_eva, expert_finn, referral_a):
    queue = reverse("referrals:intake_queue")
    response = client_for(expert_eva).post(
        reverse("referrals:accept", args=[referral_a.pk]),
        {"expert": expert_finn.pk, "next": queue},
    )
    assert response["Location"] == queue
    referral = Referral.objects.get(pk=referral_a.pk)
    assert (referral.status, referral.assigned_expert) == (S.ACCEPTED, expert_finn)
    # Now on Finn's worklist, gone from the queue.
    assert (
        "Sanne Kuipers" in client_for(expert_finn).get(reverse("groups:worklist")).content.decode()
    )
    assert "Sanne Kuipers" not in client_for(expert_eva).get(queue).content.decode()


@pytest.mark.django_db
def test_accept_with_an_offsite_next_url_stays_on_the_site(client_for, expert_eva, referral_a):
    response = client_for(expert_eva).post(
        reverse("referrals:accept", args=[referral_a.pk]),
        {"expert": expert_eva.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("referrals:detail", args=[referral_a.pk])


@pytest.mark.django_db
def test_a_posted_expert_of_another_region_is_refused_and_sees_nothing(
    client_for, expert_eva, referral_a
):
    """A crafted POST with the id of another region's expert (the page never offers her)."""
    from tests.conftest import with_authenticator

    elsewhere = OrganisationFactory(municipality_kind=True, cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(elsewhere)
    stranger = with_authenticator(UserFactory(full_name="Zeno Elders"))
    MembershipFactory(
        user=stranger,
        organisation=OrganisationFactory(welfare=True, municipality=elsewhere),
        role=Role.EXPERT,
    )
    response = client_for(expert_eva).post(
        reverse("referrals:accept", args=[referral_a.pk]), {"expert": stranger.pk}, follow=True
    )
    assert "regio van deze verwijzing" in response.content.decode()
    referral = Referral.objects.get(pk=referral_a.pk)
    assert (referral.status, referral.assigned_expert) == (S.SUBMITTED, None)
    theirs = client_for(stranger)
    participant_page = reverse("referrals:participant", args=[referral_a.participant.pk])
    assert theirs.get(participant_page).status_code == 404
    assert "Sanne Kuipers" not in theirs.get(reverse("groups:worklist")).content.decode()


@pytest.mark.django_db
def test_decline_from_the_queue_shows_the_reason_to_the_poh(
    client_for, expert_eva, poh_anna, referral_a
):
    client_for(expert_eva).post(
        reverse("referrals:decline", args=[referral_a.pk]),
        {"reason": "Woont buiten ons werkgebied; verwezen naar het wijkteam."},
    )
    body = client_for(poh_anna).get(reverse("referrals:detail", args=[referral_a.pk]))
    assert "Woont buiten ons werkgebied" in body.content.decode()
    assert Referral.objects.get(pk=referral_a.pk).status == S.DECLINED


# --- Warm handover ------------------------------------------------------------------------


@pytest.fixture
def bridging(referral_a, expert_finn, provider):
    Referral.objects.filter(pk=referral_a.pk).update(
        status=S.IN_BRIDGING,
        assigned_expert=expert_finn,
        first_contact_date=dt.date(2026, 10, 5),
        intended_provider=provider,
    )
    return Referral.objects.get(pk=referral_a.pk)


def handover_post(provider, **overrides) -> dict:
    data = {
        "provider": provider.pk,
        "provider_contact": "Dr. P. de Boer, psychiater",
        "meeting_at": "2026-11-20T14:00",
        "attends_participant": "on",
        "attends_expert": "on",
        "summary": "Wekelijks in de voorzorggroep; schulden in beeld bij schuldhulp.",
        "life_domain_status": "Financiën: regeling loopt. Werk: re-integratie gestart.",
        "open_signals_checked": "on",
        "provider_acknowledged_on": "2026-11-21",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_assigned_expert_prepares_and_completes_the_handover(
    client_for, expert_finn, bridging, provider
):
    client = client_for(expert_finn)
    url = reverse("referrals:handover", args=[bridging.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "De huisarts blijft verantwoordelijk tot de overdracht." in page.content.decode()
    # The intended provider is proposed.
    assert f'value="{provider.pk}" selected' in page.content.decode()

    response = client.post(url, handover_post(provider, provider_acknowledged_on=""))
    assert response.status_code == 302
    handover = Handover.objects.get(referral=bridging)
    assert handover.provider_contact.startswith("Dr. P.")
    # Not complete yet: the acknowledgement is missing; nothing moves.
    done = reverse("referrals:handover_complete", args=[bridging.pk])
    page = client.post(done, follow=True)
    assert "bevestiging door de aanbieder" in page.content.decode()
    assert Referral.objects.get(pk=bridging.pk).status == S.IN_BRIDGING

    client.post(url, handover_post(provider))
    response = client.post(done)
    assert response["Location"] == reverse("referrals:detail", args=[bridging.pk])
    referral = Referral.objects.get(pk=bridging.pk)
    assert referral.status == S.HANDED_OVER
    assert Handover.objects.get(referral=bridging).completed_by == expert_finn
    last = ReferralEvent.objects.filter(referral=bridging).latest("id")
    assert (last.from_status, last.to_status, last.by) == (
        S.IN_BRIDGING,
        S.HANDED_OVER,
        expert_finn,
    )
    person = bridging.participant.public_id
    assert (
        AccessLog.objects.filter(person_id=person, event__startswith="handover.save").count() == 2
    )
    assert AccessLog.objects.filter(person_id=person, event=f"referral.handed_over:{bridging.pk}")
    # Once done, the form is gone: the page only reads.
    page = client.get(url).content.decode()
    assert "Overgedragen aan" in page
    assert 'name="summary"' not in page


@pytest.mark.django_db
def test_handover_form_errors_keep_the_input_and_save_nothing(
    client_for, expert_finn, bridging, provider
):
    response = client_for(expert_finn).post(
        reverse("referrals:handover", args=[bridging.pk]),
        handover_post(provider, provider_acknowledged_on="2026-11-24", meeting_at="morgen"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Deze datum ligt in de toekomst." in body
    assert "Wekelijks in de voorzorggroep" in body
    assert not Handover.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("poh_bram", 404), ("coordinator_cor", 403), ("poh_anna", 302)],
)
def test_who_may_not_prepare_a_handover(client_for, personas, bridging, provider, persona, status):
    response = client_for(personas[persona]).post(
        reverse("referrals:handover", args=[bridging.pk]), handover_post(provider)
    )
    assert response.status_code == status
    assert not Handover.objects.exists()
    done = client_for(personas[persona]).post(
        reverse("referrals:handover_complete", args=[bridging.pk])
    )
    assert done.status_code in (302, 403, 404)
    assert Referral.objects.get(pk=bridging.pk).status == S.IN_BRIDGING


@pytest.mark.django_db
def test_handover_before_bridging_is_refused(client_for, admin_ada, referral_a, provider):
    response = client_for(admin_ada).post(
        reverse("referrals:handover", args=[referral_a.pk]), handover_post(provider)
    )
    assert response.status_code == 302  # back to the referral, with a message
    assert not Handover.objects.exists()


def _complete(client, referral, provider) -> None:
    client.post(reverse("referrals:handover", args=[referral.pk]), handover_post(provider))
    client.post(reverse("referrals:handover_complete", args=[referral.pk]))


@pytest.mark.django_db
def test_gp_letter_after_completion_only_and_summary_only_with_consent(
    client_for, expert_finn, poh_anna, poh_bram, coordinator_cor, bridging, provider
):
    letter = reverse("referrals:gp_letter", args=[bridging.pk])
    assert client_for(poh_anna).get(letter).status_code == 404  # nothing handed over yet
    _complete(client_for(expert_finn), bridging, provider)

    body = client_for(poh_anna).get(letter).content.decode()
    assert "Terugkoppeling: warme overdracht" in body
    assert "GGZ Noord" in body
    assert "data-print" in body
    assert "Wekelijks in de voorzorggroep" not in body  # no consent to share
    assert "geen toestemming" in body

    Consent.objects.create(
        participant=bridging.participant,
        kind=ConsentKind.SHARE_AT_HANDOVER,
        given_on=dt.date(2026, 11, 1),
    )
    body = client_for(poh_anna).get(letter).content.decode()
    assert "Wekelijks in de voorzorggroep" in body
    assert AccessLog.objects.filter(event=f"handover.gp_letter:{bridging.pk}", actor=poh_anna)

    assert client_for(poh_bram).get(letter).status_code == 404
    assert client_for(coordinator_cor).get(letter).status_code == 403


@pytest.mark.django_db
def test_the_whole_journey_as_in_the_demo(
    client_for, poh_anna, expert_eva, expert_finn, municipality, region, provider
):
    """POH registers, team lead accepts, expert makes contact and hands over, POH prints."""
    poh = client_for(poh_anna)
    poh.post(
        reverse("referrals:create"),
        {
            "given_name": "Noor",
            "family_name": "Hoekstra",
            "phone": "0612345678",
            "municipality": municipality.pk,
            "target_group": "volwassene",
            "consent_processing": "on",
            "referral_date": "2026-11-02",
            "help_question": "Piekert veel, slaapt slecht.",
            "life_domains": ["financien"],
            "urgency": "normal",
            "care_level": "s-ggz",
            "intended_provider": provider.pk,
            "provider_registration_unknown": "on",
        },
    )
    referral = Referral.objects.get()
    client_for(expert_eva).post(
        reverse("referrals:accept", args=[referral.pk]), {"expert": expert_finn.pk}
    )
    finn = client_for(expert_finn)
    finn.post(
        reverse("referrals:first_contact", args=[referral.pk]), {"contact_date": "2026-11-06"}
    )
    _complete(finn, referral, provider)
    referral.refresh_from_db()
    assert referral.status == S.HANDED_OVER
    assert referral.days_to_first_contact == 4
    assert list(referral.events.values_list("to_status", flat=True)) == [
        S.SUBMITTED,
        S.ACCEPTED,
        S.IN_BRIDGING,
        S.HANDED_OVER,
    ]
    detail = poh.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Brief aan de huisarts" in detail
    assert poh.get(reverse("referrals:gp_letter", args=[referral.pk])).status_code == 200
    participant_page = poh.get(
        reverse("referrals:participant", args=[referral.participant.pk])
    ).content.decode()
    assert "De huisarts blijft verantwoordelijk tot de overdracht." not in participant_page
    assert "Warme overdracht afgerond" in participant_page
    person = referral.participant.public_id
    actions = set(AccessLog.objects.filter(person_id=person).values_list("action", flat=True))
    assert {"C", "R", "U"} <= actions
