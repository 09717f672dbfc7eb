"""Each step of a referral tells the people it concerns, and nobody else."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from referrals.registration_services import referral_self_register
from referrals.services import referral_decline
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.conftest import accept, actor, first_contact, hand_over, register
from voorzorg.accounts.constants import Role
from voorzorg.audit.services import Actor
from voorzorg.core.models import OutboxMessage
from voorzorg.notifications.kinds import NotificationKind as K
from voorzorg.notifications.models import Notification
from voorzorg.notifications.services import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


def told() -> list[tuple[str, str]]:
    """(recipient e-mail, kind) of every notification, in a stable order."""
    return sorted(Notification.objects.values_list("recipient__email", "kind"))


def test_a_referral_from_registration_to_handover_tells_each_one_her_part(
    poh_anna, expert_eva, expert_finn, bystanders, municipality, region, provider
):
    referral = register(poh_anna, municipality)
    number = referral.participant.public_id
    # New: the region's team lead; not the POH who sent it, not Finn (no team lead),
    # not the other region's team lead.
    assert told() == [(expert_eva.email, K.REFERRAL_NEW)]
    new = Notification.objects.get()
    assert new.person_id == number
    assert new.link == reverse("referrals:detail", args=[referral.pk])
    assert new.text == f"Nieuwe verwijzing voor deelnemer {number}: wacht op een besluit."

    referral = accept(expert_eva, referral, expert_finn)
    assert told() == [
        (poh_anna.email, K.REFERRAL_ACCEPTED),
        (poh_anna.email, K.REFERRAL_ASSIGNED),
        (expert_eva.email, K.REFERRAL_NEW),
        (expert_finn.email, K.ASSIGNMENT_NEW),
    ]
    assigned = Notification.objects.get(kind=K.REFERRAL_ASSIGNED)
    assert assigned.text == f"Deelnemer {number} is toegewezen aan ervaringsdeskundige Finn Mulder."

    referral = first_contact(expert_finn, referral)
    referral = hand_over(expert_finn, referral, provider)
    to_anna = Notification.objects.filter(recipient=poh_anna)
    assert sorted(to_anna.values_list("kind", flat=True)) == sorted(
        [K.REFERRAL_ACCEPTED, K.REFERRAL_ASSIGNED, K.FIRST_CONTACT, K.HANDOVER_COMPLETED]
    )
    assert to_anna.get(kind=K.HANDOVER_COMPLETED).link == reverse(
        "referrals:gp_letter", args=[referral.pk]
    )
    # Nobody outside: another practice's POH, another region's team lead, the coordinator.
    assert not Notification.objects.filter(recipient__in=bystanders).exists()
    # The names of the participant never in a notification.
    for n in Notification.objects.all():
        assert "Sanne" not in n.text and "Kuipers" not in n.text


def test_a_decline_tells_the_referring_poh_only(
    poh_anna, expert_eva, bystanders, municipality, region, practice_a
):
    colleague = UserFactory(email="petra@voorzorg.test", full_name="Petra Poh")
    MembershipFactory(user=colleague, organisation=practice_a, role=Role.POH)
    referral = register(poh_anna, municipality)
    referral_decline(actor=actor(expert_eva), referral=referral, reason="Buiten de regio.")
    declined = Notification.objects.get(kind=K.REFERRAL_DECLINED)
    # Anna referred: she is told, her colleague at the same practice is not.
    assert declined.recipient == poh_anna
    assert "Buiten de regio" not in declined.text  # the reason is read on the page
    assert not Notification.objects.filter(recipient__in=[colleague, *bystanders]).exists()


def test_when_the_referrer_left_the_practices_poh_are_told(
    poh_anna, expert_eva, expert_finn, municipality, region, practice_a
):
    colleague = UserFactory(email="petra@voorzorg.test", full_name="Petra Poh")
    MembershipFactory(user=colleague, organisation=practice_a, role=Role.POH)
    referral = register(poh_anna, municipality)
    poh_anna.is_active = False
    poh_anna.save(update_fields=["is_active"])
    accept(expert_eva, referral, expert_finn)
    assert set(
        Notification.objects.filter(kind=K.REFERRAL_ACCEPTED).values_list("recipient", flat=True)
    ) == {colleague.pk}


def test_a_team_lead_who_assigns_herself_is_not_told_of_her_own_step(
    poh_anna, expert_eva, municipality, region
):
    referral = register(poh_anna, municipality)
    accept(expert_eva, referral, expert_eva)
    assert not Notification.objects.filter(kind=K.ASSIGNMENT_NEW).exists()
    assert Notification.objects.filter(kind=K.REFERRAL_ASSIGNED, recipient=poh_anna).exists()


def test_without_a_team_lead_the_regions_admins_hear_of_a_new_referral(
    poh_anna, expert_eva, admin_ada, municipality, region
):
    expert_eva.memberships.update(is_team_lead=False)
    register(poh_anna, municipality)
    assert told() == [(admin_ada.email, K.REFERRAL_NEW)]


def test_a_self_registration_tells_the_intake_team(expert_eva, expert_olga, municipality, region):
    referral_self_register(
        actor=Actor(user=None, membership=None, client_address="127.0.0.1"),
        participant_data={
            "given_name": "Noor",
            "family_name": "Verbeek",
            "phone": "0612345678",
            "municipality": municipality,
        },
        help_question="Ik wacht al maanden en zit thuis.",
        consent_processing=True,
    )
    assert told() == [(expert_eva.email, K.REFERRAL_NEW)]


def test_a_step_that_rolls_back_tells_nobody(
    poh_anna, expert_eva, expert_finn, municipality, region, django_capture_on_commit_callbacks
):
    referral = register(poh_anna, municipality)
    before = (Notification.objects.count(), OutboxMessage.objects.count())
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        accept(expert_eva, referral, expert_finn)
        raise RuntimeError("the surrounding work failed")
    assert callbacks == []
    assert (Notification.objects.count(), OutboxMessage.objects.count()) == before


def test_the_same_event_twice_notifies_once(poh_anna, expert_eva):
    def tell():
        return notify(
            kind=K.REFERRAL_NEW,
            recipients=[expert_eva.memberships.get()],
            link="/verwijzingen/1/",
            person_id="VZ-TEST",
            dedupe_key="referral:1:referral_new",
        )

    assert len(tell()) == 1
    assert tell() == []
    assert Notification.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


def test_notify_refuses_a_link_off_the_site_and_an_unknown_kind(expert_eva):
    with pytest.raises(ValueError):
        notify(
            kind=K.REFERRAL_NEW,
            recipients=[expert_eva.memberships.get()],
            link="https://evil.example/",
        )
    with pytest.raises(ValueError):
        notify(
            kind=K.REFERRAL_NEW, recipients=[expert_eva.memberships.get()], link="//evil.example/"
        )
    with pytest.raises(ValueError):
        notify(kind="party", recipients=[expert_eva.memberships.get()], link="/")
    assert not Notification.objects.exists()
