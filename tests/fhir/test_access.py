"""Scope per persona, the name rules and the access log, for every resource type."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import EnrolmentFactory, ParticipantFactory, PeerGroupFactory
from tests.fhir.conftest import assert_outcome, fhir_get, validate
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = pytest.mark.django_db

# The resources of participant_a, by how to build their path from the world.
PATHS = {
    "Patient": lambda w: f"Patient/{w['participant'].public_id}",
    "ServiceRequest": lambda w: f"ServiceRequest/{w['referral'].pk}",
    "EpisodeOfCare-wait": lambda w: f"EpisodeOfCare/wait-{w['episode'].pk}",
    "EpisodeOfCare-bridge": lambda w: f"EpisodeOfCare/bridge-{w['referral'].pk}",
    "Task": lambda w: f"Task/{w['handover'].pk}",
    "Encounter-contact": lambda w: f"Encounter/contact-{w['contact'].pk}",
    "QuestionnaireResponse": lambda w: f"QuestionnaireResponse/{w['measurement'].pk}",
}

# Who may read participant_a's record: her own POH, the assigned expert, an admin of the
# region; not the other practice's POH nor an expert without a link to her.
PERSONA_STATUS = [
    ("poh_anna", 200),
    ("expert_eva", 200),
    ("admin_ada", 200),
    ("poh_bram", 404),
    ("expert_finn", 404),
    ("coordinator_cor", 403),
]


@pytest.mark.parametrize("resource", list(PATHS))
@pytest.mark.parametrize(("persona", "expected"), PERSONA_STATUS)
def test_read_scope_per_persona(world, users, client_for, resource, persona, expected):
    status, body = fhir_get(client_for(users[persona]), "/fhir/" + PATHS[resource](world))
    assert status == expected
    validate(body)
    if expected == 404:
        assert_outcome(body, "not-found")
    if expected == 403:
        assert_outcome(body, "forbidden")
        assert "aggregated" in body["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("expert_eva", 200), ("admin_ada", 200), ("poh_anna", 404), ("expert_finn", 404)],
)
@pytest.mark.parametrize("kind", ["group", "session"])
def test_group_and_session_scope(world, users, client_for, persona, expected, kind):
    path = (
        f"Group/{world['group'].pk}"
        if kind == "group"
        else f"Encounter/session-{world['session'].pk}"
    )
    status, body = fhir_get(client_for(users[persona]), f"/fhir/{path}")
    assert status == expected
    validate(body)


@pytest.mark.parametrize("resource", [*PATHS, "Group"])
def test_anonymous_is_refused(world, resource):
    path = f"Group/{world['group'].pk}" if resource == "Group" else PATHS[resource](world)
    status, body = fhir_get(Client(), f"/fhir/{path}")
    assert status in (401, 403)
    assert_outcome(body, "login")
    assert not AccessLog.objects.filter(person_id=world["participant"].public_id).exists()


@pytest.mark.parametrize("resource_type", ["Patient", "ServiceRequest", "Group", "Encounter"])
def test_coordinator_is_refused_every_search(world, client_for, coordinator_cor, resource_type):
    status, body = fhir_get(client_for(coordinator_cor), f"/fhir/{resource_type}")
    assert status == 403
    assert_outcome(body, "forbidden")
    row = AccessLog.objects.get(event=f"fhir.{resource_type}.search")
    assert row.access_granted is False


# --- Name shown or hidden ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "who", "named"),
    [
        ("poh_anna", "participant", True),  # her own practice
        ("poh_anna", "participant_region", True),
        ("expert_eva", "participant", True),  # assigned to her
        ("expert_eva", "participant_region", False),  # only through her region (team lead)
        ("admin_ada", "participant_region", True),
        ("poh_bram", "participant_b", True),
    ],
)
def test_patient_details_only_for_who_may_see_them(world, users, client_for, persona, who, named):
    participant = world[who]
    status, body = fhir_get(client_for(users[persona]), f"/fhir/Patient/{participant.public_id}")
    assert status == 200
    validate(body)
    assert body["identifier"][0]["value"] == participant.public_id
    for key in ("name", "telecom", "birthDate", "generalPractitioner"):
        assert (key in body) is named, key
    assert (participant.family_name in str(body)) is named
    if not named:
        assert body["meta"]["security"][0]["code"] == "PSEUDED"


def test_help_question_only_with_details(world, client_for, expert_eva):
    referral = world["referral_region"]
    status, body = fhir_get(client_for(expert_eva), f"/fhir/ServiceRequest/{referral.pk}")
    assert status == 200
    validate(body)
    assert "note" not in body
    assert "reasonCode" not in body


def test_group_lists_only_members_in_the_callers_scope(
    world, client_for, expert_eva, expert_finn, municipality
):
    """Finn's group in eva's region: eva (team lead) sees the group, but of its members
    only Sanne (assigned to her), not Tom (no referral, not in her groups). The count
    is a number, not a person: both active members."""
    group = PeerGroupFactory(municipality=municipality, facilitators=[expert_finn])
    EnrolmentFactory(participant=world["participant"], group=group)
    tom = ParticipantFactory()
    EnrolmentFactory(participant=tom, group=group)
    EnrolmentFactory(participant=ParticipantFactory(), group=group, waiting=True)

    status, body = fhir_get(client_for(expert_eva), f"/fhir/Group/{group.pk}")
    assert status == 200
    validate(body)
    assert body["quantity"] == 2
    assert [m["entity"]["reference"] for m in body["member"]] == [
        f"Patient/{world['participant'].public_id}"
    ]

    # Finn facilitates: he sees both members (the waiting-list place is no member yet),
    # by pseudonym only, since neither is assigned to him.
    status, body = fhir_get(client_for(expert_finn), f"/fhir/Group/{group.pk}")
    assert {m["entity"]["reference"] for m in body["member"]} == {
        f"Patient/{world['participant'].public_id}",
        f"Patient/{tom.public_id}",
    }
    status, patient = fhir_get(client_for(expert_finn), f"/fhir/Patient/{tom.public_id}")
    assert status == 200
    assert "name" not in patient


# --- Access log ---------------------------------------------------------------------------


def test_read_writes_one_granted_row_for_the_person(world, client_for, poh_anna):
    public_id = world["participant"].public_id
    fhir_get(client_for(poh_anna), f"/fhir/Patient/{public_id}")
    row = AccessLog.objects.get(event=f"fhir.Patient.read:{public_id}")
    assert row.person_id == public_id
    assert row.action == AuditAction.READ
    assert row.access_granted is True
    assert row.actor == poh_anna
    assert row.role == "poh"


def test_refused_read_writes_a_refused_row_without_the_person(world, client_for, poh_bram):
    referral = world["referral"]
    fhir_get(client_for(poh_bram), f"/fhir/ServiceRequest/{referral.pk}")
    row = AccessLog.objects.get(event=f"fhir.ServiceRequest.read:{referral.pk}")
    assert row.access_granted is False
    assert row.person_id == ""


def test_search_writes_one_row_per_person_in_the_result(world, client_for, poh_anna):
    status, body = fhir_get(client_for(poh_anna), "/fhir/ServiceRequest")
    assert status == 200
    shown = {e["resource"]["subject"]["reference"].split("/")[1] for e in body["entry"]}
    assert shown == {world["participant"].public_id, world["participant_region"].public_id}
    rows = AccessLog.objects.filter(event="fhir.ServiceRequest.search")
    assert sorted(rows.values_list("person_id", flat=True)) == sorted(shown)
    assert all(r.access_granted for r in rows)


def test_group_read_logs_every_member_shown(world, client_for, expert_eva):
    fhir_get(client_for(expert_eva), f"/fhir/Group/{world['group'].pk}")
    rows = AccessLog.objects.filter(event=f"fhir.Group.read:{world['group'].pk}")
    assert list(rows.values_list("person_id", flat=True)) == [world["participant"].public_id]


def test_empty_search_still_logs_the_access(world, client_for, poh_bram):
    status, body = fhir_get(client_for(poh_bram), "/fhir/Group")
    assert status == 200
    assert body["total"] == 0
    row = AccessLog.objects.get(event="fhir.Group.search")
    assert row.person_id == ""


def test_a_user_without_any_role_is_refused(world, client_for):
    from tests.factories import UserFactory

    nobody = UserFactory()
    status, body = fhir_get(client_for(nobody), f"/fhir/Patient/{world['participant'].public_id}")
    assert status == 403
    assert_outcome(body, "forbidden")
