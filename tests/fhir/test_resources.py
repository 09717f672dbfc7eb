"""Every resource type the API returns is valid FHIR (fhir.resources, R4B models) and
carries the mapping docs/fhir.md promises."""

from __future__ import annotations

import pytest

from tests.fhir.conftest import (
    FHIR_JSON,
    assert_outcome,
    fhir_get,
    give_share_consent,
    validate,
)
from voorzorg.fhir import datatypes

pytestmark = pytest.mark.django_db


def test_metadata_is_a_public_capability_statement(client):
    status, body = fhir_get(client, "/fhir/metadata")
    assert status == 200
    validate(body)
    assert body["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == {
        "Patient",
        "ServiceRequest",
        "EpisodeOfCare",
        "Task",
        "Group",
        "Encounter",
        "QuestionnaireResponse",
    }
    params = {p["name"] for p in resources["ServiceRequest"]["searchParam"]}
    assert {"subject", "status", "_count"} <= params
    assert resources["Patient"]["operation"][0]["name"] == "handover"


def test_patient_with_details_for_the_own_poh(world, client_for, poh_anna):
    p = world["participant"]
    status, body = fhir_get(client_for(poh_anna), f"/fhir/Patient/{p.public_id}")
    assert status == 200
    validate(body)
    assert body["id"] == p.public_id
    assert body["identifier"] == [
        {"use": "official", "system": datatypes.PATIENT_ID_SYSTEM, "value": p.public_id}
    ]
    assert body["name"][0]["family"] == "Kuipers"
    assert body["name"][0]["given"] == ["Sanne"]
    assert {"system": "phone", "value": p.phone} in body["telecom"]
    assert body["birthDate"] == p.date_of_birth.isoformat()
    gp = body["generalPractitioner"][0]
    assert gp["identifier"] == {"system": datatypes.AGB_SYSTEM, "value": "01000001"}
    assert "bsn" not in str(body).lower()
    assert "meta" not in body


def test_service_request(world, client_for, poh_anna):
    referral = world["referral"]
    status, body = fhir_get(client_for(poh_anna), f"/fhir/ServiceRequest/{referral.pk}")
    assert status == 200
    validate(body)
    assert body["status"] == "active"
    assert body["intent"] == "order"
    assert body["priority"] == "urgent"
    assert body["subject"] == {"reference": f"Patient/{world['participant'].public_id}"}
    assert body["requester"]["identifier"] == {"system": datatypes.AGB_SYSTEM, "value": "01000001"}
    assert body["authoredOn"] == "2026-10-01"
    assert body["note"] == [{"text": referral.help_question}]
    assert body["reasonCode"][0]["coding"][0]["code"] == "sociale_relaties"


def test_waiting_episode(world, client_for, poh_anna, provider):
    episode = world["episode"]
    status, body = fhir_get(client_for(poh_anna), f"/fhir/EpisodeOfCare/wait-{episode.pk}")
    assert status == 200
    validate(body)
    # After the intake the person still waits for treatment: still waitlist.
    assert body["status"] == "waitlist"
    assert body["period"] == {"start": "2026-09-01"}
    assert body["managingOrganization"]["identifier"]["value"] == provider.agb_code
    assert body["type"][0]["coding"][0]["code"] == "gb-ggz"
    assert "diagnosis" not in body


def test_bridging_episode(world, client_for, poh_anna):
    referral = world["referral"]
    status, body = fhir_get(client_for(poh_anna), f"/fhir/EpisodeOfCare/bridge-{referral.pk}")
    assert status == 200
    validate(body)
    assert body["status"] == "active"
    assert body["period"] == {"start": "2026-10-05"}
    assert body["referralRequest"] == [{"reference": f"ServiceRequest/{referral.pk}"}]


def test_task(world, client_for, poh_anna, expert_eva, provider):
    handover = world["handover"]
    url = f"/fhir/Task/{handover.pk}"
    # Without the consent to share, the summary stays with the bridging team.
    assert "note" not in fhir_get(client_for(poh_anna), url)[1]
    assert fhir_get(client_for(expert_eva), url)[1]["note"][0]["text"] == handover.summary
    give_share_consent(world["participant"])
    status, body = fhir_get(client_for(poh_anna), url)
    assert status == 200
    validate(body)
    assert body["status"] == "in-progress"
    assert body["intent"] == "order"
    assert body["focus"] == {"reference": f"ServiceRequest/{world['referral'].pk}"}
    assert body["for"] == {"reference": f"Patient/{world['participant'].public_id}"}
    assert body["owner"]["identifier"] == {
        "system": datatypes.AGB_SYSTEM,
        "value": provider.agb_code,
    }
    assert body["note"][0]["text"] == handover.summary


def test_group(world, client_for, expert_eva):
    group = world["group"]
    status, body = fhir_get(client_for(expert_eva), f"/fhir/Group/{group.pk}")
    assert status == 200
    validate(body)
    assert body["type"] == "person"
    assert body["actual"] is True
    assert body["quantity"] == 1
    assert body["member"] == [
        {
            "entity": {"reference": f"Patient/{world['participant'].public_id}"},
            "period": {"start": "2026-09-01"},
            "inactive": False,
        }
    ]


def test_session_encounter(world, client_for, expert_eva):
    session = world["session"]
    status, body = fhir_get(client_for(expert_eva), f"/fhir/Encounter/session-{session.pk}")
    assert status == 200
    validate(body)
    assert body["status"] == "finished"
    assert body["class"]["code"] == "AMB"
    assert body["subject"] == {"reference": f"Group/{world['group'].pk}"}


def test_contact_encounter(world, client_for, expert_eva):
    contact = world["contact"]
    status, body = fhir_get(client_for(expert_eva), f"/fhir/Encounter/contact-{contact.pk}")
    assert status == 200
    validate(body)
    assert body["class"]["code"] == "AMB"
    assert body["subject"] == {"reference": f"Patient/{world['participant'].public_id}"}
    assert body["length"]["value"] == 30
    assert "note" not in str(body)


def test_questionnaire_response(world, client_for, expert_eva):
    m = world["measurement"]
    status, body = fhir_get(client_for(expert_eva), f"/fhir/QuestionnaireResponse/{m.pk}")
    assert status == 200
    validate(body)
    assert body["authored"] == "2026-11-02"
    assert body["questionnaire"] == datatypes.PH_QUESTIONNAIRE
    answers = {item["linkId"]: item["answer"][0]["valueInteger"] for item in body["item"]}
    assert answers == {
        "lichaamsfuncties": 5,
        "mentaal_welbevinden": 4,
        "zingeving": 5,
        "kwaliteit_van_leven": 5,
        "meedoen": 3,
        "dagelijks_functioneren": 6,
    }


@pytest.mark.parametrize(
    "path",
    [
        "Patient/VZ-NOSUCH1",
        "ServiceRequest/999999",
        "ServiceRequest/not-a-number",
        "ServiceRequest/99999999999999999999999",
        "EpisodeOfCare/wait-999999",
        "EpisodeOfCare/999999",
        "Task/999999",
        "Group/999999",
        "Encounter/contact-999999",
        "Encounter/session-x",
        "QuestionnaireResponse/999999",
    ],
)
def test_unknown_id_is_a_404_operation_outcome(world, client_for, poh_anna, path):
    status, body = fhir_get(client_for(poh_anna), f"/fhir/{path}")
    assert status == 404
    assert_outcome(body, "not-found")


def test_unknown_resource_type_is_a_404_operation_outcome(client_for, poh_anna):
    status, body = fhir_get(client_for(poh_anna), "/fhir/Observation")
    assert status == 404
    assert_outcome(body, "not-found")


def test_only_get(world, client_for, poh_anna):
    client = client_for(poh_anna)
    for response in (
        client.post("/fhir/Patient", {}, content_type=FHIR_JSON),
        client.delete(f"/fhir/Patient/{world['participant'].public_id}"),
        client.options("/fhir/Patient"),
    ):
        assert response.status_code == 405
        assert_outcome(response.json(), "not-supported")


def test_xml_is_not_acceptable(client_for, poh_anna):
    status, body = fhir_get(client_for(poh_anna), "/fhir/Patient", {"_format": "xml"})
    assert status == 406
    assert_outcome(body, "not-supported")
