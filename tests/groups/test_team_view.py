"""The team view: per expert, caseload and this month vs last month, in figures only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.constants import AttendanceStatus as A
from groups.models import Attendance, Contact, GroupSession, PeerGroup
from groups.team_overview import (
    MonthFigures,
    next_month_start,
    previous_month_start,
    team_overview,
)
from referrals.constants import ReferralStatus as S
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog

AMS = ZoneInfo("Europe/Amsterdam")
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


@pytest.fixture
def expert_olga():
    """An expert of another region."""
    elsewhere = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(elsewhere)
    org = OrganisationFactory(welfare=True, name="Welzijn Zuid", municipality=elsewhere)
    user = UserFactory(email="olga@voorzorg.test", full_name="Olga Dekker")
    MembershipFactory(user=user, organisation=org, role=Role.EXPERT)
    return user


def membership_of(user) -> Membership:
    return Membership.objects.select_related("organisation").get(user=user)


def at(day: dt.date, hour: int = 14, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMS)


def make_group(municipality, name: str = "Voorzorggroep") -> PeerGroup:
    return PeerGroup.objects.create(
        name=name,
        kind="voorzorggroep",
        municipality=municipality,
        capacity=12,
        start_date=dt.date(2026, 1, 1),
    )


def session(group, starts_at, facilitators, statuses: list[str]) -> GroupSession:
    s = GroupSession.objects.create(group=group, starts_at=starts_at)
    s.facilitators_present.add(*facilitators)
    for status in statuses:
        Attendance.objects.create(session=s, participant=ParticipantFactory(), status=status)
    return s


def contact(expert, day: dt.date) -> Contact:
    return Contact.objects.create(
        participant=ParticipantFactory(), expert=expert, date=day, duration_minutes=30, mode="walk"
    )


# --- Months ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "previous", "following"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 10, 1), dt.date(2026, 12, 1)),
        (dt.date(2026, 1, 1), dt.date(2025, 12, 1), dt.date(2026, 2, 1)),
        (dt.date(2026, 12, 31), dt.date(2026, 11, 1), dt.date(2027, 1, 1)),
        (dt.date(2028, 3, 31), dt.date(2028, 2, 1), dt.date(2028, 4, 1)),
    ],
)
def test_calendar_month_bounds(today, previous, following):
    assert previous_month_start(today) == previous
    assert next_month_start(today) == following


@pytest.mark.parametrize(
    ("present", "expected", "rate"),
    [(0, 0, None), (3, 5, 60.0), (2, 3, 66.7), (1, 1, 100.0), (0, 4, 0.0)],
)
def test_attendance_rate(present, expected, rate):
    assert MonthFigures(present=present, expected=expected).attendance_rate == rate


# --- Figures for a small hand-made data set ------------------------------------------------------


@pytest.mark.django_db
def test_this_month_vs_last_month_figures(
    client_for, expert_eva, expert_finn, expert_olga, municipality, practice_a, region
):
    group = make_group(municipality)
    # November (this month): two sessions of Finn's, one co-led with Eva.
    session(
        group,
        at(dt.date(2026, 11, 2)),
        [expert_finn, expert_eva],
        [A.PRESENT, A.PRESENT, A.EXCUSED, A.ABSENT],
    )
    # 00:30 on 1 November in Amsterdam is still 31 October in UTC: it is November's.
    session(group, at(dt.date(2026, 11, 1), 0, 30), [expert_finn], [A.PRESENT])
    # October (last month): 23:30 on 31 October in Amsterdam.
    session(group, at(dt.date(2026, 10, 31), 23, 30), [expert_finn], [A.PRESENT, A.ABSENT])
    # Too old, and someone else's: not counted for Finn.
    session(group, at(dt.date(2026, 9, 30)), [expert_finn], [A.PRESENT])
    session(group, at(dt.date(2026, 11, 9)), [expert_olga], [A.ABSENT])
    # A session without any attendance recorded still counts as a session.
    session(group, at(dt.date(2026, 10, 5)), [expert_eva], [])
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 10, 31)):
        contact(expert_finn, day)
    contact(expert_finn, dt.date(2026, 9, 30))
    contact(expert_finn, dt.date(2026, 12, 1))
    for status in (S.ACCEPTED, S.IN_BRIDGING, S.IN_BRIDGING, S.CLOSED):
        ReferralFactory(
            participant__gp_practice=practice_a,
            region=region,
            status=status,
            assigned_expert=expert_finn,
            first_contact_date=dt.date(2026, 11, 2),
            close_reason="no_longer_needed" if status == S.CLOSED else "",
        )

    overview = team_overview(membership_of(expert_eva), today=TODAY)
    assert (overview.this_month, overview.last_month) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 10, 1),
    )
    rows = {row.expert: row for row in overview.rows}
    assert set(rows) == {expert_eva, expert_finn}  # Olga is in another region
    finn = rows[expert_finn]
    assert finn.caseload == 3
    assert finn.this_month == MonthFigures(sessions=2, contacts=2, present=3, expected=5)
    assert finn.last_month == MonthFigures(sessions=1, contacts=1, present=1, expected=2)
    assert (finn.this_month.attendance_rate, finn.last_month.attendance_rate) == (60.0, 50.0)
    eva = rows[expert_eva]
    assert eva.caseload == 0
    assert eva.this_month == MonthFigures(sessions=1, contacts=0, present=2, expected=4)
    assert eva.last_month == MonthFigures(sessions=1, contacts=0, present=0, expected=0)
    assert eva.last_month.attendance_rate is None

    html = client_for(expert_eva).get(reverse("groups:team")).content.decode()
    assert "Finn Mulder" in html and "Olga Dekker" not in html
    assert "60,0%" in html and "50,0%" in html
    # Figures only: no participant's number on the page.
    assert "VZ-" not in html


@pytest.mark.django_db
def test_admin_sees_every_region(client_for, admin_ada, expert_eva, expert_olga):
    rows = {row.expert for row in team_overview(membership_of(admin_ada), today=TODAY).rows}
    assert {expert_eva, expert_olga} <= rows
    html = client_for(admin_ada).get(reverse("groups:team")).content.decode()
    assert "Olga Dekker" in html and "Eva Bakker" in html


# --- Access, audit, query count ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("expert_eva", 200),
        ("admin_ada", 200),
        ("expert_finn", 403),
        ("poh_anna", 403),
        ("coordinator_cor", 403),
    ],
)
def test_who_may_open_the_team_view(client_for, personas, expert_finn, persona, status):
    user = expert_finn if persona == "expert_finn" else personas[persona]
    assert client_for(user).get(reverse("groups:team")).status_code == status


@pytest.mark.django_db
def test_team_link_in_the_menu_for_leads_and_admins_only(client_for, expert_eva, expert_finn):
    link = f'href="{reverse("groups:team")}"'
    assert link in client_for(expert_eva).get(reverse("groups:worklist")).content.decode()
    assert link not in client_for(expert_finn).get(reverse("groups:worklist")).content.decode()


@pytest.mark.django_db
def test_visit_is_logged_without_persons(client_for, expert_eva, expert_finn):
    client_for(expert_eva).get(reverse("groups:team"))
    client_for(expert_finn).get(reverse("groups:team"))
    rows = AccessLog.objects.filter(event="team.view")
    assert sorted((r.actor_id, r.access_granted, r.person_id) for r in rows) == sorted(
        [(expert_eva.pk, True, ""), (expert_finn.pk, False, "")]
    )


def _experts(n: int, welfare_org, group, *, offset: int = 0) -> None:
    """n experts of the region, each with a session, attendance, contacts and a referral."""
    for i in range(offset, offset + n):
        user = UserFactory()
        MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
        session(group, at(dt.date(2026, 11, 2), 8) + dt.timedelta(minutes=i), [user], [A.PRESENT])
        session(group, at(dt.date(2026, 10, 2), 8) + dt.timedelta(minutes=i), [user], [A.ABSENT])
        contact(user, dt.date(2026, 11, 3))
        contact(user, dt.date(2026, 10, 3))
        ReferralFactory(status=S.ACCEPTED, assigned_expert=user)


@pytest.mark.django_db
def test_team_view_query_count_is_fixed_whatever_the_number_of_experts(
    client_for, expert_eva, welfare_org, municipality, region, django_assert_num_queries
):
    client = client_for(expert_eva)
    group = make_group(municipality)
    _experts(2, welfare_org, group)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("groups:team"))
    _experts(18, welfare_org, group, offset=2)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("groups:team"))
    assert response.status_code == 200
    rows = team_overview(membership_of(expert_eva), today=TODAY).rows
    assert len(rows) == 21  # Eva herself and 20 more
    assert sum(row.this_month.sessions for row in rows) == 20


@pytest.mark.django_db
def test_caseload_against_her_maximum_and_the_spread(
    client_for, expert_eva, expert_finn, region, municipality
):
    """Her maximum shows where the lead may read her profile (her own organisation), with
    a warning above it; an expert of another organisation in the region shows none."""
    from voorzorg.accounts.models import ExpertProfile

    finn_role = expert_finn.memberships.get()
    ExpertProfile.objects.create(membership=finn_role, opted_in=True, max_caseload=2)
    for _ in range(3):
        ReferralFactory(region=region, status=S.ACCEPTED, assigned_expert=expert_finn)
    neighbour = OrganisationFactory(welfare=True, name="Welzijn Oost", municipality=municipality)
    kees = UserFactory(email="kees@voorzorg.test", full_name="Kees Oost")
    kees_role = MembershipFactory(user=kees, organisation=neighbour, role=Role.EXPERT)
    ExpertProfile.objects.create(membership=kees_role, opted_in=True, max_caseload=9)

    overview = team_overview(expert_eva.memberships.get(), today=TODAY)
    rows = {row.expert.full_name: row for row in overview.rows}
    assert (rows["Finn Mulder"].caseload, rows["Finn Mulder"].max_caseload) == (3, 2)
    assert rows["Finn Mulder"].over_max
    assert rows["Kees Oost"].max_caseload is None  # another organisation's profile
    assert overview.caseload_spread == (0, 3)
    page = client_for(expert_eva).get(reverse("groups:team")).content.decode()
    assert "van hoogstens 2" in page and "boven haar maximum" in page
    assert reverse("accounts:expert_profile", args=[finn_role.pk]) in page
    assert "van hoogstens 9" not in page
