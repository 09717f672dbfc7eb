"""Assignments are recorded: whether the team lead took a suggestion, and each time the
participant asked for another expert, with the reason; the team view counts both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from referrals.models import ExpertAssignment
from referrals.services import referral_accept, referral_expert_change
from referrals.suggestions import assignment_measures
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import ExpertProfile
from voorzorg.audit.models import AccessLog
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _expert(name, organisation, *, profile=True):
    user = UserFactory(full_name=name)
    role = MembershipFactory(user=user, organisation=organisation, role=Role.EXPERT)
    if profile:
        ExpertProfile.objects.create(membership=role, opted_in=True, max_caseload=5)
    return user


@pytest.fixture
def cast(welfare_org, expert_eva, region, practice_a):
    return {
        "lead": Actor(user=expert_eva, membership=expert_eva.memberships.get()),
        "noor": _expert("Noor", welfare_org),
        "piet": _expert("Piet", welfare_org, profile=False),  # never suggested
        "region": region,
        "practice": practice_a,
    }


def _referral(cast, **fields):
    participant = ParticipantFactory(gp_practice=cast["practice"])
    return ReferralFactory(participant=participant, region=cast["region"], **fields)


def test_accepting_records_whether_a_suggestion_was_taken(cast):
    suggested = referral_accept(actor=cast["lead"], referral=_referral(cast), expert=cast["noor"])
    other = referral_accept(actor=cast["lead"], referral=_referral(cast), expert=cast["piet"])
    assert suggested.assignments.get().suggestion_rank == 1
    row = other.assignments.get()
    assert (row.suggestion_rank, row.change_reason, row.expert) == (None, "", cast["piet"])


def test_another_expert_at_her_request_is_recorded_with_the_reason(cast, client_for):
    referral = referral_accept(actor=cast["lead"], referral=_referral(cast), expert=cast["piet"])
    changed = referral_expert_change(
        actor=cast["lead"], referral=referral, expert=cast["noor"], reason="language"
    )
    assert changed.assigned_expert == cast["noor"]
    row = changed.assignments.last()
    assert (row.previous_expert, row.change_reason, row.suggestion_rank) == (
        cast["piet"],
        "language",
        1,
    )
    assert AccessLog.objects.filter(event=f"referral.expert_change:{referral.pk}").exists()


@pytest.mark.parametrize(
    ("status", "reason", "who", "message"),
    [
        ("submitted", "language", "noor", "Alleen tijdens de begeleiding"),
        ("accepted", "", "noor", "Kies de reden"),
        ("accepted", "language", "piet", "dan de huidige"),
        ("accepted", "language", "far", "uit de regio"),
    ],
)
def test_refusals(cast, status, reason, who, message):
    far_town = OrganisationFactory(municipality_kind=True, name="Zwolle", cbs_code="GM0193")
    RegionFactory(name="Zwolle").municipalities.add(far_town)
    far = _expert("Ver", OrganisationFactory(welfare=True, municipality=far_town))
    referral = _referral(cast, status=status, assigned_expert=cast["piet"])
    expert = far if who == "far" else cast[who]
    with pytest.raises(ApplicationError, match=message):
        referral_expert_change(actor=cast["lead"], referral=referral, expert=expert, reason=reason)
    referral.refresh_from_db()
    assert referral.assigned_expert == cast["piet"]


def test_the_poh_cannot_change_the_expert(cast, poh_anna):
    referral = _referral(cast, status="accepted", assigned_expert=cast["piet"])
    actor = Actor(user=poh_anna, membership=poh_anna.memberships.get())
    with pytest.raises(ApplicationError):
        referral_expert_change(actor=actor, referral=referral, expert=cast["noor"], reason="other")


def test_the_page_offers_it_to_the_team_lead_only(cast, client_for, expert_eva, poh_anna):
    referral = referral_accept(actor=cast["lead"], referral=_referral(cast), expert=cast["piet"])
    url = referral.get_absolute_url()
    assert (
        "vraagt een andere ervaringsdeskundige" in client_for(expert_eva).get(url).content.decode()
    )
    assert "vraagt een andere ervaringsdeskundige" not in (
        client_for(poh_anna).get(url).content.decode()
    )
    response = client_for(expert_eva).post(
        reverse("referrals:expert_change", args=[referral.pk]),
        {"expert": cast["noor"].pk, "reason": "no_click"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_expert == cast["noor"]


def test_the_monthly_measures_count_a_cohort(cast, time_machine, client_for, expert_eva):
    lead = cast["lead"]
    time_machine.move_to(dt.datetime(2026, 10, 31, 22, 30, tzinfo=dt.UTC), tick=False)
    # 23:30 in Amsterdam on 31 October: still October.
    october = referral_accept(actor=lead, referral=_referral(cast), expert=cast["noor"])
    time_machine.move_to(NOW, tick=False)
    november = [
        referral_accept(actor=lead, referral=_referral(cast), expert=cast["noor"]),
        referral_accept(actor=lead, referral=_referral(cast), expert=cast["piet"]),
        referral_accept(actor=lead, referral=_referral(cast), expert=cast["piet"]),
    ]
    referral_expert_change(actor=lead, referral=november[1], expert=cast["noor"], reason="format")
    # A change in November of October's referral counts for October's cohort.
    referral_expert_change(actor=lead, referral=october, expert=cast["piet"], reason="other")
    nov, octo = assignment_measures(lead.membership, [dt.date(2026, 11, 1), dt.date(2026, 10, 1)])
    assert (nov.assignments, nov.took_suggestion, nov.asked_other) == (3, 1, 1)
    assert str(nov.took_suggestion_percent) == "33.3"
    assert (octo.assignments, octo.took_suggestion, octo.asked_other) == (1, 1, 1)
    assert ExpertAssignment.objects.count() == 6
    page = client_for(expert_eva).get(reverse("groups:team")).content.decode()
    assert "Een van de drie voorstellen" in page and "33,3% (1)" in page
