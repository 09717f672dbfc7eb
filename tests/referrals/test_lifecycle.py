"""Every lifecycle transition: legal ones by allowed roles, illegal ones change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from referrals.constants import ReferralStatus as S
from referrals.models import Referral, ReferralEvent
from referrals.services import (
    TRANSITIONS,
    referral_accept,
    referral_close,
    referral_decline,
    referral_record_first_contact,
    referral_withdraw,
)
from tests.factories import MembershipFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

# The factories' dates lie in autumn 2026: these tests run on a day after them.
pytestmark = pytest.mark.usefixtures("factory_today")


def actor(user) -> Actor:
    return Actor(user=user, membership=user.memberships.get(), client_address="127.0.0.1")


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


def test_transition_table_is_the_documented_lifecycle():
    assert set(TRANSITIONS) == {
        (S.SUBMITTED, S.ACCEPTED),
        (S.SUBMITTED, S.DECLINED),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.ACCEPTED, S.IN_BRIDGING),
        (S.ACCEPTED, S.WITHDRAWN),
        (S.ACCEPTED, S.CLOSED),
        (S.IN_BRIDGING, S.HANDED_OVER),
        (S.IN_BRIDGING, S.WITHDRAWN),
        (S.IN_BRIDGING, S.CLOSED),
        (S.HANDED_OVER, S.CLOSED),
    }
    # Terminal states have no way out.
    assert not {frm for frm, _to in TRANSITIONS} & {S.DECLINED, S.CLOSED, S.WITHDRAWN}


@pytest.mark.django_db
def test_full_happy_path_writes_one_event_per_step(referral_a, expert_eva, expert_finn):
    referral = referral_accept(actor=actor(expert_eva), referral=referral_a, expert=expert_finn)
    assert (referral.status, referral.assigned_expert) == (S.ACCEPTED, expert_finn)
    referral = referral_record_first_contact(
        actor=actor(expert_finn), referral=referral, contact_date=dt.date(2026, 10, 6)
    )
    assert referral.status == S.IN_BRIDGING
    assert referral.first_contact_date == dt.date(2026, 10, 6)
    assert referral.days_to_first_contact == 5
    referral = referral_close(
        actor=actor(expert_finn), referral=referral, close_reason="no_longer_needed"
    )
    events = list(ReferralEvent.objects.filter(referral=referral_a).order_by("id"))
    assert [(e.from_status, e.to_status, e.by) for e in events] == [
        (S.SUBMITTED, S.ACCEPTED, expert_eva),
        (S.ACCEPTED, S.IN_BRIDGING, expert_finn),
        (S.IN_BRIDGING, S.CLOSED, expert_finn),
    ]
    assert "Finn Mulder" in events[0].reason
    updates = AccessLog.objects.filter(action="U", person_id=referral_a.participant.public_id)
    assert updates.count() == 3


@pytest.mark.django_db
def test_decline_needs_a_reason_and_shows_it(referral_a, expert_eva):
    with pytest.raises(ApplicationError, match="reden"):
        referral_decline(actor=actor(expert_eva), referral=referral_a, reason="   ")
    referral = referral_decline(actor=actor(expert_eva), referral=referral_a, reason="Vol.")
    assert (referral.status, referral.decline_reason) == (S.DECLINED, "Vol.")


@pytest.mark.django_db
def test_poh_withdraws_her_own_referral_but_not_another_practices(referral_a, poh_anna, poh_bram):
    with pytest.raises(ApplicationError, match="niet zetten"):
        referral_withdraw(actor=actor(poh_bram), referral=referral_a, reason="x")
    referral = referral_withdraw(actor=actor(poh_anna), referral=referral_a, reason="Verhuisd.")
    assert referral.status == S.WITHDRAWN


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "call"),
    [
        (S.ACCEPTED, "accept"),
        (S.IN_BRIDGING, "accept"),
        (S.DECLINED, "decline"),
        (S.CLOSED, "first_contact"),
        (S.SUBMITTED, "first_contact"),
        (S.HANDED_OVER, "withdraw"),
        (S.WITHDRAWN, "withdraw"),
        (S.DECLINED, "close"),
        (S.SUBMITTED, "close"),
        (S.CLOSED, "close"),
    ],
)
def test_illegal_transitions_get_a_clear_message_and_change_nothing(
    referral_a, admin_ada, expert_eva, status, call
):
    Referral.objects.filter(pk=referral_a.pk).update(
        status=status,
        assigned_expert=expert_eva,
        decline_reason="x",
        close_reason="other",
    )
    referral = Referral.objects.get(pk=referral_a.pk)
    calls = {
        "accept": lambda a: referral_accept(actor=a, referral=referral, expert=expert_eva),
        "decline": lambda a: referral_decline(actor=a, referral=referral, reason="x"),
        "first_contact": lambda a: referral_record_first_contact(
            actor=a, referral=referral, contact_date=dt.date(2026, 10, 2)
        ),
        "withdraw": lambda a: referral_withdraw(actor=a, referral=referral, reason="x"),
        "close": lambda a: referral_close(actor=a, referral=referral, close_reason="other"),
    }
    before = ReferralEvent.objects.count()
    # Even an admin cannot break the lifecycle.
    with pytest.raises(ApplicationError, match="kan niet naar"):
        calls[call](actor(admin_ada))
    assert Referral.objects.get(pk=referral_a.pk).status == status
    assert ReferralEvent.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["poh_anna", "coordinator_cor", "expert_finn"])
def test_only_team_leads_and_admins_accept(referral_a, expert_eva, request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(ApplicationError, match="niet zetten"):
        referral_accept(actor=actor(user), referral=referral_a, expert=expert_eva)
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


@pytest.mark.django_db
def test_team_lead_of_another_region_cannot_accept(referral_a, expert_eva):
    from tests.factories import OrganisationFactory, RegionFactory

    elsewhere = OrganisationFactory(municipality_kind=True, cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(elsewhere)
    lead = UserFactory()
    MembershipFactory(
        user=lead,
        organisation=OrganisationFactory(welfare=True, municipality=elsewhere),
        role=Role.EXPERT,
        is_team_lead=True,
    )
    with pytest.raises(ApplicationError):
        referral_accept(actor=actor(lead), referral=referral_a, expert=lead)


@pytest.mark.django_db
def test_first_contact_date_cannot_precede_the_referral_or_lie_ahead(
    referral_a, expert_eva, time_machine
):
    time_machine.move_to(dt.datetime(2026, 10, 10, 12, tzinfo=dt.UTC))
    referral = referral_accept(actor=actor(expert_eva), referral=referral_a, expert=expert_eva)
    for day, message in ((dt.date(2026, 9, 30), "vóór"), (dt.date(2026, 10, 11), "toekomst")):
        with pytest.raises(ApplicationError, match=message):
            referral_record_first_contact(
                actor=actor(expert_eva), referral=referral, contact_date=day
            )
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED


@pytest.fixture
def expert_elsewhere(db):
    """An experience expert of a welfare organisation in another region (Amsterdam)."""
    from tests.factories import OrganisationFactory, RegionFactory

    elsewhere = OrganisationFactory(municipality_kind=True, cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(elsewhere)
    user = UserFactory(full_name="Zeno Elders")
    MembershipFactory(
        user=user,
        organisation=OrganisationFactory(welfare=True, municipality=elsewhere),
        role=Role.EXPERT,
    )
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["expert_eva", "admin_ada"])
def test_nobody_assigns_an_expert_of_another_region(referral_a, expert_elsewhere, request, persona):
    """The region rule lives in the service: a page, the API or a crafted POST all meet it."""
    user = request.getfixturevalue(persona)
    with pytest.raises(ApplicationError, match="regio") as refused:
        referral_accept(actor=actor(user), referral=referral_a, expert=expert_elsewhere)
    assert refused.value.extra == {"expert": [refused.value.message]}
    referral = Referral.objects.get(pk=referral_a.pk)
    assert (referral.status, referral.assigned_expert) == (S.SUBMITTED, None)
    assert not ReferralEvent.objects.filter(referral=referral_a).exists()


@pytest.mark.django_db
def test_an_expert_without_an_active_account_is_not_assignable(referral_a, expert_eva, expert_finn):
    expert_finn.is_active = False
    expert_finn.save()
    with pytest.raises(ApplicationError, match="regio"):
        referral_accept(actor=actor(expert_eva), referral=referral_a, expert=expert_finn)


@pytest.mark.django_db
def test_the_choices_offered_are_exactly_the_experts_the_service_accepts(
    referral_a, expert_eva, expert_finn, expert_elsewhere, admin_ada
):
    from referrals.selectors import expert_choices_for

    for user in (expert_eva, admin_ada):
        membership = user.memberships.get()
        offered = {pk for pk, _label in expert_choices_for(membership, referral_a)}
        assert offered == {expert_eva.pk, expert_finn.pk}
        assert expert_elsewhere.pk not in {pk for pk, _ in expert_choices_for(membership)}
