"""The person-record kernel: scope contributions, the one gate, dossier sections, erasure.

The rules are tested once here, at the kernel; the pages, APIs and FHIR that use them are
covered by the access matrix (tests/security) and their own suites.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import groups.person_record
import referrals.person_record
from groups.models import Contact, Signal
from participants import registry
from participants.dossier import participant_export
from participants.models import Participant
from participants.selectors import participant_scope, participants_for
from participants.services import participant_erase, participant_erase_refusal
from referrals.models import Handover, Referral, ReferralEvent
from tests.factories import ReferralFactory
from voorzorg.accounts import access_log
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.gate import OutOfScope, get_for, refuse
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor

from .conftest import PIET_SECRETS, SANNE_SECRETS, admin_actor


def actor_of(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user), client_address="::1")


@pytest.fixture
def registration(request):
    """Register under a test name; removed again after the test."""
    name = f"tests.{request.node.name}"
    request.addfinalizer(lambda: registry.unregister(name))
    return name


# --- Scope contributions --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_contribution_widens_the_scope_only_for_its_role(
    world, registration, coordinator_cor, poh_anna, poh_bram, expert_eva
):
    coordinator = Membership.objects.get(user=coordinator_cor)
    others = [Membership.objects.get(user=u) for u in (poh_anna, poh_bram, expert_eva)]
    before = {m.pk: set(participants_for(m)) for m in others}
    assert not participants_for(coordinator).exists()  # no app contributes to her role

    # A new kind of user: one function, registered for her role.
    registry.register_scope(
        registration,
        roles=[Role.COORDINATOR],
        contribution=lambda m: Q(given_name=SANNE_SECRETS["given_name"]),
    )

    assert list(participants_for(coordinator)) == [world.sanne]
    assert {m.pk: set(participants_for(m)) for m in others} == before
    registry.unregister(registration)
    assert not participants_for(coordinator).exists()


@pytest.mark.django_db
def test_a_role_scope_is_the_union_of_the_contributions_for_that_role(world, expert_eva):
    expert = Membership.objects.get(user=expert_eva)
    contributions = registry.scope_contributions(Role.EXPERT)
    assert referrals.person_record.with_a_referral_she_may_see in contributions
    assert groups.person_record.in_a_group_she_facilitates in contributions
    assert referrals.person_record.with_a_referral_she_may_see not in (
        registry.scope_contributions(Role.POH)
    )
    # Sanne through her referral, Piet only through the group Eva facilitates.
    by_referral = Participant.objects.filter(
        referrals.person_record.with_a_referral_she_may_see(expert)
    )
    by_group = Participant.objects.filter(groups.person_record.in_a_group_she_facilitates(expert))
    assert set(Participant.objects.filter(participant_scope(expert))) == (
        set(by_referral) | set(by_group)
    )


@pytest.mark.django_db
def test_without_a_membership_the_scope_is_empty(world):
    assert not participants_for(None).exists()


# --- The gate -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_gate_logs_a_granted_look_naming_the_person(world, poh_anna):
    actor = actor_of(poh_anna)
    found = get_for(
        actor,
        Participant.objects.all(),
        world.sanne.pk,
        event=f"kernel.view:{world.sanne.pk}",
        person_of=lambda p: p.public_id,
    )
    assert found == world.sanne
    row = AccessLog.objects.get()
    assert (row.event, row.access_granted, row.person_id, row.action) == (
        f"kernel.view:{world.sanne.pk}",
        True,
        world.sanne.public_id,
        AuditAction.READ,
    )
    assert (row.actor, row.actor_label, row.role) == (poh_anna, poh_anna.email, Role.POH)
    assert row.organisation_label == actor.membership.organisation.name
    assert row.client_address == "::1"


@pytest.mark.django_db
def test_the_gate_refuses_out_of_scope_with_a_404_and_a_row_naming_nobody(world, poh_anna):
    with pytest.raises(Http404) as refused:
        get_for(
            actor_of(poh_anna),
            Participant.objects.exclude(pk=world.sanne.pk),
            world.sanne.pk,
            event="kernel.view",
            person_of=lambda p: p.public_id,
        )
    assert isinstance(refused.value, OutOfScope)
    assert refused.value.offer_break_glass is False
    row = AccessLog.objects.get()
    assert (row.event, row.access_granted, row.person_id) == ("kernel.view", False, "")


@pytest.mark.django_db
def test_the_gate_offers_emergency_access_to_an_admin_only(world, admin_ada, poh_anna):
    def refused_for(user) -> OutOfScope:
        with pytest.raises(OutOfScope) as refused:
            get_for(
                actor_of(user),
                Participant.objects.none(),
                world.sanne.pk,
                event="kernel.view",
                offer_break_glass=True,
            )
        return refused.value

    assert refused_for(admin_ada).offer_break_glass is True
    assert refused_for(poh_anna).offer_break_glass is False


@pytest.mark.django_db
def test_a_record_of_several_people_logs_one_row_per_distinct_person(world, poh_anna):
    people = [world.sanne.public_id, world.piet.public_id, world.sanne.public_id, ""]
    get_for(
        actor_of(poh_anna),
        Participant.objects.all(),
        world.sanne.pk,
        event="kernel.group:1",
        people_of=lambda p: people,
        action=AuditAction.EXPORT,
    )
    rows = AccessLog.objects.order_by("pk")
    assert [(r.person_id, r.access_granted, r.action) for r in rows] == [
        (world.sanne.public_id, True, AuditAction.EXPORT),
        (world.piet.public_id, True, AuditAction.EXPORT),
    ]


@pytest.mark.django_db
def test_a_record_naming_nobody_logs_one_granted_row_without_a_person(world, poh_anna):
    get_for(
        actor_of(poh_anna),
        Participant.objects.all(),
        world.sanne.pk,
        event="kernel.session:1",
        people_of=lambda p: [],
    )
    row = AccessLog.objects.get()
    assert (row.event, row.access_granted, row.person_id) == ("kernel.session:1", True, "")


@pytest.mark.django_db
def test_an_empty_scope_is_refused_without_a_query(poh_anna):
    actor = actor_of(poh_anna)
    with CaptureQueriesContext(connection) as queries, pytest.raises(OutOfScope):
        get_for(actor, Participant.objects.none(), None, event="kernel.view:(malformed id)")
    # Only the row is written (and its organisation read); nothing is looked up.
    assert not [q for q in queries.captured_queries if Participant._meta.db_table in q["sql"]]
    assert any("audit_accesslog" in q["sql"] for q in queries.captured_queries)
    row = AccessLog.objects.get()
    assert (row.event, row.access_granted, row.person_id) == (
        "kernel.view:(malformed id)",
        False,
        "",
    )


@pytest.mark.django_db
def test_refuse_logs_a_refusal_and_returns_the_404(poh_anna):
    exc = refuse(actor_of(poh_anna), event="enrolment.view:9")
    assert isinstance(exc, Http404)
    row = AccessLog.objects.get()
    assert (row.event, row.access_granted, row.person_id) == ("enrolment.view:9", False, "")


@pytest.mark.django_db
def test_an_actor_from_a_request_is_its_user_role_and_address(poh_anna):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.user = poh_anna
    request.session = {}
    actor = Actor.from_request(request)
    assert actor == Actor(
        user=poh_anna, membership=Membership.objects.get(user=poh_anna), client_address="192.0.2.7"
    )
    # accounts writes its rows through the same actor, by the port audit plugs in.
    assert access_log.actor_of(request) == actor


def test_the_port_writes_the_audit_apps_action_codes():
    assert access_log.READ == AuditAction.READ
    assert access_log.DELETE == AuditAction.DELETE
    assert access_log.CREATE == AuditAction.CREATE
    assert access_log.UPDATE == AuditAction.UPDATE


# --- Dossier sections and erasure -----------------------------------------------------------


@pytest.mark.django_db
def test_a_registered_section_joins_the_export_in_its_place(world, registration):
    registry.register_dossier_section(
        registration, position=15, build=lambda p, m: {"probe": p.public_id}
    )
    keys = list(participant_export(world.sanne, None))
    assert keys.index("waiting_episodes") < keys.index("probe") < keys.index("group_enrolments")
    assert participant_export(world.sanne, None)["probe"] == world.sanne.public_id


@pytest.mark.django_db
def test_the_referrals_handler_erases_only_referral_rows(world):
    referrals.person_record.erase(world.sanne)

    closed = Referral.objects.get(pk=world.closed_referral.pk)
    assert closed.help_question == ""
    assert Referral.objects.get(pk=world.declined_referral.pk).decline_reason == "Gewist"
    assert not ReferralEvent.objects.filter(referral__participant=world.sanne).exclude(reason="")
    assert Handover.objects.get(referral=closed).summary == ""
    # Not its rows: the person, her contacts and signals, and another participant.
    assert Participant.objects.get(pk=world.sanne.pk).given_name == SANNE_SECRETS["given_name"]
    assert Contact.objects.get(participant=world.sanne).note == SANNE_SECRETS["contact_note"]
    signal = Signal.objects.get(participant=world.sanne)
    assert signal.description == SANNE_SECRETS["signal_description"]


@pytest.mark.django_db
def test_the_groups_handler_erases_only_group_rows(world):
    groups.person_record.erase(world.sanne)

    assert Contact.objects.get(participant=world.sanne).note == ""
    signal = Signal.objects.get(participant=world.sanne)
    assert (signal.description, signal.acknowledge_note) == ("", "")
    assert signal.resolution_note == "Gewist"
    # Not its rows: her referrals, and Piet's contact.
    closed = Referral.objects.get(pk=world.closed_referral.pk)
    assert closed.help_question == SANNE_SECRETS["help_question"]
    assert Contact.objects.get(participant=world.piet).note == PIET_SECRETS["contact_note"]


@pytest.mark.django_db
def test_erasure_calls_every_registered_handler_in_its_transaction(world, admin_ada, registration):
    seen = []
    registry.register_erasure(
        registration, lambda p: seen.append((p.pk, Participant.objects.get(pk=p.pk).given_name))
    )
    participant_erase(actor=admin_actor(admin_ada), participant=world.sanne, reason="Verzoek")
    # Called once, for her, after her own record was anonymised.
    assert seen == [(world.sanne.pk, "Gewist")]


@pytest.mark.django_db
def test_an_open_referral_refuses_the_erasure_and_is_linked(world):
    open_referral = ReferralFactory(participant=world.sanne, status="submitted")
    refusal = participant_erase_refusal(world.sanne)
    assert refusal is not None
    assert "lopende verwijzing" in refusal.message
    assert [link.url for link in refusal.blocking] == [
        reverse("referrals:detail", args=[open_referral.pk])
    ]
    # Labelled as the confirm page always listed them: date and status.
    status = open_referral.get_status_display()
    date = f"{open_referral.referral_date:%d-%m-%Y}"
    assert [link.label for link in refusal.blocking] == [f"Verwijzing van {date} — {status}"]
