"""GET /fhir/Patient/<id>/$handover: the warm-handover Bundle, with consent only."""

from __future__ import annotations

import datetime as dt

import pytest

from participants.models import Consent
from tests.factories import WaitingEpisodeFactory
from tests.fhir.conftest import assert_outcome, fhir_get, give_share_consent, validate
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = pytest.mark.django_db


def _url(participant) -> str:
    return f"/fhir/Patient/{participant.public_id}/$handover"


def test_without_consent_403_with_a_clear_reason(world, client_for, expert_eva):
    status, body = fhir_get(client_for(expert_eva), _url(world["participant"]))
    assert status == 403
    assert_outcome(body, "forbidden")
    assert "consent" in body["issue"][0]["diagnostics"]
    row = AccessLog.objects.get(event=f"fhir.Patient.handover:{world['participant'].public_id}")
    assert row.access_granted is False
    assert row.action == AuditAction.EXPORT


def test_withdrawn_consent_counts_as_none(world, client_for, expert_eva):
    consent = give_share_consent(world["participant"])
    Consent.objects.filter(pk=consent.pk).update(withdrawn_on=dt.date(2026, 11, 1))
    status, _ = fhir_get(client_for(expert_eva), _url(world["participant"]))
    assert status == 403


def test_with_consent_a_valid_collection_bundle(world, client_for, expert_eva, provider):
    participant = world["participant"]
    give_share_consent(participant)
    # A waiting place at another provider is none of the receiving provider's business.
    WaitingEpisodeFactory(participant=participant)
    status, body = fhir_get(client_for(expert_eva), _url(participant))
    assert status == 200
    bundle = validate(body)
    assert bundle.type == "collection"
    resources = [e["resource"] for e in body["entry"]]
    by_type = {}
    for resource in resources:
        by_type.setdefault(resource["resourceType"], []).append(resource)
    assert sorted(by_type) == [
        "EpisodeOfCare",
        "Patient",
        "QuestionnaireResponse",
        "ServiceRequest",
        "Task",
    ]
    assert by_type["Patient"][0]["name"][0]["family"] == "Kuipers"  # assigned expert
    assert [r["id"] for r in by_type["EpisodeOfCare"]] == [
        f"bridge-{world['referral'].pk}",
        f"wait-{world['episode'].pk}",
    ]
    assert by_type["Task"][0]["focus"] == {"reference": f"ServiceRequest/{world['referral'].pk}"}
    assert len(by_type["QuestionnaireResponse"]) == 1
    for entry in body["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/fhir/{resource['resourceType']}/{resource['id']}")
    row = AccessLog.objects.get(event=f"fhir.Patient.handover:{participant.public_id}")
    assert row.access_granted is True
    assert row.action == AuditAction.EXPORT
    assert row.person_id == participant.public_id


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("poh_anna", 200),
        ("expert_eva", 200),
        ("admin_ada", 200),
        ("poh_bram", 404),
        ("expert_finn", 404),
        ("coordinator_cor", 403),
    ],
)
def test_handover_scope_per_persona(world, users, client_for, persona, expected):
    give_share_consent(world["participant"])
    status, body = fhir_get(client_for(users[persona]), _url(world["participant"]))
    assert status == expected
    validate(body)


def test_consent_is_checked_only_in_scope(world, client_for, poh_bram):
    """Out of scope is a 404 whether or not there is consent: nothing is revealed."""
    status, body = fhir_get(client_for(poh_bram), _url(world["participant"]))
    assert status == 404
    assert_outcome(body, "not-found")


def test_no_handover_prepared_is_a_404(world, client_for, poh_anna):
    participant = world["participant_region"]
    give_share_consent(participant)
    status, body = fhir_get(client_for(poh_anna), _url(participant))
    assert status == 404
    assert "handover" in body["issue"][0]["diagnostics"]


def test_completed_handover_maps_to_completed_task_and_finished_episode(
    world, client_for, poh_anna
):
    give_share_consent(world["participant"])
    handover, referral = world["handover"], world["referral"]
    handover.completed_at = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
    handover.save()
    referral.status = "handed_over"
    referral.save()
    status, body = fhir_get(client_for(poh_anna), _url(world["participant"]))
    assert status == 200
    validate(body)
    by_id = {
        (e["resource"]["resourceType"], e["resource"]["id"]): e["resource"] for e in body["entry"]
    }
    assert by_id[("Task", str(handover.pk))]["status"] == "completed"
    assert by_id[("ServiceRequest", str(referral.pk))]["status"] == "completed"
    episode = by_id[("EpisodeOfCare", f"bridge-{referral.pk}")]
    assert episode["status"] == "finished"
    assert episode["period"] == {"start": "2026-10-05", "end": "2026-11-20"}
