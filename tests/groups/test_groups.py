"""Peer groups over HTTP: who may open what, the group form, enrolments and capacity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.constants import EnrolmentStatus
from groups.models import Enrolment, PeerGroup
from tests.factories import (
    EnrolmentFactory,
    GroupSessionFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert, not a team lead: facilitates the group."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def expert_gijs(welfare_org):
    """An experience expert who neither facilitates the group nor leads the team."""
    user = UserFactory(email="gijs@voorzorg.test", full_name="Gijs Dijkstra")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def group(municipality, region, expert_finn):
    return PeerGroupFactory(
        name="Voorzorggroep Stadskanaal", municipality=municipality, facilitators=[expert_finn]
    )


@pytest.fixture
def enrolment(group, participant_a):
    return EnrolmentFactory(group=group, participant=participant_a)


@pytest.fixture
def elsewhere():
    """A municipality in another region, with its own group."""
    municipality = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(municipality)
    return municipality


@pytest.fixture
def people(personas, expert_finn, expert_gijs):
    return {**personas, "expert_finn": expert_finn, "expert_gijs": expert_gijs}


def group_urls(group, enrolment) -> dict[str, str]:
    return {
        "group_detail": reverse("groups:group_detail", args=[group.pk]),
        "group_edit": reverse("groups:group_edit", args=[group.pk]),
        "enrol": reverse("groups:enrol", args=[group.pk]),
        "enrolment_edit": reverse("groups:enrolment_edit", args=[group.pk, enrolment.pk]),
        "session_log": reverse("groups:session_log", args=[group.pk]),
    }


# --- Who may open what ----------------------------------------------------------------------


GROUP_PAGE_ACCESS = [
    ("expert_finn", 200),  # facilitator
    ("expert_gijs", 404),  # another expert: neither facilitator nor team lead
    ("expert_eva", 200),  # team lead of the group's region
    ("poh_anna", 403),
    ("coordinator_cor", 403),
    ("admin_ada", 200),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), GROUP_PAGE_ACCESS)
@pytest.mark.parametrize(
    "page", ["group_detail", "group_edit", "enrol", "enrolment_edit", "session_log"]
)
def test_who_may_open_a_group_page(client_for, people, group, enrolment, page, persona, status):
    response = client_for(people[persona]).get(group_urls(group, enrolment)[page])
    assert response.status_code == status
    assert ("Sanne Kuipers" in response.content.decode()) is (
        # Pages with the roster or the person; enrolled already, she is no enrol choice.
        status == 200 and page in ("group_detail", "enrolment_edit", "session_log")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), GROUP_PAGE_ACCESS)
def test_who_may_open_a_session(client_for, people, group, enrolment, persona, status):
    session = GroupSessionFactory(group=group)
    url = reverse("groups:session_detail", args=[group.pk, session.pk])
    assert client_for(people[persona]).get(url).status_code == status


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_login_page_everywhere(client, group, enrolment):
    session = GroupSessionFactory(group=group)
    urls = [
        *group_urls(group, enrolment).values(),
        reverse("groups:group_list"),
        reverse("groups:group_create"),
        reverse("groups:session_detail", args=[group.pk, session.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_team_lead_of_another_region_gets_404(client_for, expert_eva, elsewhere):
    other = PeerGroupFactory(municipality=elsewhere, facilitators=[UserFactory()])
    response = client_for(expert_eva).get(reverse("groups:group_detail", args=[other.pk]))
    assert response.status_code == 404
    assert AccessLog.objects.filter(
        event=f"group.view:{other.pk}", access_granted=False, actor=expert_eva
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("expert_finn", 200),
        ("expert_gijs", 200),
        ("expert_eva", 200),
        ("poh_anna", 403),
        ("coordinator_cor", 403),
        ("admin_ada", 200),
    ],
)
def test_who_may_open_my_groups(client_for, people, group, persona, status):
    response = client_for(people[persona]).get(reverse("groups:group_list"))
    assert response.status_code == status


@pytest.mark.django_db
def test_my_groups_lists_each_persona_its_own_scope(
    client_for, expert_finn, expert_gijs, expert_eva, admin_ada, group, elsewhere
):
    PeerGroupFactory(name="Huiskamer Amsterdam", municipality=elsewhere, kind="huiskamer")
    url = reverse("groups:group_list")

    def names(user) -> set[str]:
        body = client_for(user).get(url).content.decode()
        return {n for n in ("Voorzorggroep Stadskanaal", "Huiskamer Amsterdam") if n in body}

    assert names(expert_finn) == {"Voorzorggroep Stadskanaal"}  # facilitates it
    assert names(expert_gijs) == set()
    assert names(expert_eva) == {"Voorzorggroep Stadskanaal"}  # her region only
    # An admin sees her own region's groups; other regions only through break-the-glass.
    assert names(admin_ada) == {"Voorzorggroep Stadskanaal"}


@pytest.mark.django_db
def test_my_groups_is_in_the_menu_of_experts_and_admins(client_for, expert_finn, admin_ada):
    for user in (expert_finn, admin_ada):
        body = client_for(user).get(
            reverse("groups:worklist" if user == expert_finn else "accounts:beheer")
        )
        assert reverse("groups:group_list") in body.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("expert_finn", 403),  # not a team lead
        ("expert_eva", 200),
        ("poh_anna", 403),
        ("coordinator_cor", 403),
        ("admin_ada", 200),
    ],
)
def test_who_may_create_a_group(client_for, people, persona, status):
    assert client_for(people[persona]).get(reverse("groups:group_create")).status_code == status


# --- The group form -------------------------------------------------------------------------


def group_post(municipality, facilitators, **overrides) -> dict:
    data = {
        "name": "Huiskamer De Kanaalstreek",
        "kind": "huiskamer",
        "theme": "",
        "target_group": "",
        "facilitators": [f.pk for f in facilitators],
        "municipality": municipality.pk,
        "location": "Buurthuis, Stadskanaal",
        "meeting_url": "",
        "frequency": "weekly",
        "weekday": "2",
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": "",
        "start_date": "2026-12-01",
        "end_date": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_team_lead_creates_a_group_with_the_default_capacity(
    client_for, expert_eva, expert_finn, municipality, region, welfare_org
):
    response = client_for(expert_eva).post(
        reverse("groups:group_create"),
        group_post(municipality, [expert_finn, expert_eva], organisations=[welfare_org.pk]),
    )
    group = PeerGroup.objects.get()
    assert response["Location"] == reverse("groups:group_detail", args=[group.pk])
    assert group.capacity == 25  # a drop-in living room holds more than a peer group
    assert set(group.facilitators.all()) == {expert_finn, expert_eva}
    assert list(group.organisations.all()) == [welfare_org]
    assert AccessLog.objects.filter(
        event=f"group.create:{group.pk}", action=AuditAction.CREATE, actor=expert_eva
    ).exists()


@pytest.mark.django_db
def test_team_lead_cannot_place_a_group_outside_her_region(
    client_for, expert_eva, expert_finn, region, elsewhere
):
    response = client_for(expert_eva).post(
        reverse("groups:group_create"), group_post(elsewhere, [expert_finn])
    )
    assert response.status_code == 200
    assert "Niet opgeslagen" in response.content.decode()
    assert not PeerGroup.objects.exists()


@pytest.mark.django_db
def test_online_group_needs_a_link_and_times_must_run_forward(
    client_for, admin_ada, expert_finn, municipality
):
    response = client_for(admin_ada).post(
        reverse("groups:group_create"),
        group_post(municipality, [expert_finn], kind="online", end_time="09:00", capacity="8"),
    )
    body = response.content.decode()
    assert "Een online groep heeft een link naar de bijeenkomst." in body
    assert "De eindtijd ligt vóór of op de begintijd." in body
    assert 'value="Huiskamer De Kanaalstreek"' in body  # input kept
    assert not PeerGroup.objects.exists()


@pytest.mark.django_db
def test_facilitator_edits_her_groups_details(client_for, expert_finn, group, municipality):
    response = client_for(expert_finn).post(
        reverse("groups:group_edit", args=[group.pk]),
        group_post(
            municipality,
            [expert_finn],
            name="Voorzorggroep Stadskanaal",
            kind="voorzorggroep",
            capacity="10",
            theme="Omgaan met wachten",
        ),
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.capacity, group.theme) == (10, "Omgaan met wachten")
    assert AccessLog.objects.filter(event=f"group.update:{group.pk}", actor=expert_finn).exists()


@pytest.mark.django_db
def test_edit_by_an_outsider_is_404_and_changes_nothing(
    client_for, expert_gijs, group, municipality
):
    response = client_for(expert_gijs).post(
        reverse("groups:group_edit", args=[group.pk]),
        group_post(municipality, [expert_gijs], name="Overgenomen"),
    )
    assert response.status_code == 404
    group.refresh_from_db()
    assert group.name == "Voorzorggroep Stadskanaal"


# --- Enrolments and capacity ----------------------------------------------------------------


@pytest.mark.django_db
def test_team_lead_enrols_someone_she_may_see(client_for, expert_eva, group, referral_a):
    participant = referral_a.participant  # her region's referral: visible to her
    client = client_for(expert_eva)
    page = client.get(reverse("groups:enrol", args=[group.pk])).content.decode()
    assert "Sanne Kuipers" in page
    response = client.post(
        reverse("groups:enrol", args=[group.pk]),
        {"participant": participant.pk, "start_date": "2026-11-23"},
    )
    assert response["Location"] == reverse("groups:group_detail", args=[group.pk])
    enrolment = Enrolment.objects.get()
    assert (enrolment.participant, enrolment.status) == (participant, EnrolmentStatus.ACTIVE)
    assert AccessLog.objects.filter(
        event=f"enrolment.create:{enrolment.pk}",
        action=AuditAction.CREATE,
        person_id=participant.public_id,
    ).exists()
    # The person was looked up through her own access gate.
    assert AccessLog.objects.filter(event=f"participant.view:{participant.pk}").exists()


@pytest.mark.django_db
def test_nobody_can_enrol_a_person_they_may_not_see(client_for, expert_finn, group, referral_a):
    # Finn facilitates the group but was never assigned Sanne: he does not see her.
    client = client_for(expert_finn)
    assert (
        "Sanne Kuipers" not in client.get(reverse("groups:enrol", args=[group.pk])).content.decode()
    )
    response = client.post(
        reverse("groups:enrol", args=[group.pk]),
        {"participant": referral_a.participant.pk, "start_date": "2026-11-23"},
    )
    assert response.status_code == 200
    assert "Kies een deelnemer uit de lijst." in response.content.decode()
    assert not Enrolment.objects.exists()


@pytest.mark.django_db
def test_full_group_says_so_and_offers_a_waiting_place(client_for, expert_eva, group, referral_a):
    PeerGroup.objects.filter(pk=group.pk).update(capacity=2)
    EnrolmentFactory.create_batch(2, group=group)
    client = client_for(expert_eva)
    url = reverse("groups:enrol", args=[group.pk])
    post = {"participant": referral_a.participant.pk, "start_date": "2026-11-23"}

    response = client.post(url, post)
    body = response.content.decode()
    assert response.status_code == 200
    assert "De groep is vol: 2 van 2 plaatsen zijn bezet." in body
    assert 'name="waiting_list"' in body  # the waiting place is offered
    assert Enrolment.objects.filter(participant=referral_a.participant).count() == 0

    response = client.post(url, {**post, "waiting_list": "on"})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(participant=referral_a.participant)
    assert enrolment.status == EnrolmentStatus.WAITING
    assert Enrolment.objects.filter(group=group, status=EnrolmentStatus.ACTIVE).count() == 2


@pytest.mark.django_db
def test_enrolling_the_same_person_twice_is_refused(client_for, expert_eva, group, referral_a):
    EnrolmentFactory(group=group, participant=referral_a.participant)
    response = client_for(expert_eva).post(
        reverse("groups:enrol", args=[group.pk]),
        {"participant": referral_a.participant.pk, "start_date": "2026-11-23"},
    )
    assert response.status_code == 200
    assert Enrolment.objects.count() == 1


@pytest.mark.django_db
def test_leaving_frees_a_place_for_the_first_on_the_waiting_list(client_for, expert_finn, group):
    PeerGroup.objects.filter(pk=group.pk).update(capacity=1)
    leaving = EnrolmentFactory(group=group, participant__given_name="Lotte")
    first = EnrolmentFactory(
        group=group, waiting=True, start_date=dt.date(2026, 10, 1), participant__given_name="Eerst"
    )
    EnrolmentFactory(
        group=group, waiting=True, start_date=dt.date(2026, 10, 8), participant__given_name="Later"
    )
    client = client_for(expert_finn)
    detail = reverse("groups:group_detail", args=[group.pk])
    admit_url = reverse("groups:enrolment_edit", args=[group.pk, first.pk])
    admit = {"action": "admit", "admit-start_date": "2026-11-23"}

    body = client.get(detail).content.decode()
    assert "Eerste op de wachtlijst" in body
    assert (
        first.participant.full_name
        in body.split("Eerste op de wachtlijst")[1].split("</section>")[0]
    )
    assert admit_url not in body.split("Eerste op de wachtlijst")[1].split("</section>")[0]

    # Still full: moving in is refused, with the reason.
    response = client.post(admit_url, admit)
    assert "De groep is nog vol: 1 van 1 plaatsen zijn bezet." in response.content.decode()
    first.refresh_from_db()
    assert first.status == EnrolmentStatus.WAITING

    # Ending needs a date and a reason.
    end_url = reverse("groups:enrolment_edit", args=[group.pk, leaving.pk])
    response = client.post(end_url, {"action": "end", "end-end_date": "2026-11-20"})
    assert "Kies een reden van stoppen." in response.content.decode()
    leaving.refresh_from_db()
    assert leaving.status == EnrolmentStatus.ACTIVE
    response = client.post(
        end_url,
        {"action": "end", "end-end_date": "2026-11-20", "end-leaving_reason": "treatment_started"},
    )
    assert response["Location"] == detail
    leaving.refresh_from_db()
    assert (leaving.status, leaving.end_date, leaving.leaving_reason) == (
        EnrolmentStatus.ENDED,
        dt.date(2026, 11, 20),
        "treatment_started",
    )

    # Now the group page offers to move the first one in, and that works.
    body = client.get(detail).content.decode()
    assert admit_url in body
    assert client.post(admit_url, admit)["Location"] == detail
    first.refresh_from_db()
    assert (first.status, first.start_date) == (EnrolmentStatus.ACTIVE, dt.date(2026, 11, 23))
    assert AccessLog.objects.filter(
        event=f"enrolment.admit:{first.pk}", person_id=first.participant.public_id
    ).exists()
    assert AccessLog.objects.filter(
        event=f"enrolment.end:{leaving.pk}", person_id=leaving.participant.public_id
    ).exists()


@pytest.mark.django_db
def test_an_enrolment_of_another_group_is_404(client_for, expert_finn, group):
    other = EnrolmentFactory()  # in some other group
    url = reverse("groups:enrolment_edit", args=[group.pk, other.pk])
    assert client_for(expert_finn).get(url).status_code == 404


# --- Auditing and query counts --------------------------------------------------------------


@pytest.mark.django_db
def test_group_page_writes_one_read_row_per_person_shown(client_for, expert_eva, group, region):
    shown = [
        EnrolmentFactory(group=group),
        EnrolmentFactory(group=group, waiting=True),
        EnrolmentFactory(group=group, ended=True),
    ]
    # The leaver is shown to the team lead through her region's referral (test_leavers.py).
    ReferralFactory(participant=shown[-1].participant, region=region)
    client_for(expert_eva).get(reverse("groups:group_detail", args=[group.pk]))
    rows = AccessLog.objects.filter(event=f"group.roster:{group.pk}", action=AuditAction.READ)
    assert sorted(rows.values_list("person_id", flat=True)) == sorted(
        e.participant.public_id for e in shown
    )


def _fill(group, n: int) -> None:
    for e in EnrolmentFactory.create_batch(n, group=group):
        session = GroupSessionFactory(group=group)
        session.attendance.create(participant=e.participant, status="present")
    EnrolmentFactory.create_batch(n, group=group, waiting=True)
    EnrolmentFactory.create_batch(n, group=group, ended=True)


@pytest.mark.django_db
def test_group_page_query_count_is_fixed_whatever_the_roster_size(
    client_for, expert_finn, group, django_assert_num_queries
):
    client = client_for(expert_finn)
    url = reverse("groups:group_detail", args=[group.pk])
    _fill(group, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _fill(group, 12)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["admin_ada", "expert_eva"])
def test_my_groups_query_count_is_fixed_whatever_the_number_of_groups(
    client_for, personas, municipality, region, persona, django_assert_num_queries
):
    client = client_for(personas[persona])
    url = reverse("groups:group_list")

    def add(n: int) -> None:
        for g in PeerGroupFactory.create_batch(
            n, municipality=municipality, facilitators=[UserFactory(), UserFactory()]
        ):
            _fill(g, 1)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(20)
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count(reverse("groups:session_log", args=[PeerGroup.objects.last().pk])) == 1
    assert "1 van 12 plaatsen bezet" in body


@pytest.mark.django_db
def test_enrol_choices_are_audited_and_exclude_current_members(
    client_for, expert_eva, group, practice_a, region
):
    member = ReferralFactory(participant__gp_practice=practice_a, region=region).participant
    candidate = ReferralFactory(participant__gp_practice=practice_a, region=region).participant
    EnrolmentFactory(group=group, participant=member)
    ParticipantFactory()  # outside her scope
    client_for(expert_eva).get(reverse("groups:enrol", args=[group.pk]))
    shown = AccessLog.objects.filter(event=f"group.enrol_choices:{group.pk}")
    assert list(shown.values_list("person_id", flat=True)) == [candidate.public_id]


# --- Services, called directly (shell, API): the same rules hold --------------------------


@pytest.mark.django_db
def test_services_check_the_actor_again(expert_eva, expert_finn, expert_gijs, region, elsewhere):
    from groups.services.groups import enrolment_create, group_create
    from voorzorg.audit.services import Actor
    from voorzorg.core.exceptions import ApplicationError

    def actor(user) -> Actor:
        return Actor(user=user, membership=user.memberships.get())

    fields = {
        "name": "Themabijeenkomst Geld",
        "kind": "themabijeenkomst",
        "start_date": dt.date(2026, 12, 1),
    }
    with pytest.raises(ApplicationError, match="eigen regio"):
        group_create(
            actor=actor(expert_eva), facilitators=[expert_finn], municipality=elsewhere, **fields
        )
    with pytest.raises(ApplicationError, match="teamleider of functioneel beheerder"):
        group_create(
            actor=actor(expert_finn),
            facilitators=[expert_finn],
            municipality=region.municipalities.get(),
            **fields,
        )
    with pytest.raises(ApplicationError, match="ervaringsdeskundigen"):
        group_create(
            actor=actor(expert_eva),
            facilitators=[UserFactory()],  # no expert role
            municipality=region.municipalities.get(),
            **fields,
        )
    group = group_create(
        actor=actor(expert_eva),
        facilitators=[expert_finn],
        municipality=region.municipalities.get(),
        **fields,
    )
    assert group.capacity == 30
    with pytest.raises(ApplicationError, match="niemand inschrijven"):
        enrolment_create(
            actor=actor(expert_gijs),
            group=group,
            participant=ParticipantFactory(),
            start_date=dt.date(2026, 11, 23),
        )
    assert not Enrolment.objects.exists()
