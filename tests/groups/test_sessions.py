"""Logging a session with attendance: one phone screen, safe to submit twice."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from groups.models import Attendance, GroupSession
from groups.services.sessions import session_log
from participants.models import Participant
from tests.factories import (
    EnrolmentFactory,
    GroupSessionFactory,
    MembershipFactory,
    PeerGroupFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # a Monday
AMS = ZoneInfo("Europe/Amsterdam")
LAST_TUESDAY = "2026-11-17T19:30"


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def expert_gijs(welfare_org):
    user = UserFactory(email="gijs@voorzorg.test", full_name="Gijs Dijkstra")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def group(municipality, region, expert_finn):
    return PeerGroupFactory(
        name="Huiskamer Stadskanaal",
        kind="huiskamer",
        municipality=municipality,
        facilitators=[expert_finn],
    )


@pytest.fixture
def roster(group):
    """Three people taking part, one on the waiting list and one who left."""
    people = [
        EnrolmentFactory(
            group=group, participant__given_name=name, participant__family_name=family
        ).participant
        for name, family in (("Anouk", "Bakker"), ("Bas", "Visser"), ("Cas", "Zwart"))
    ]
    EnrolmentFactory(group=group, waiting=True, participant__given_name="Wachtend")
    EnrolmentFactory(group=group, ended=True, participant__given_name="Vertrokken")
    return people


def url(group) -> str:
    return reverse("groups:session_log", args=[group.pk])


def post_data(roster, statuses=("present", "excused", "absent"), **overrides) -> dict:
    data = {
        "starts_at": LAST_TUESDAY,
        "format": "in_person",
        "facilitators_present": [],
        "topic": "Slapen als je piekert",
        "walk_in_count": "4",
        "note": "Koffie was op.",
    }
    for participant, status in zip(roster, statuses, strict=True):
        data[f"aanwezig_{participant.pk}"] = status
    data.update(overrides)
    return data


def snapshot() -> tuple:
    sessions = list(
        GroupSession.objects.values_list(
            "pk", "starts_at", "topic", "walk_in_count", "note", "format", "updated_at"
        )
    )
    attendance = sorted(Attendance.objects.values_list("pk", "participant_id", "status"))
    return sessions, attendance, Participant.objects.count()


# --- Who may log ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("expert_finn", 302),  # facilitator
        ("expert_gijs", 404),
        ("expert_eva", 302),  # team lead of the region
        ("poh_anna", 403),
        ("coordinator_cor", 403),
        ("admin_ada", 302),
    ],
)
def test_who_may_log_a_session(
    client_for, personas, expert_finn, expert_gijs, group, roster, persona, status
):
    user = {**personas, "expert_finn": expert_finn, "expert_gijs": expert_gijs}[persona]
    response = client_for(user).post(
        url(group), post_data(roster, facilitators_present=[expert_finn.pk])
    )
    assert response.status_code == status
    assert GroupSession.objects.exists() is (status == 302)


@pytest.mark.django_db
def test_anonymous_post_goes_to_login_and_writes_nothing(client, group, roster):
    response = client.post(url(group), post_data(roster))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not GroupSession.objects.exists()


# --- The phone screen -----------------------------------------------------------------------


@pytest.mark.django_db
def test_form_lists_the_roster_one_fieldset_per_person_nothing_preselected(
    client_for, expert_finn, group, roster
):
    body = client_for(expert_finn).get(url(group)).content.decode()
    # Today at the group's start time.
    assert 'value="2026-11-23T19:30"' in body
    assert body.count('<fieldset class="vz-attendance">') == 3
    for person in roster:
        assert f">{person.full_name}</legend>" in body
        for i, label in enumerate(("Aanwezig", "Afgemeld", "Afwezig")):
            field_id = f"id_aanwezig_{person.pk}_{i}"
            assert f'id="{field_id}"' in body
            assert f'for="{field_id}">{label}</label>' in body
    assert "checked" not in body.split('id="h-roster"')[1].split("</section>")[0]
    # Waiting and departed people are not on the roster.
    assert "Wachtend" not in body and "Vertrokken" not in body
    # The facilitator who opens the form is proposed as the one who led it.
    checkbox = body.split('id="id_facilitators_present_0"')[0].rsplit("<input", 1)[1]
    assert f'value="{expert_finn.pk}"' in checkbox
    assert 'id="id_facilitators_present_0" checked' in body


@pytest.mark.django_db
def test_the_form_proposes_the_group_s_own_format(client_for, expert_finn, group):
    client = client_for(expert_finn)
    assert client.get(url(group)).context["form"].initial["format"] == "in_person"
    group.kind, group.meeting_url = "online", "https://meet.example.org/groep"
    group.save()
    assert client.get(url(group)).context["form"].initial["format"] == "online"


@pytest.mark.django_db
def test_log_once_then_the_identical_post_changes_nothing(client_for, expert_finn, group, roster):
    client = client_for(expert_finn)
    data = post_data(roster, facilitators_present=[expert_finn.pk])
    response = client.post(url(group), data)
    session = GroupSession.objects.get()
    assert response["Location"] == reverse("groups:session_detail", args=[group.pk, session.pk])
    assert session.starts_at == dt.datetime(2026, 11, 17, 19, 30, tzinfo=AMS)
    assert (session.topic, session.walk_in_count, session.note) == (
        "Slapen als je piekert",
        4,
        "Koffie was op.",
    )
    assert list(session.facilitators_present.all()) == [expert_finn]
    assert dict(Attendance.objects.values_list("participant__given_name", "status")) == {
        "Anouk": "present",
        "Bas": "excused",
        "Cas": "absent",
    }
    before = snapshot()

    client.post(url(group), data)  # the double tap, or the back button and submit again
    assert snapshot() == before
    assert session.facilitators_present.count() == 1


@pytest.mark.django_db
def test_a_second_post_with_a_changed_status_updates_instead_of_adding(
    client_for, expert_finn, group, roster
):
    client = client_for(expert_finn)
    client.post(url(group), post_data(roster, facilitators_present=[expert_finn.pk]))
    (sessions, attendance, _people) = snapshot()
    client.post(
        url(group),
        post_data(
            roster,
            statuses=("present", "present", "absent"),
            facilitators_present=[expert_finn.pk],
            walk_in_count="6",
        ),
    )
    assert GroupSession.objects.count() == 1 == len(sessions)
    assert Attendance.objects.count() == 3 == len(attendance)
    assert GroupSession.objects.get().walk_in_count == 6
    bas = Attendance.objects.get(participant=roster[1])
    assert bas.status == "present"
    # The same row, updated in place.
    assert bas.pk == next(pk for pk, pid, _s in attendance if pid == roster[1].pk)


@pytest.mark.django_db
def test_walk_ins_are_a_number_apart_from_the_persons(client_for, expert_finn, group, roster):
    people = Participant.objects.count()
    client_for(expert_finn).post(
        url(group),
        post_data(roster, facilitators_present=[expert_finn.pk], walk_in_count="9"),
    )
    session = GroupSession.objects.get()
    assert session.walk_in_count == 9
    assert Participant.objects.count() == people  # nobody created for a walk-in
    assert session.attendance.count() == len(roster)
    page = client_for(expert_finn).get(
        reverse("groups:session_detail", args=[group.pk, session.pk])
    )
    assert "1 aanwezig, 1 afgemeld, 1 afwezig" in page.content.decode()


@pytest.mark.django_db
def test_a_session_with_walk_ins_only(client_for, expert_finn, group):
    response = client_for(expert_finn).post(
        url(group),
        {
            "starts_at": LAST_TUESDAY,
            "format": "in_person",
            "facilitators_present": [expert_finn.pk],
            "walk_in_count": "7",
        },
    )
    assert response.status_code == 302
    session = GroupSession.objects.get()
    assert (session.walk_in_count, session.attendance.count()) == (7, 0)


@pytest.mark.django_db
def test_the_duration_is_logged_kept_when_left_empty_and_checked(
    client_for, expert_finn, group, roster
):
    client = client_for(expert_finn)
    page = client.get(url(group)).content.decode()
    assert 'name="duration_minutes" value="120"' in page  # a new session: two hours
    client.post(url(group), post_data(roster, facilitators_present=[expert_finn.pk]))
    assert GroupSession.objects.get().duration_minutes == 120  # left out: the default
    client.post(
        url(group),
        post_data(roster, facilitators_present=[expert_finn.pk], duration_minutes="90"),
    )
    session = GroupSession.objects.get()
    assert session.duration_minutes == 90
    # Opening the logged session shows its duration; an empty field keeps it.
    page = client.get(url(group), {"start": LAST_TUESDAY}).content.decode()
    assert 'name="duration_minutes" value="90"' in page
    client.post(
        url(group),
        post_data(roster, facilitators_present=[expert_finn.pk], duration_minutes=""),
    )
    assert GroupSession.objects.get().duration_minutes == 90
    refused = client.post(
        url(group),
        post_data(roster, facilitators_present=[expert_finn.pk], duration_minutes="700"),
    )
    assert "Controleer de duur: meer dan 10 uur is niet waarschijnlijk." in refused.content.decode()
    assert GroupSession.objects.get().duration_minutes == 90


# --- A failed save keeps the input and writes nothing ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"starts_at": "volgende week"}, "Vul een geldige datum en tijd in."),
        ({"starts_at": "2026-11-24T19:30"}, "Deze bijeenkomst ligt in de toekomst."),
        ({"starts_at": "2026-08-25T19:30"}, "De groep bestond op die dag nog niet."),
        ({"walk_in_count": "-2"}, "Het aantal kan niet negatief zijn."),
        ({"facilitators_present": []}, "Kies wie de bijeenkomst begeleidde."),
    ],
)
def test_a_failed_save_keeps_the_input_and_writes_nothing(
    client_for, expert_finn, group, roster, overrides, message
):
    data = post_data(roster, **{"facilitators_present": [expert_finn.pk], **overrides})
    response = client_for(expert_finn).post(url(group), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "Wat u invulde staat er nog." in body
    assert 'value="Slapen als je piekert"' in body
    assert "Koffie was op." in body
    if overrides.get("starts_at") not in ("volgende week", "2026-08-25T19:30"):
        # The chosen statuses are still chosen (the roster is the same that day).
        assert f'id="id_aanwezig_{roster[1].pk}_1" required checked' in body
    assert not GroupSession.objects.exists()
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_person_not_on_the_roster_injected_in_the_post_is_refused(
    client_for, expert_finn, group, roster
):
    outsider = EnrolmentFactory(participant__given_name="Buiten").participant  # other group
    waiting = group.enrolments.get(status="waiting").participant
    for stranger in (outsider, waiting):
        data = post_data(roster, facilitators_present=[expert_finn.pk])
        data[f"aanwezig_{stranger.pk}"] = "present"
        response = client_for(expert_finn).post(url(group), data)
        body = response.content.decode()
        assert response.status_code == 200
        assert "De presentielijst bevat iemand die op die dag niet in de groep zit." in body
        assert 'value="Slapen als je piekert"' in body
    assert not GroupSession.objects.exists()
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_everyone_on_the_roster_needs_a_status(client_for, expert_finn, group, roster):
    data = post_data(roster, facilitators_present=[expert_finn.pk])
    del data[f"aanwezig_{roster[2].pk}"]
    body = client_for(expert_finn).post(url(group), data).content.decode()
    assert "Kies aanwezig, afgemeld of afwezig." in body
    assert 'class="vz-attendance is-invalid"' in body
    assert not GroupSession.objects.exists()


# --- Rosters over time, and opening a logged session again ----------------------------------


@pytest.mark.django_db
def test_roster_is_who_took_part_on_that_day(client_for, expert_finn, group, roster):
    # A name no factory draws and HTML does not escape: "Nieuw" alone matched surnames
    # such as Nieuwenhuis, and a random "van 't Riet" is escaped in the page.
    newcomer = EnrolmentFactory(
        group=group,
        start_date=dt.date(2026, 11, 20),
        participant__given_name="Xandra",
        participant__family_name="Quarles",
    ).participant
    client = client_for(expert_finn)
    before = client.get(url(group) + f"?start={LAST_TUESDAY}").content.decode()
    assert newcomer.full_name not in before  # joined after that meeting
    today = client.get(url(group)).content.decode()
    assert newcomer.full_name in today


@pytest.mark.django_db
def test_opening_a_logged_session_shows_what_was_saved(client_for, expert_finn, group, roster):
    client = client_for(expert_finn)
    client.post(url(group), post_data(roster, facilitators_present=[expert_finn.pk]))
    session = GroupSession.objects.get()
    detail = client.get(reverse("groups:session_detail", args=[group.pk, session.pk]))
    edit = f"{url(group)}?start=2026-11-17T19%3A30"
    assert edit in detail.content.decode()
    body = client.get(edit).content.decode()
    assert "Bijeenkomst aanpassen" in body
    assert f'id="id_aanwezig_{roster[2].pk}_2" required checked' in body
    assert 'value="4"' in body  # walk-ins


# --- Auditing -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_rows_one_per_person_recorded_and_shown(client_for, expert_finn, group, roster):
    client = client_for(expert_finn)
    client.get(url(group))
    shown = AccessLog.objects.filter(event=f"group.session_roster:{group.pk}")
    assert sorted(shown.values_list("person_id", flat=True)) == sorted(p.public_id for p in roster)
    assert set(shown.values_list("action", flat=True)) == {AuditAction.READ}

    client.post(url(group), post_data(roster, facilitators_present=[expert_finn.pk]))
    session = GroupSession.objects.get()
    written = AccessLog.objects.filter(event=f"session.log:{session.pk}")
    assert sorted(written.values_list("person_id", flat=True)) == sorted(
        p.public_id for p in roster
    )
    assert set(written.values_list("action", flat=True)) == {AuditAction.CREATE}

    client.get(reverse("groups:session_detail", args=[group.pk, session.pk]))
    assert AccessLog.objects.filter(event=f"session.view:{session.pk}").count() == 3


@pytest.mark.django_db
def test_session_detail_of_another_group_is_404(client_for, expert_finn, group):
    other = GroupSessionFactory()
    response = client_for(expert_finn).get(
        reverse("groups:session_detail", args=[group.pk, other.pk])
    )
    assert response.status_code == 404


# --- The service itself ---------------------------------------------------------------------


def _actor(user) -> Actor:
    return Actor(user=user, membership=user.memberships.get())


@pytest.mark.django_db
def test_service_is_an_upsert_and_refuses_strangers(expert_finn, expert_gijs, group, roster):
    starts_at = dt.datetime(2026, 11, 17, 19, 30, tzinfo=AMS)
    kwargs = {
        "group": group,
        "starts_at": starts_at,
        "attendance": {p.pk: "present" for p in roster},
        "facilitators_present": [expert_finn],
        "walk_in_count": 2,
    }
    stranger = EnrolmentFactory().participant  # in another group
    first = session_log(actor=_actor(expert_finn), **kwargs)
    before = snapshot()
    again = session_log(actor=_actor(expert_finn), **kwargs)
    assert again.pk == first.pk
    assert snapshot() == before
    assert AccessLog.objects.filter(event=f"session.log:{first.pk}", action="U").count() == 3

    with pytest.raises(ApplicationError, match="geen bijeenkomst vastleggen"):
        session_log(actor=_actor(expert_gijs), **kwargs)
    with pytest.raises(ApplicationError, match="niet in de groep zit"):
        session_log(
            actor=_actor(expert_finn),
            **{**kwargs, "attendance": {**kwargs["attendance"], stranger.pk: "present"}},
        )
    assert snapshot() == before
