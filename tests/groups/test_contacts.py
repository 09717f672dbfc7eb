"""One-on-one contacts: who may record and read them, the first contact of a referral."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Contact
from groups.services.contacts import contact_record
from referrals.constants import ReferralStatus as S
from referrals.models import Referral, ReferralEvent
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    PositiveHealthMeasurementFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert without the team-lead flag: sees only what is assigned to her."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def accepted_for_finn(referral_a, expert_finn):
    """referral_a (verwezen 1-10-2026), accepted and assigned to Finn."""
    Referral.objects.filter(pk=referral_a.pk).update(status=S.ACCEPTED, assigned_expert=expert_finn)
    return Referral.objects.get(pk=referral_a.pk)


def actor_for(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.filter(user=user).first())


def contact_post(**overrides) -> dict:
    data = {
        "date": "2026-11-20",
        "duration_preset": "30",
        "duration_other": "",
        "mode": "phone",
        "life_domains": ["werk", "sociale_relaties"],
        "partner": "",
        "partner_organisation": "",
        "note": "Kennismaking; wil graag naar de Voorzorggroep.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def persona(name, personas, expert_finn):
    return expert_finn if name == "expert_finn" else personas[name]


# --- Who may -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("expert_eva", 200),  # team lead of the referral's region: sees the participant
        ("admin_ada", 200),
        ("expert_finn", 404),  # an expert who does not see the participant
        ("poh_anna", 403),  # reads contacts, never records them
        ("poh_bram", 403),
        ("coordinator_cor", 403),
    ],
)
def test_who_may_open_the_contact_form(client_for, personas, expert_finn, referral_a, who, status):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    response = client_for(persona(who, personas, expert_finn)).get(url)
    assert response.status_code == status
    if status == 200:
        assert 'value="2026-11-23"' in response.content.decode()  # the date defaults to today


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("expert_eva", 302),
        ("admin_ada", 302),
        ("expert_finn", 404),
        ("poh_anna", 403),
        ("coordinator_cor", 403),
    ],
)
def test_who_may_record_a_contact(client_for, personas, expert_finn, referral_a, who, status):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    response = client_for(persona(who, personas, expert_finn)).post(url, contact_post())
    assert response.status_code == status
    assert Contact.objects.count() == (1 if status == 302 else 0)
    if status == 302:
        assert response["Location"] == reverse(
            "referrals:participant", args=[referral_a.participant_id]
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("expert_eva", 200),
        ("admin_ada", 200),
        ("poh_anna", 200),  # her practice's participant: she reads the contacts
        ("poh_bram", 404),
        ("expert_finn", 404),
        ("coordinator_cor", 403),
    ],
)
def test_who_may_read_all_contacts(
    client_for, personas, expert_finn, expert_eva, referral_a, who, status
):
    ContactFactory(participant=referral_a.participant, expert=expert_eva, note="Wandeling gehad")
    url = reverse("groups:contact_list", args=[referral_a.participant_id])
    response = client_for(persona(who, personas, expert_finn)).get(url)
    assert response.status_code == status
    assert ("Wandeling gehad" in response.content.decode()) is (status == 200)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["contact_create", "contact_list", "health_create"])
def test_anonymous_is_sent_to_the_login_page(client, participant_a, name):
    response = client.get(reverse(f"groups:{name}", args=[participant_a.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_poh_sees_contacts_on_the_participant_page_but_no_record_button(
    client_for, poh_anna, poh_bram, expert_eva, referral_a
):
    ContactFactory(
        participant=referral_a.participant,
        expert=expert_eva,
        mode="walk",
        partner="schuldhulpverlening",
        partner_organisation="Kredietbank Groningen",
    )
    page = reverse("referrals:participant", args=[referral_a.participant_id])
    body = client_for(poh_anna).get(page).content.decode()
    assert "Wandeling" in body
    assert "Eva Bakker" in body
    assert "Kredietbank Groningen" in body
    assert reverse("groups:contact_create", args=[referral_a.participant_id]) not in body
    assert client_for(poh_bram).get(page).status_code == 404


@pytest.mark.django_db
def test_expert_sees_the_record_button_on_the_participant_page(client_for, expert_eva, referral_a):
    page = reverse("referrals:participant", args=[referral_a.participant_id])
    body = client_for(expert_eva).get(page).content.decode()
    assert reverse("groups:contact_create", args=[referral_a.participant_id]) in body
    assert "Nog geen contacten vastgelegd." in body


# --- Recording ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_saves_the_contact_and_writes_the_audit_row(client_for, expert_eva, referral_a):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    client_for(expert_eva).post(
        url,
        contact_post(partner="wijkteam", partner_organisation="Wijkteam Oost", mode="walk"),
    )
    contact = Contact.objects.get()
    assert (contact.expert, contact.date, contact.duration_minutes, contact.mode) == (
        expert_eva,
        dt.date(2026, 11, 20),
        30,
        "walk",
    )
    assert contact.life_domains == ["sociale_relaties", "werk"]
    assert (contact.partner, contact.partner_organisation) == ("wijkteam", "Wijkteam Oost")
    row = AccessLog.objects.get(event=f"contact.create:{contact.pk}")
    assert row.action == AuditAction.CREATE
    assert row.person_id == referral_a.participant.public_id
    assert row.actor == expert_eva


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preset", "other", "minutes"),
    [("45", "", 45), ("15", "50", 50), (None, "90", 90)],
)
def test_duration_is_a_quick_choice_or_a_free_number(
    client_for, expert_eva, referral_a, preset, other, minutes
):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(
        url, contact_post(duration_preset=preset, duration_other=other)
    )
    assert response.status_code == 302
    assert Contact.objects.get().duration_minutes == minutes


@pytest.mark.django_db
def test_validation_keeps_what_was_typed(client_for, expert_eva, referral_a):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(
        url,
        contact_post(
            mode=None, duration_preset=None, duration_other="50", life_domains=["huisvesting"]
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kies hoe het contact was." in body
    assert "Kennismaking; wil graag naar de Voorzorggroep." in body
    assert 'value="50"' in body
    assert re.search(r'<input[^>]*value="huisvesting"[^>]*checked', body)
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_a_duration_is_required(client_for, expert_eva, referral_a):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(url, contact_post(duration_preset=None))
    assert "Kies of vul in hoe lang het contact duurde." in response.content.decode()
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_a_future_date_is_refused(client_for, expert_eva, referral_a):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(url, contact_post(date="2026-11-24"))
    assert response.status_code == 200
    assert "De datum van het contact ligt in de toekomst." in response.content.decode()
    assert Contact.objects.count() == 0
    assert not AccessLog.objects.filter(event__startswith="contact.create").exists()


@pytest.mark.django_db
def test_a_partner_organisation_needs_a_kind_of_partner(client_for, expert_eva, referral_a):
    url = reverse("groups:contact_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(url, contact_post(partner_organisation="Wijkteam"))
    body = response.content.decode()
    assert "Kies ook naar welke soort partner u heeft doorverwezen." in body
    assert '<details class="mb-3" open>' in body  # the section stays open to show it
    assert Contact.objects.count() == 0


# --- The first contact of a referral ------------------------------------------------------


@pytest.mark.django_db
def test_first_contact_starts_bridging_and_a_second_changes_nothing(
    client_for, expert_finn, accepted_for_finn
):
    url = reverse("groups:contact_create", args=[accepted_for_finn.participant_id])
    client = client_for(expert_finn)
    assert client.post(url, contact_post(date="2026-11-20")).status_code == 302
    referral = Referral.objects.get(pk=accepted_for_finn.pk)
    assert (referral.status, referral.first_contact_date) == (S.IN_BRIDGING, dt.date(2026, 11, 20))
    event = ReferralEvent.objects.get(referral=referral, to_status=S.IN_BRIDGING)
    assert (event.from_status, event.by) == (S.ACCEPTED, expert_finn)

    assert client.post(url, contact_post(date="2026-11-22")).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.first_contact_date) == (S.IN_BRIDGING, dt.date(2026, 11, 20))
    assert ReferralEvent.objects.filter(referral=referral, to_status=S.IN_BRIDGING).count() == 1
    assert Contact.objects.count() == 2


@pytest.mark.django_db
def test_the_team_lead_may_start_bridging_for_her_region(expert_eva, accepted_for_finn):
    contact_record(
        actor=actor_for(expert_eva),
        participant=accepted_for_finn.participant,
        date=dt.date(2026, 11, 21),
        duration_minutes=45,
        mode="face_to_face",
        life_domains=[],
    )
    referral = Referral.objects.get(pk=accepted_for_finn.pk)
    assert (referral.status, referral.first_contact_date) == (S.IN_BRIDGING, dt.date(2026, 11, 21))


@pytest.mark.django_db
def test_a_contact_before_the_referral_date_refuses_both_and_writes_nothing(
    client_for, expert_finn, accepted_for_finn
):
    logged_before = AccessLog.objects.exclude(action=AuditAction.READ).count()
    url = reverse("groups:contact_create", args=[accepted_for_finn.participant_id])
    response = client_for(expert_finn).post(url, contact_post(date="2026-09-30"))
    assert response.status_code == 200
    assert "vóór de verwijsdatum (01-10-2026)" in response.content.decode()
    assert Contact.objects.count() == 0
    referral = Referral.objects.get(pk=accepted_for_finn.pk)
    assert (referral.status, referral.first_contact_date) == (S.ACCEPTED, None)
    assert not ReferralEvent.objects.filter(referral=referral).exists()
    assert AccessLog.objects.exclude(action=AuditAction.READ).count() == logged_before


@pytest.mark.django_db
def test_an_ordinary_contact_before_the_referral_date_is_fine(expert_eva, referral_a):
    """Without an accepted referral to start, a contact is just a contact."""
    contact_record(
        actor=actor_for(expert_eva),
        participant=referral_a.participant,
        date=dt.date(2026, 9, 30),
        duration_minutes=15,
        mode="phone",
        life_domains=[],
    )
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


@pytest.mark.django_db
def test_the_service_refuses_a_poh_and_an_expert_who_does_not_see_the_person(
    poh_anna, expert_finn, referral_a
):
    for user in (poh_anna, expert_finn):
        with pytest.raises(ApplicationError):
            contact_record(
                actor=actor_for(user),
                participant=referral_a.participant,
                date=dt.date(2026, 11, 20),
                duration_minutes=30,
                mode="phone",
                life_domains=[],
            )
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_unknown_life_domains(expert_eva, referral_a):
    with pytest.raises(ApplicationError) as exc:
        contact_record(
            actor=actor_for(expert_eva),
            participant=referral_a.participant,
            date=dt.date(2026, 11, 20),
            duration_minutes=30,
            mode="phone",
            life_domains=["ruimtevaart"],
        )
    assert "life_domains" in exc.value.extra


# --- The participant page and the list ------------------------------------------------------


@pytest.mark.django_db
def test_participant_page_shows_the_last_ten_newest_first_and_links_to_all(
    client_for, expert_eva, referral_a
):
    participant = referral_a.participant
    for day in range(1, 12):
        ContactFactory(
            participant=participant,
            expert=expert_eva,
            date=dt.date(2026, 11, day),
            note=f"dag{day}x",
        )
    page = reverse("referrals:participant", args=[participant.pk])
    body = client_for(expert_eva).get(page).content.decode()
    assert "dag1x" not in body  # the eleventh, oldest, is on the full list only
    assert body.index("dag11x") < body.index("dag10x") < body.index("dag2x")
    all_url = reverse("groups:contact_list", args=[participant.pk])
    assert all_url in body
    full = client_for(expert_eva).get(all_url).content.decode()
    assert "dag1x" in full and "dag11x" in full


@pytest.mark.django_db
def test_participant_page_links_to_all_contacts_only_when_there_are_more(
    client_for, expert_eva, referral_a
):
    ContactFactory(participant=referral_a.participant, expert=expert_eva)
    page = reverse("referrals:participant", args=[referral_a.participant_id])
    body = client_for(expert_eva).get(page).content.decode()
    # Each contact links to its own page; the list of all is not linked.
    assert f'href="{reverse("groups:contact_list", args=[referral_a.participant_id])}"' not in body


@pytest.mark.django_db
def test_contact_list_is_audited(client_for, poh_anna, referral_a):
    client_for(poh_anna).get(reverse("groups:contact_list", args=[referral_a.participant_id]))
    row = AccessLog.objects.get(event=f"participant.view:{referral_a.participant_id}")
    assert (row.actor, row.access_granted) == (poh_anna, True)


@pytest.mark.django_db
def test_participant_page_query_count_does_not_grow_with_contacts_or_measurements(
    client_for, expert_eva, referral_a, django_assert_num_queries
):
    participant = referral_a.participant
    client = client_for(expert_eva)
    page = reverse("referrals:participant", args=[participant.pk])

    def add(contacts: int, measurements: int) -> None:
        for _ in range(contacts):
            ContactFactory(participant=participant, expert=UserFactory())
        for i in range(measurements):
            PositiveHealthMeasurementFactory(
                participant=participant,
                recorded_by=expert_eva,
                measured_on=dt.date(2026, 10, 1) + dt.timedelta(days=i),
            )

    add(2, 2)
    client.get(page)  # warm up: the session and the template cache
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    add(18, 8)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(page)
    assert response.status_code == 200
