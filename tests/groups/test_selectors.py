"""The reads the group pages and the groups API share (``groups.selectors``), tested once
here: whose groups a membership lists, what a roster holds (leavers only while in scope),
a meeting's counts and attendance, who may be named as having led it, and whose contacts
and measurements a membership sees (the pages, the REST API and FHIR alike).

The pages and the API keep their own tests of what they show and audit; these pin the
scope rules at the one place both read them from.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Attendance
from groups.selectors import (
    RECENT_LEAVERS,
    contacts_for,
    group_list_for,
    group_roster,
    group_session,
    group_sessions,
    group_with_details,
    measurements_for,
    session_facilitator_choices,
)
from participants.constants import ConsentKind
from participants.models import Consent
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    GroupSessionFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def _membership(user):
    return user.memberships.get()


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert, not a team lead: facilitates ``group``."""
    user = UserFactory(full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def expert_gijs(welfare_org):
    """An experience expert of the same region who facilitates nothing."""
    user = UserFactory(full_name="Gijs Dijkstra")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def group(municipality, region, expert_finn):
    return PeerGroupFactory(
        name="Groep Noord", municipality=municipality, facilitators=[expert_finn]
    )


@pytest.fixture
def elsewhere():
    """A group in another region, facilitated by someone there."""
    other = OrganisationFactory(municipality_kind=True, name="Gemeente Assen")
    RegionFactory(name="Drenthe").municipalities.add(other)
    return PeerGroupFactory(name="Groep Assen", municipality=other, facilitators=[UserFactory()])


# --- group_list_for: whose groups -----------------------------------------------------------


@pytest.mark.django_db
def test_a_facilitator_lists_the_groups_she_leads_and_no_other(
    group, elsewhere, expert_finn, expert_gijs, municipality
):
    PeerGroupFactory(name="Groep Zuid", municipality=municipality, facilitators=[expert_gijs])
    assert list(group_list_for(_membership(expert_finn))) == [group]
    assert [g.name for g in group_list_for(_membership(expert_gijs))] == ["Groep Zuid"]


@pytest.mark.django_db
def test_a_team_lead_and_an_admin_list_their_region_s_groups_only(
    group, elsewhere, expert_eva, admin_ada
):
    assert list(group_list_for(_membership(expert_eva))) == [group]
    assert list(group_list_for(_membership(admin_ada))) == [group]


@pytest.mark.django_db
def test_poh_coordinator_and_no_membership_list_no_group(group, poh_anna, coordinator_cor):
    assert not group_list_for(_membership(poh_anna)).exists()
    assert not group_list_for(_membership(coordinator_cor)).exists()
    assert not group_list_for(None).exists()


@pytest.mark.django_db
def test_a_group_with_two_facilitators_is_listed_once(group, expert_finn, expert_eva):
    group.facilitators.add(expert_eva)  # Eva leads it and, as team lead, sees the region
    assert list(group_list_for(_membership(expert_eva))) == [group]


@pytest.mark.django_db
def test_the_list_carries_counts_facilitators_and_last_meeting(
    group, expert_finn, expert_eva, municipality
):
    group.facilitators.add(expert_eva)
    EnrolmentFactory.create_batch(2, group=group)
    EnrolmentFactory(group=group, waiting=True)
    EnrolmentFactory(group=group, ended=True)
    GroupSessionFactory(group=group, starts_at=dt.datetime(2026, 11, 3, 18, 30, tzinfo=dt.UTC))
    last = GroupSessionFactory(
        group=group, starts_at=dt.datetime(2026, 11, 10, 18, 30, tzinfo=dt.UTC)
    )
    stopped = PeerGroupFactory(
        name="Aaa gestopt", municipality=municipality, is_active=False, facilitators=[expert_eva]
    )

    listed = list(group_list_for(_membership(expert_eva)))

    assert listed == [group, stopped]  # active groups first, then by name
    row = listed[0]
    assert (row.active_count, row.waiting_count) == (2, 1)
    assert row.last_session_at == last.starts_at
    assert [u.full_name for u in row.facilitators.all()] == ["Eva Bakker", "Finn Mulder"]
    assert (listed[1].active_count, listed[1].last_session_at) == (0, None)


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_few_and_many_groups(expert_eva, municipality, region):
    def make(n: int) -> None:
        for _ in range(n):
            g = PeerGroupFactory(municipality=municipality, facilitators=[UserFactory()])
            EnrolmentFactory(group=g)
            GroupSessionFactory(group=g)

    membership = _membership(expert_eva)

    def queries(expected: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(list(group_list_for(membership))) == expected
        return len(captured.captured_queries)

    make(2)
    queries(2)  # the membership's organisation, loaded once, is not the list's cost
    few = queries(2)
    make(10)
    assert queries(12) == few == 2  # the groups with their counts; their facilitators


# --- group_with_details and group_roster ----------------------------------------------------


@pytest.mark.django_db
def test_details_load_facilitators_and_organisations_by_name(
    group, expert_eva, welfare_org, provider, django_assert_num_queries
):
    group.facilitators.add(expert_eva)
    group.organisations.set([welfare_org, provider])
    with django_assert_num_queries(2):
        group_with_details(group)
    with django_assert_num_queries(0):
        assert [u.full_name for u in group.facilitators.all()] == ["Eva Bakker", "Finn Mulder"]
        assert [o.name for o in group.organisations.all()] == ["GGZ Noord", "Welzijn Noord"]


@pytest.mark.django_db
def test_the_roster_lists_active_by_name_and_the_waiting_list_in_order(group, expert_finn):
    zwart = EnrolmentFactory(group=group, participant=ParticipantFactory(family_name="Zwart"))
    bos = EnrolmentFactory(group=group, participant=ParticipantFactory(family_name="Bos"))
    first = EnrolmentFactory(group=group, waiting=True, start_date=dt.date(2026, 10, 1))
    second = EnrolmentFactory(group=group, waiting=True, start_date=dt.date(2026, 10, 8))

    roster = group_roster(_membership(expert_finn), group)

    assert roster.active == [bos, zwart]
    assert roster.waiting == [first, second]
    assert roster.people == [e.participant for e in (bos, zwart, first, second)]


@pytest.mark.django_db
def test_a_leaver_stays_on_the_roster_only_for_whom_she_is_still_in_scope(
    group, expert_finn, expert_gijs, region
):
    leaver = EnrolmentFactory(group=group, ended=True)
    # Gijs is assigned to the leaver's referral: she stays in his scope.
    ReferralFactory(
        participant=leaver.participant,
        region=region,
        status="in_bridging",
        assigned_expert=expert_gijs,
        first_contact_date=dt.date(2026, 10, 5),
    )

    # Finn only facilitated the group: her place ended, so did his view of her.
    assert group_roster(_membership(expert_finn), group).recently_left == []
    assert group_roster(_membership(expert_gijs), group).recently_left == [leaver]


@pytest.mark.django_db
def test_the_roster_shows_the_last_ten_leavers_newest_first(group, admin_ada):
    leavers = [
        EnrolmentFactory(
            group=group, ended=True, end_date=dt.date(2026, 10, 1) + dt.timedelta(days=i)
        )
        for i in range(RECENT_LEAVERS + 2)
    ]
    # The admin sees the leavers through their referrals in her region.
    for enrolment in leavers:
        ReferralFactory(participant=enrolment.participant, region=group.municipality.regions.get())

    shown = group_roster(_membership(admin_ada), group).recently_left

    assert shown == leavers[::-1][:RECENT_LEAVERS]


@pytest.mark.django_db
def test_the_roster_costs_two_queries_whatever_its_size(
    group, expert_finn, django_assert_num_queries
):
    EnrolmentFactory.create_batch(5, group=group)
    EnrolmentFactory.create_batch(3, group=group, waiting=True)
    EnrolmentFactory.create_batch(3, group=group, ended=True)
    membership = _membership(expert_finn)
    with django_assert_num_queries(2):  # current places, visible leavers
        roster = group_roster(membership, group)
    with django_assert_num_queries(0):
        assert len(roster.people) == 8


# --- Meetings -------------------------------------------------------------------------------


@pytest.fixture
def meeting(group, expert_finn, expert_eva):
    session = GroupSessionFactory(
        group=group, starts_at=dt.datetime(2026, 11, 10, 18, 30, tzinfo=dt.UTC)
    )
    session.facilitators_present.set([expert_finn, expert_eva])
    for family_name, status in (("Zwart", "present"), ("Bos", "present"), ("Dijk", "absent")):
        participant = EnrolmentFactory(
            group=group, participant=ParticipantFactory(family_name=family_name)
        ).participant
        Attendance.objects.create(session=session, participant=participant, status=status)
    return session


@pytest.mark.django_db
def test_a_group_s_meetings_come_newest_first_with_their_counts(group, meeting):
    older = GroupSessionFactory(
        group=group, starts_at=dt.datetime(2026, 11, 3, 18, 30, tzinfo=dt.UTC)
    )
    GroupSessionFactory()  # another group's meeting

    sessions = list(group_sessions(group))

    assert sessions == [meeting, older]
    counts = [(s.present_count, s.excused_count, s.absent_count) for s in sessions]
    assert counts == [(2, 0, 1), (0, 0, 0)]
    assert [u.full_name for u in sessions[0].facilitators_present.all()] == [
        "Eva Bakker",
        "Finn Mulder",
    ]


@pytest.mark.django_db
def test_one_meeting_has_its_attendance_by_name(group, meeting):
    session = group_session(group, meeting.pk)

    assert [row.participant.family_name for row in session.attendance_rows] == [
        "Bos",
        "Dijk",
        "Zwart",
    ]
    assert (session.present_count, session.absent_count) == (2, 1)


@pytest.mark.django_db
def test_another_group_s_meeting_is_not_found_through_this_group(group, elsewhere, meeting):
    assert group_session(elsewhere, meeting.pk) is None


@pytest.mark.django_db
def test_who_may_be_named_as_having_led_a_meeting(
    group, meeting, expert_finn, expert_gijs, expert_eva, poh_anna
):
    # Finn leads the group; Eva (a team lead) logs it standing in; Gijs is unrelated.
    assert list(session_facilitator_choices(group, expert_eva)) == [expert_eva, expert_finn]
    assert list(session_facilitator_choices(group, expert_finn)) == [expert_finn]
    # A POH logging would not be an expert: not offered.
    assert list(session_facilitator_choices(group, poh_anna)) == [expert_finn]
    # Whoever is already recorded for the meeting stays offered (Eva was recorded).
    assert list(session_facilitator_choices(group, expert_gijs, meeting)) == [
        expert_eva,
        expert_finn,
        expert_gijs,
    ]


# --- contacts_for, measurements_for: whose records -------------------------------------------


def _people(records) -> set[str]:
    return {record.participant.given_name for record in records}


@pytest.mark.django_db
def test_contacts_and_measurements_follow_who_may_see_the_participant(
    participant_a,
    referral_a,
    practice_b,
    municipality,
    poh_anna,
    poh_bram,
    expert_eva,
    coordinator_cor,
    admin_ada,
    provider,
    provider_pia,
    expert_finn,
    expert_gijs,
):
    # Sanne (practice A) has a referral in the region, assigned to Finn and addressed to
    # the GGZ provider; Bo (practice B) lives in the region without one; Dirk is of
    # another region.
    referral_a.status = "accepted"
    referral_a.assigned_expert = expert_finn
    referral_a.intended_provider = provider
    referral_a.save()
    bo = ParticipantFactory(given_name="Bo", gp_practice=practice_b, municipality=municipality)
    assen = OrganisationFactory(municipality_kind=True, name="Gemeente Assen")
    drenthe = RegionFactory(name="Drenthe")
    drenthe.municipalities.add(assen)
    dirk = ParticipantFactory(
        given_name="Dirk",
        gp_practice=OrganisationFactory(name="Praktijk Assen", municipality=assen),
        municipality=assen,
    )
    ReferralFactory(participant=dirk, region=drenthe)
    admin_of_drenthe = MembershipFactory(organisation=assen, role=Role.ADMIN)
    for person in (participant_a, bo, dirk):
        ContactFactory(participant=person)
        PositiveHealthMeasurementFactory(participant=person)
    # Withdrawn records stand nowhere, not even for whom sees the person.
    withdrawn = {"withdrawn_at": TODAY, "withdrawn_reason": "Bij de verkeerde deelnemer."}
    ContactFactory(participant=participant_a, **withdrawn)
    PositiveHealthMeasurementFactory(participant=participant_a, **withdrawn)

    expected = {
        # The POH-GGZ: her own practice's people, never another practice's.
        "poh_anna": {"Sanne"},
        "poh_bram": {"Bo"},
        # An expert: the people whose referral she is assigned to; a team lead: those
        # with a referral in her region.
        "expert_finn": {"Sanne"},
        "expert_gijs": set(),
        "expert_eva": {"Sanne"},
        # An admin: her region's referrals and residents, never another region's.
        "admin_ada": {"Sanne", "Bo"},
        "admin_of_drenthe": {"Dirk"},
        "coordinator_cor": set(),
        "nobody": set(),
    }
    memberships = {
        "poh_anna": _membership(poh_anna),
        "poh_bram": _membership(poh_bram),
        "expert_finn": _membership(expert_finn),
        "expert_gijs": _membership(expert_gijs),
        "expert_eva": _membership(expert_eva),
        "admin_ada": _membership(admin_ada),
        "admin_of_drenthe": admin_of_drenthe,
        "coordinator_cor": _membership(coordinator_cor),
        "nobody": None,
    }
    for name, membership in memberships.items():
        assert _people(contacts_for(membership)) == expected[name], name
        assert _people(measurements_for(membership)) == expected[name], name
        assert contacts_for(membership).count() == len(expected[name]), name

    # The GGZ provider's staff: the person addressed to them, never her contacts, and her
    # Positieve Gezondheid only while her consent to share holds.
    pia = _membership(provider_pia)
    assert not contacts_for(pia).exists()
    assert not measurements_for(pia).exists()
    consent = Consent.objects.create(
        participant=participant_a, kind=ConsentKind.SHARE_AT_HANDOVER, given_on=TODAY.date()
    )
    assert not contacts_for(pia).exists()
    assert _people(measurements_for(pia)) == {"Sanne"}
    consent.withdrawn_on = TODAY.date()
    consent.save()
    assert not measurements_for(pia).exists()
