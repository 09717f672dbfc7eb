"""Mijn werklijst: today's sessions, "uit beeld", open signals, handovers, new assignments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.constants import AttendanceStatus, EnrolmentStatus, Weekday
from groups.models import Attendance, Contact, Enrolment, GroupSession, PeerGroup
from groups.worklist import handover_coming_q, worklist_for
from referrals.constants import ReferralStatus as S
from referrals.models import Handover, Referral
from referrals.selectors import handover_needed_q
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    SignalFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog

AMS = ZoneInfo("Europe/Amsterdam")
# A Monday. 10:00 UTC is 11:00 in Amsterdam.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def make_group(municipality, facilitator, **fields) -> PeerGroup:
    values = {
        "name": "Voorzorggroep Centrum",
        "kind": "voorzorggroep",
        "municipality": municipality,
        "capacity": 12,
        "start_date": dt.date(2026, 9, 1),
        "weekday": Weekday.MONDAY,
        "start_time": dt.time(14, 0),
    }
    values.update(fields)
    group = PeerGroup.objects.create(**values)
    group.facilitators.add(facilitator)
    return group


def make_session(group, starts_at: dt.datetime, attendance: dict | None = None) -> GroupSession:
    session = GroupSession.objects.create(group=group, starts_at=starts_at)
    for participant, status in (attendance or {}).items():
        Attendance.objects.create(session=session, participant=participant, status=status)
    return session


def at(day: dt.date, hour: int = 14, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMS)


def in_bridging(expert, practice, region, *, first_contact: dt.date, **participant):
    return ReferralFactory(
        participant__gp_practice=practice,
        region=region,
        status=S.IN_BRIDGING,
        assigned_expert=expert,
        first_contact_date=first_contact,
        **{f"participant__{k}": v for k, v in participant.items()},
    )


def enrol(participant, group) -> Enrolment:
    return Enrolment.objects.create(
        participant=participant,
        group=group,
        status=EnrolmentStatus.ACTIVE,
        start_date=dt.date(2026, 9, 1),
    )


# --- Uit beeld: day 13 vs day 14 --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("days", "listed"), [(12, False), (13, False), (14, True), (30, True)])
def test_out_of_sight_from_a_contact_on_day_14_not_13(
    expert_finn, practice_a, region, days, listed
):
    r = in_bridging(expert_finn, practice_a, region, first_contact=days_ago(40))
    Contact.objects.create(
        participant=r.participant,
        expert=expert_finn,
        date=days_ago(days),
        duration_minutes=30,
        mode="phone",
    )
    rows = worklist_for(expert_finn, today=TODAY).out_of_sight
    assert [row.participant for row in rows] == ([r.participant] if listed else [])
    if listed:
        assert (rows[0].last_contact, rows[0].days_since) == (days_ago(days), days)


@pytest.mark.django_db
@pytest.mark.parametrize(("days", "listed"), [(13, False), (14, True)])
def test_out_of_sight_counts_group_attendance_and_the_first_contact(
    expert_finn, municipality, practice_a, region, days, listed
):
    group = make_group(municipality, expert_finn)
    member = ParticipantFactory(gp_practice=practice_a)
    enrol(member, group)
    # Present on the local calendar day ``days`` ago, late in the evening: 23:30 in
    # Amsterdam is already the next day in UTC on the day before, so local days count.
    make_session(group, at(days_ago(days), 23, 30), {member: AttendanceStatus.PRESENT})
    # Being absent more recently is no contact.
    make_session(group, at(days_ago(2)), {member: AttendanceStatus.ABSENT})
    # The first bridging contact counts too.
    r = in_bridging(expert_finn, practice_a, region, first_contact=days_ago(days))
    rows = worklist_for(expert_finn, today=TODAY).out_of_sight
    shown = {row.participant for row in rows}
    assert shown == ({member, r.participant} if listed else set())


@pytest.mark.django_db
def test_someone_without_any_contact_is_out_of_sight_and_listed_first(
    client_for, expert_finn, municipality, practice_a, region
):
    group = make_group(municipality, expert_finn)
    never = ParticipantFactory(gp_practice=practice_a, given_name="Nooit", family_name="Gezien")
    enrol(never, group)
    in_bridging(
        expert_finn,
        practice_a,
        region,
        first_contact=days_ago(20),
        given_name="Lang",
        family_name="Geleden",
    )
    # Not hers: another expert's group and referral, and a waiting-list place.
    other = UserFactory()
    enrol(ParticipantFactory(gp_practice=practice_a), make_group(municipality, other))
    in_bridging(other, practice_a, region, first_contact=days_ago(30))
    waiting = ParticipantFactory(gp_practice=practice_a)
    Enrolment.objects.create(
        participant=waiting, group=group, status=EnrolmentStatus.WAITING, start_date=TODAY
    )
    rows = worklist_for(expert_finn, today=TODAY).out_of_sight
    assert [(row.participant.family_name, row.days_since) for row in rows] == [
        ("Gezien", None),
        ("Geleden", 20),
    ]
    html = client_for(expert_finn).get(reverse("groups:worklist")).content.decode()
    assert "Nooit Gezien" in html and "Nog geen contact vastgelegd" in html
    assert "Lang Geleden" in html and "20 dagen geleden" in html
    assert reverse("groups:contact_create", args=[never.pk]) in html


# --- Today's sessions ------------------------------------------------------------------------


@pytest.mark.django_db
def test_todays_sessions_and_groups_still_to_log(client_for, expert_finn, municipality):
    logged = make_group(municipality, expert_finn, name="Huiskamer Noord")
    make_session(logged, at(TODAY, 0, 30))  # just after local midnight: today
    to_log = make_group(municipality, expert_finn, name="Voorzorggroep Oost")
    make_session(to_log, at(days_ago(7)))  # last week's does not count for today
    make_group(municipality, expert_finn, name="Dinsdaggroep", weekday=Weekday.TUESDAY)
    make_group(municipality, expert_finn, name="Gestopte groep", is_active=False)
    make_group(
        municipality,
        expert_finn,
        name="Eenmalig vorige week",
        frequency="once",
        start_date=days_ago(7),
    )
    make_group(municipality, UserFactory(), name="Groep van een ander")
    work = worklist_for(expert_finn, today=TODAY)
    assert [s.group.name for s in work.sessions_today] == ["Huiskamer Noord"]
    assert [g.name for g in work.groups_to_log] == ["Voorzorggroep Oost"]
    html = client_for(expert_finn).get(reverse("groups:worklist")).content.decode()
    assert "Huiskamer Noord" in html and "Voorzorggroep Oost" in html
    assert "Dinsdaggroep" not in html and "Groep van een ander" not in html
    assert reverse("groups:session_log", args=[to_log.pk]) in html
    assert reverse("groups:session_log", args=[logged.pk]) not in html
    assert reverse("groups:group_detail", args=[logged.pk]) in html


# --- Signals, handovers, new assignments -------------------------------------------------------


@pytest.mark.django_db
def test_open_signals_handovers_and_new_assignments(
    client_for, expert_finn, practice_a, region, provider
):
    soon = in_bridging(
        expert_finn, practice_a, region, first_contact=days_ago(3), family_name="Binnenkort"
    )
    Handover.objects.create(referral=soon, provider=provider, meeting_at=NOW + dt.timedelta(days=5))
    later = in_bridging(
        expert_finn, practice_a, region, first_contact=days_ago(3), family_name="Later"
    )
    Handover.objects.create(
        referral=later, provider=provider, meeting_at=NOW + dt.timedelta(days=20)
    )
    new = ReferralFactory(
        participant__gp_practice=practice_a,
        participant__family_name="Nieuw",
        region=region,
        status=S.ACCEPTED,
        assigned_expert=expert_finn,
    )
    open_signal = SignalFactory(participant=soon.participant, raised_by=expert_finn)
    SignalFactory(
        participant=soon.participant,
        raised_by=expert_finn,
        resolved_at=NOW,
        resolution_note="Klaar.",
    )
    SignalFactory(participant=later.participant, raised_by=UserFactory())  # someone else's
    work = worklist_for(expert_finn, today=TODAY)
    assert work.handovers == [soon]
    assert work.new == [new]
    assert work.open_signals == [open_signal]
    html = client_for(expert_finn).get(reverse("groups:worklist")).content.decode()
    assert reverse("groups:signal_detail", args=[open_signal.pk]) in html
    assert reverse("referrals:handover", args=[soon.pk]) in html
    assert reverse("referrals:handover", args=[later.pk]) not in html


# --- Overdracht nodig ---------------------------------------------------------------------------


def linked(referral, provider, **dates):
    """Link ``referral`` to a provider's imported place with these dates."""
    place = WaitingEpisodeFactory(
        provider=provider,
        participant=referral.participant,
        external_id=f"K-{referral.pk}",
        registration_date=dt.date(2026, 6, 1),
        **dates,
    )
    referral.waiting_episode = place
    referral.provider_reference = place.external_id
    referral.intended_provider = provider
    referral.save()
    return referral


@pytest.mark.django_db
def test_overdracht_nodig_lists_her_referrals_whose_provider_reports_an_intake_or_a_start(
    client_for, expert_finn, practice_a, region, provider
):
    def mine(name, **fields):
        fields.setdefault("status", S.IN_BRIDGING)
        fields.setdefault("first_contact_date", days_ago(60))
        return ReferralFactory(
            participant__gp_practice=practice_a,
            participant__family_name=name,
            region=region,
            assigned_expert=expert_finn,
            **fields,
        )

    # Months ago: no horizon, it stays until the handover is done.
    intake = linked(mine("Intake"), provider, intake_date=days_ago(40))
    started = linked(
        mine("Gestart", status=S.ACCEPTED, first_contact_date=None),
        provider,
        intake_date=days_ago(20),
        treatment_start_date=TODAY,
    )
    linked(mine("Wachtend"), provider)  # nothing known yet
    linked(mine("Morgen"), provider, intake_date=TODAY + dt.timedelta(days=1))
    linked(mine("Overgedragen", status=S.HANDED_OVER), provider, intake_date=days_ago(5))
    closed = mine("Gesloten", status=S.CLOSED, close_reason="no_longer_needed")
    linked(closed, provider, intake_date=days_ago(5))
    someone_elses = in_bridging(UserFactory(), practice_a, region, first_contact=days_ago(9))
    linked(someone_elses, provider, intake_date=days_ago(5))

    work = worklist_for(expert_finn, today=TODAY)

    assert work.handover_needed == [intake, started]
    html = client_for(expert_finn).get(reverse("groups:worklist")).content.decode()
    section = html[html.index('id="h-handover-needed"') : html.index('id="h-handovers"')]
    assert reverse("referrals:handover", args=[intake.pk]) in section
    assert f"Intake {days_ago(40):%d-%m-%Y} · {provider.name}" in section
    assert f"Start behandeling {TODAY:%d-%m-%Y} · {provider.name}" in section
    for hidden in ("Wachtend", "Morgen", "Overgedragen", "Gesloten"):
        assert hidden not in section
    # Shown, so in the access log: one row each.
    logged = AccessLog.objects.filter(event="worklist", actor=expert_finn)
    assert {intake.participant.public_id, started.participant.public_id} <= set(
        logged.values_list("person_id", flat=True)
    )


@pytest.mark.django_db
def test_overdracht_nodig_ends_with_the_handover_or_the_referral(
    expert_finn, practice_a, region, provider
):
    r = linked(
        in_bridging(expert_finn, practice_a, region, first_contact=days_ago(30)),
        provider,
        intake_date=days_ago(3),
    )
    assert worklist_for(expert_finn, today=TODAY).handover_needed == [r]
    r.status = S.HANDED_OVER
    r.save()
    assert worklist_for(expert_finn, today=TODAY).handover_needed == []
    r.status = S.WITHDRAWN
    r.save()
    assert worklist_for(expert_finn, today=TODAY).handover_needed == []


# --- Her referrals: read once, split and ordered in Python ----------------------------------


def _mine(expert, practice, region, name, *, status=S.IN_BRIDGING, **fields):
    fields.setdefault("first_contact_date", days_ago(30) if status == S.IN_BRIDGING else None)
    return ReferralFactory(
        participant__gp_practice=practice,
        participant__family_name=name,
        region=region,
        status=status,
        assigned_expert=expert,
        **fields,
    )


def _meeting(referral, provider, days: int, **fields) -> None:
    Handover.objects.create(
        referral=referral, provider=provider, meeting_at=NOW + dt.timedelta(days=days), **fields
    )


@pytest.fixture
def referral_lists(expert_finn, practice_a, region, provider):
    """Her referrals in every list, with ties, missing dates and one in three lists."""

    def mine(name, **fields):
        return _mine(expert_finn, practice_a, region, name, **fields)

    r = {}
    # New: by referral date, the id breaking ties.
    r["new_late"] = mine("Nieuw laat", status=S.ACCEPTED, referral_date=days_ago(2))
    r["new_early"] = mine("Nieuw vroeg", status=S.ACCEPTED, referral_date=days_ago(9))
    r["new_tie"] = mine("Nieuw gelijk", status=S.ACCEPTED, referral_date=days_ago(2))
    # In bridging care: by first contact, no first contact (NULL) last.
    r["no_first"] = mine("Geen eerste", first_contact_date=None)
    r["first_old"] = mine("Eerste oud", first_contact_date=days_ago(50))
    # Overdracht nodig: by the day it became due (the intake; a treatment start comes
    # with an intake on or before it).
    r["needed_early"] = linked(
        mine("Gestart", status=S.ACCEPTED),
        provider,
        intake_date=days_ago(12),
        treatment_start_date=days_ago(10),
    )
    r["needed_intake"] = linked(mine("Intake eerder"), provider, intake_date=days_ago(3))
    r["needed_tie"] = linked(mine("Intake gelijk"), provider, intake_date=days_ago(3))
    # Needs its handover and has one coming: in bridging care, in both handover lists.
    r["needed_both"] = linked(
        mine("Start vandaag"), provider, intake_date=days_ago(1), treatment_start_date=TODAY
    )
    r["intake_today"] = linked(mine("Intake vandaag"), provider, intake_date=TODAY)
    r["start_4"] = linked(
        mine("Start over vier"),
        provider,
        intake_date=days_ago(20),
        treatment_start_date=TODAY + dt.timedelta(4),
    )
    # Coming handovers: by the meeting (none last), then the intake (none last).
    r["meeting_3"] = mine("Gesprek over drie")
    _meeting(r["meeting_3"], provider, 3)
    r["meeting_1"] = mine("Gesprek morgen")
    _meeting(r["meeting_1"], provider, 1)
    r["meeting_1_intake"] = linked(
        mine("Gesprek morgen, intake"), provider, intake_date=TODAY + dt.timedelta(3)
    )
    _meeting(r["meeting_1_intake"], provider, 1)
    # A completed handover's meeting is no coming meeting, its intake is; the meeting
    # still places it, as the database's ORDER BY did.
    r["done_meeting_2"] = linked(mine("Afgerond"), provider, intake_date=TODAY + dt.timedelta(6))
    _meeting(r["done_meeting_2"], provider, 2, completed_at=NOW)
    r["intake_5"] = linked(mine("Intake over vijf"), provider, intake_date=TODAY + dt.timedelta(5))
    r["intake_2"] = linked(mine("Intake over twee"), provider, intake_date=TODAY + dt.timedelta(2))
    r["meeting_20"] = mine("Gesprek later")  # beyond the horizon: in bridging care only
    _meeting(r["meeting_20"], provider, 20)
    # On none of her lists.
    mine("Aangemeld", status=S.SUBMITTED)
    linked(mine("Overgedragen", status=S.HANDED_OVER), provider, intake_date=days_ago(5))
    linked(
        _mine(UserFactory(), practice_a, region, "Van een ander"),
        provider,
        intake_date=days_ago(5),
    )
    return r


def _names(referrals) -> list[str]:
    return [r.participant.family_name for r in referrals]


@pytest.mark.django_db
def test_her_referrals_split_into_the_lists_in_the_order_of_each_list(expert_finn, referral_lists):
    r = referral_lists
    work = worklist_for(expert_finn, today=TODAY)
    # The accepted one needing its handover was referred on the factory's 1 October.
    assert work.new == [r["needed_early"], r["new_early"], r["new_late"], r["new_tie"]]
    assert work.handover_needed == [
        r["start_4"],
        r["needed_early"],
        r["needed_intake"],
        r["needed_tie"],
        r["needed_both"],
        r["intake_today"],
    ]
    assert work.handovers == [
        r["meeting_1_intake"],
        r["meeting_1"],
        r["done_meeting_2"],
        r["meeting_3"],
        r["start_4"],
        r["needed_both"],
        r["intake_today"],
        r["intake_2"],
        r["intake_5"],
    ]
    # Every referral in bridging care, by first contact (created in the order of the
    # dict: the same first contact sorts by id), the one without a first contact last.
    same_day = [
        x for x in r.values() if x.status == S.IN_BRIDGING and x.first_contact_date == days_ago(30)
    ]
    assert work.bridging == [r["first_old"], *same_day, r["no_first"]]


@pytest.mark.django_db
def test_the_split_lists_equal_a_query_per_list(expert_finn, referral_lists):
    """Each list as its own query, with the rules and PostgreSQL's order (NULLs last on
    both databases): the lists split from the one read are the same."""
    mine = Referral.objects.filter(assigned_expert=expert_finn)

    def ordered(queryset, *fields):
        return list(queryset.order_by(*(F(f).asc(nulls_last=True) for f in fields), "pk"))

    work = worklist_for(expert_finn, today=TODAY)
    assert work.new == ordered(mine.filter(status=S.ACCEPTED), "referral_date")
    assert work.bridging == ordered(mine.filter(status=S.IN_BRIDGING), "first_contact_date")
    assert work.handover_needed == ordered(
        mine.filter(handover_needed_q(TODAY)).annotate(
            due=Coalesce("waiting_episode__intake_date", "waiting_episode__treatment_start_date")
        ),
        "due",
    )
    assert work.handovers == ordered(
        mine.filter(handover_coming_q(TODAY)),
        "handover__meeting_at",
        "waiting_episode__intake_date",
    )


@pytest.mark.django_db
def test_a_referral_in_three_lists_is_shown_in_each_and_logged_once(
    client_for, expert_finn, referral_lists, provider
):
    both = referral_lists["needed_both"]
    html = client_for(expert_finn).get(reverse("groups:worklist")).content.decode()
    needed = html[html.index('id="h-handover-needed"') : html.index('id="h-handovers"')]
    coming = html[html.index('id="h-handovers"') : html.index('id="h-new"')]
    bridging = html[html.index('id="h-bridging"') :]
    for section in (needed, coming, bridging):
        assert both.participant.full_name in section
    assert f"Start behandeling {TODAY:%d-%m-%Y} · {provider.name}" in needed
    assert f"Start behandeling {TODAY:%d-%m-%Y}" in coming
    logged = AccessLog.objects.filter(event="worklist", actor=expert_finn)
    assert logged.filter(person_id=both.participant.public_id).count() == 1


@pytest.mark.django_db
def test_out_of_sight_with_her_groups_only_or_her_referrals_only(
    expert_finn, municipality, practice_a, region
):
    """Either part of "who she is responsible for" may be empty."""
    member = ParticipantFactory(gp_practice=practice_a)
    enrol(member, make_group(municipality, expert_finn))
    rows = worklist_for(expert_finn, today=TODAY).out_of_sight
    assert [(row.participant, row.days_since) for row in rows] == [(member, None)]
    Enrolment.objects.all().delete()
    assert worklist_for(expert_finn, today=TODAY).out_of_sight == []
    r = in_bridging(expert_finn, practice_a, region, first_contact=days_ago(14))
    rows = worklist_for(expert_finn, today=TODAY).out_of_sight
    assert [(row.participant, row.days_since) for row in rows] == [(r.participant, 14)]


@pytest.mark.django_db
def test_no_query_for_sessions_or_people_she_does_not_have(
    expert_finn, practice_a, region, django_assert_num_queries
):
    # Her referrals, her groups, her signals.
    with django_assert_num_queries(3):
        work = worklist_for(expert_finn, today=TODAY)
    assert work.out_of_sight == work.sessions_today == work.groups_to_log == []
    r = in_bridging(expert_finn, practice_a, region, first_contact=days_ago(20))
    # And the people out of sight; still none for today's sessions without a group.
    with django_assert_num_queries(4):
        work = worklist_for(expert_finn, today=TODAY)
    assert [row.participant for row in work.out_of_sight] == [r.participant]


# --- Access, audit, query count -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("expert_eva", 200), ("poh_anna", 403), ("coordinator_cor", 403), ("admin_ada", 403)],
)
def test_who_may_open_the_worklist(client_for, personas, persona, status):
    assert client_for(personas[persona]).get(reverse("groups:worklist")).status_code == status


@pytest.mark.django_db
def test_one_read_row_per_person_shown(client_for, expert_finn, municipality, practice_a, region):
    r = in_bridging(expert_finn, practice_a, region, first_contact=days_ago(20))
    # On three lists at once (uit beeld, in bridging, open signal): still one row.
    SignalFactory(participant=r.participant, raised_by=expert_finn)
    new = ReferralFactory(
        participant__gp_practice=practice_a,
        region=region,
        status=S.ACCEPTED,
        assigned_expert=expert_finn,
    )
    client_for(expert_finn).get(reverse("groups:worklist"))
    rows = AccessLog.objects.filter(event="worklist", actor=expert_finn)
    assert sorted(rows.values_list("person_id", flat=True)) == sorted(
        [r.participant.public_id, new.participant.public_id]
    )
    assert set(rows.values_list("action", flat=True)) == {"R"}


def _people(n: int, expert, practice, region, group, *, offset: int = 0) -> None:
    """n people in each list: in bridging and out of sight, enrolled, signals, handovers."""
    provider = OrganisationFactory(provider=True)
    for i in range(offset, offset + n):
        r = in_bridging(expert, practice, region, first_contact=days_ago(20 + i))
        Contact.objects.create(
            participant=r.participant,
            expert=expert,
            date=days_ago(15 + i),
            duration_minutes=30,
            mode="phone",
        )
        Handover.objects.create(
            referral=r, provider=provider, meeting_at=NOW + dt.timedelta(days=2)
        )
        SignalFactory(participant=r.participant, raised_by=expert)
        linked(r, provider, intake_date=days_ago(2))  # overdracht nodig
        member = ParticipantFactory(gp_practice=practice)
        enrol(member, group)
        make_session(group, at(days_ago(30 + i)), {member: AttendanceStatus.PRESENT})
        make_session(group, at(TODAY, 9, i))  # today's sessions
        ReferralFactory(
            participant__gp_practice=practice,
            region=region,
            status=S.ACCEPTED,
            assigned_expert=expert,
        )


@pytest.mark.django_db
def test_worklist_query_count_is_fixed_whatever_the_number_of_people(
    client_for, expert_finn, municipality, practice_a, region, django_assert_num_queries
):
    client = client_for(expert_finn)
    group = make_group(municipality, expert_finn)
    make_group(municipality, expert_finn, name="Nog vast te leggen")
    _people(2, expert_finn, practice_a, region, group)
    with CaptureQueriesContext(connection) as few:
        small = client.get(reverse("groups:worklist"))
    assert len(worklist_for(expert_finn, today=TODAY).out_of_sight) == 4
    _people(18, expert_finn, practice_a, region, group, offset=2)
    with django_assert_num_queries(len(few.captured_queries)):
        large = client.get(reverse("groups:worklist"))
    assert small.status_code == large.status_code == 200
    # Five queries for the lists themselves (her referrals once, for all four lists of
    # referrals), however long each is.
    with django_assert_num_queries(5):
        work = worklist_for(expert_finn, today=TODAY)
    assert len(work.out_of_sight) == 40
    assert len(work.handover_needed) == 20
    assert len(work.sessions_today) == 20
    assert [g.name for g in work.groups_to_log] == ["Nog vast te leggen"]
