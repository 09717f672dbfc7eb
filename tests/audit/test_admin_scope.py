"""The admin's own scope: the region(s) of her organisation, like a team lead's.

admin_ada works for the municipality of region Groningen; participant_far lives, and was
referred, in region Amsterdam.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from groups.models import PeerGroup, Signal
from groups.selectors import group_scope, signal_scope
from participants.models import Participant
from participants.selectors import participant_scope
from referrals.models import Referral
from referrals.selectors import intake_queue_for, referral_scope
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    ReferralFactory,
    SignalFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role


def visible(model, scope) -> set[int]:
    return set(model.objects.filter(scope).values_list("pk", flat=True))


@pytest.fixture
def world(municipality, region, practice_a, participant_a, referral_a, far_municipality,
          far_region, practice_far, participant_far, referral_far):  # fmt: skip
    # Lives in Groningen, practice elsewhere, no referral yet: in scope by where she lives.
    resident = ParticipantFactory(gp_practice=practice_far, municipality=municipality)
    # Lives in Amsterdam, referred in region Groningen: in scope by that referral.
    referred_here = ParticipantFactory(gp_practice=practice_far, municipality=far_municipality)
    referral_here = ReferralFactory(participant=referred_here, region=region)
    referral_there = ReferralFactory(participant=referred_here, region=far_region)
    return {
        "resident": resident,
        "referred_here": referred_here,
        "referral_here": referral_here,
        "referral_there": referral_there,
    }


@pytest.mark.django_db
def test_participants_and_referrals_of_her_region_only(
    admin_ada, participant_a, referral_a, participant_far, referral_far, world
):
    membership = admin_ada.memberships.get()
    assert visible(Participant, participant_scope(membership)) == {
        participant_a.pk,
        world["resident"].pk,
        world["referred_here"].pk,
    }
    assert visible(Referral, referral_scope(membership)) == {
        referral_a.pk,
        world["referral_here"].pk,
    }
    assert set(intake_queue_for(membership)) == {referral_a, world["referral_here"]}


@pytest.mark.django_db
def test_groups_and_signals_of_her_region_only(
    admin_ada, municipality, far_municipality, participant_a, participant_far, world
):
    membership = admin_ada.memberships.get()
    here = PeerGroupFactory(municipality=municipality)
    PeerGroupFactory(municipality=far_municipality)
    assert visible(PeerGroup, group_scope(membership)) == {here.pk}
    mine = SignalFactory(participant=participant_a)
    SignalFactory(participant=participant_far)
    assert visible(Signal, signal_scope(membership)) == {mine.pk}


@pytest.mark.django_db
def test_pages_follow_the_scope(
    client_for, admin_ada, participant_a, referral_a, participant_far, referral_far, world
):
    client = client_for(admin_ada)
    for participant, status in (
        (participant_a, 200),
        (world["resident"], 200),
        (world["referred_here"], 200),
        (participant_far, 404),
    ):
        url = reverse("referrals:participant", args=[participant.pk])
        assert client.get(url).status_code == status, participant
    assert client.get(reverse("referrals:detail", args=[referral_far.pk])).status_code == 404
    # Her page of someone living elsewhere shows only the referral of her own region.
    page = client.get(reverse("referrals:participant", args=[world["referred_here"].pk]))
    body = page.content.decode()
    assert reverse("referrals:detail", args=[world["referral_here"].pk]) in body
    assert reverse("referrals:detail", args=[world["referral_there"].pk]) not in body
    queue = client.get(reverse("referrals:intake_queue")).content.decode()
    assert participant_a.full_name in queue
    assert participant_far.full_name not in queue


@pytest.mark.django_db
def test_an_admin_of_a_welfare_organisation_works_in_its_region(
    region, welfare_org, participant_a, participant_far, referral_far
):
    user = UserFactory()
    membership = MembershipFactory(user=user, organisation=welfare_org, role=Role.ADMIN)
    assert visible(Participant, participant_scope(membership)) == {participant_a.pk}


@pytest.mark.django_db
def test_an_admin_of_an_organisation_in_no_region_sees_nobody(participant_a, referral_a):
    nowhere = OrganisationFactory(welfare=True, name="Landelijk Bureau")
    membership = MembershipFactory(user=UserFactory(), organisation=nowhere, role=Role.ADMIN)
    assert visible(Participant, participant_scope(membership)) == set()
    assert visible(Referral, referral_scope(membership)) == set()
    assert visible(PeerGroup, group_scope(membership)) == set()
