"""The receiving GGZ provider in FHIR: what its staff read (only what is addressed to its
organisation; texts and Positieve Gezondheid with consent; never a group or a contact),
the handover Task's status by PUT and PATCH, and the provider's EpisodeOfCare update.
Every write body is validated with the fhir.resources R4B models, every answer too."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from referrals.models import Handover, WaitingEpisode
from tests.api.conftest import token_for
from tests.fhir.conftest import FHIR_JSON, assert_outcome, fhir_get, give_share_consent, validate
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.fhir.datatypes import EXT_INTAKE_DATE, provider_client_system
from voorzorg.notifications.kinds import NotificationKind
from voorzorg.notifications.models import Notification

pytestmark = pytest.mark.django_db

JSON_PATCH = "application/json-patch+json"


def token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")


def send(client: Client, method: str, url: str, body, content_type: str = FHIR_JSON):
    response = getattr(client, method)(url, json.dumps(body), content_type=content_type)
    assert response["Content-Type"].startswith(FHIR_JSON), response.content[:200]
    return response.status_code, json.loads(response.content)


def task_url(world) -> str:
    return f"/fhir/Task/{world['handover'].pk}"


# --- Reads -----------------------------------------------------------------------------------

READS = {
    "Patient": (lambda w: f"Patient/{w['participant'].public_id}", 200),
    "ServiceRequest": (lambda w: f"ServiceRequest/{w['referral'].pk}", 200),
    "EpisodeOfCare-wait": (lambda w: f"EpisodeOfCare/wait-{w['episode'].pk}", 200),
    "EpisodeOfCare-bridge": (lambda w: f"EpisodeOfCare/bridge-{w['referral'].pk}", 200),
    "Task": (lambda w: f"Task/{w['handover'].pk}", 200),
    # Never a contact, a group or a session; Positieve Gezondheid only with consent.
    "Encounter-contact": (lambda w: f"Encounter/contact-{w['contact'].pk}", 404),
    "Encounter-session": (lambda w: f"Encounter/session-{w['session'].pk}", 404),
    "Group": (lambda w: f"Group/{w['group'].pk}", 404),
    "QuestionnaireResponse": (lambda w: f"QuestionnaireResponse/{w['measurement'].pk}", 404),
}


@pytest.mark.parametrize("resource", list(READS))
def test_the_provider_reads_what_is_addressed_to_it(world, client_for, provider_staff, resource):
    path, expected = READS[resource]
    status, body = fhir_get(client_for(provider_staff), "/fhir/" + path(world))
    assert status == expected, body
    validate(body)


@pytest.mark.parametrize("resource", list(READS))
def test_another_provider_reads_nothing(world, client_for, other_provider_staff, resource):
    path, _expected = READS[resource]
    status, body = fhir_get(client_for(other_provider_staff), "/fhir/" + path(world))
    assert status == 404
    assert_outcome(body, "not-found")


def test_without_consent_the_provider_gets_who_it_is_but_no_texts(
    world, client_for, provider_staff
):
    client = client_for(provider_staff)
    # Identification, as on the provider's pages: the referral is addressed to it.
    _s, patient = fhir_get(client, f"/fhir/Patient/{world['participant'].public_id}")
    assert patient["name"][0]["family"] == "Kuipers"
    _s, task = fhir_get(client, task_url(world))
    assert "note" not in task
    _s, request = fhir_get(client, f"/fhir/ServiceRequest/{world['referral'].pk}")
    assert "note" not in request
    status, bundle = fhir_get(client, "/fhir/QuestionnaireResponse")
    assert status == 200 and bundle["total"] == 0
    status, body = fhir_get(client, f"/fhir/Patient/{world['participant'].public_id}/$handover")
    assert status == 403
    assert_outcome(body, "forbidden")


def test_with_consent_the_provider_gets_the_texts_history_and_bundle(
    world, client_for, provider_staff
):
    give_share_consent(world["participant"])
    Handover.objects.filter(pk=world["handover"].pk).update(participant_words="Ik wil rust.")
    client = client_for(provider_staff)
    _s, request = fhir_get(client, f"/fhir/ServiceRequest/{world['referral'].pk}")
    assert request["note"] == [{"text": world["referral"].help_question}]
    _s, task = fhir_get(client, task_url(world))
    assert {"text": "Ik wil rust."} in task["note"]
    status, bundle = fhir_get(client, "/fhir/QuestionnaireResponse")
    assert status == 200 and bundle["total"] == 1
    status, bundle = fhir_get(client, f"/fhir/Patient/{world['participant'].public_id}/$handover")
    assert status == 200
    validate(bundle)
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert "Task" in types and "QuestionnaireResponse" in types


@pytest.mark.parametrize("resource_type", ["Group", "Encounter"])
def test_the_provider_searches_no_group_and_no_contact(
    world, client_for, provider_staff, resource_type
):
    status, bundle = fhir_get(client_for(provider_staff), f"/fhir/{resource_type}")
    assert status == 200
    assert bundle["total"] == 0


def test_a_provider_search_finds_only_its_own(world, client_for, provider_staff):
    status, bundle = fhir_get(client_for(provider_staff), "/fhir/ServiceRequest")
    assert status == 200
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(world["referral"].pk)]
    row = AccessLog.objects.filter(event="fhir.ServiceRequest.search").latest("id")
    assert row.person_id == world["participant"].public_id and row.role == "provider"


# --- Task: PATCH and PUT ---------------------------------------------------------------------


def test_the_provider_confirms_receipt_by_json_patch(world, provider_staff):
    patch = [{"op": "replace", "path": "/status", "value": "accepted"}]
    status, task = send(token_client(provider_staff), "patch", task_url(world), patch, JSON_PATCH)
    assert status == 200, task
    validate(task)
    handover = Handover.objects.get(pk=world["handover"].pk)
    assert handover.provider_acknowledged_on == dt.date(2026, 11, 23)
    assert handover.provider_acknowledged_by == provider_staff
    assert task["status"] == "in-progress"
    assert task["output"][0]["valueDate"] == "2026-11-23"
    events = set(AccessLog.objects.values_list("event", flat=True))
    assert f"fhir.Task.update:{world['handover'].pk}" in events
    assert f"handover.confirm:{world['referral'].pk}" in events
    assert Notification.objects.filter(kind=NotificationKind.HANDOVER_CONFIRMED).exists()


def test_the_provider_plans_the_first_appointment_with_a_put(world, client_for, provider_staff):
    _s, task = fhir_get(client_for(provider_staff), task_url(world))
    task["status"] = "in-progress"
    task["output"] = [
        {
            "type": {"coding": [{"system": "x", "code": "eerste-afspraak"}]},
            "valueDateTime": "2026-12-02T09:30:00+01:00",
        }
    ]
    status, body = send(token_client(provider_staff), "put", task_url(world), task)
    assert status == 200, body
    validate(body)
    handover = Handover.objects.get(pk=world["handover"].pk)
    assert handover.first_appointment_at == dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC)
    assert handover.provider_acknowledged_on == dt.date(2026, 11, 23)
    codes = [o["type"]["coding"][0]["code"] for o in body["output"]]
    assert codes == ["ontvangst-bevestigd", "eerste-afspraak"]
    # Then a JSON Patch moves the appointment: only handover_plan_appointment runs.
    patch = [
        {"op": "replace", "path": "/output/1/valueDateTime", "value": "2026-12-03T10:00:00+01:00"}
    ]
    status, body = send(token_client(provider_staff), "patch", task_url(world), patch, JSON_PATCH)
    assert status == 200, body
    handover.refresh_from_db()
    assert handover.first_appointment_at == dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    assert AccessLog.objects.filter(event=f"handover.appointment:{world['referral'].pk}").exists()


def test_the_provider_may_not_complete(world, provider_staff):
    patch = [{"op": "replace", "path": "/status", "value": "completed"}]
    status, body = send(token_client(provider_staff), "patch", task_url(world), patch, JSON_PATCH)
    assert status == 403
    assert_outcome(body, "forbidden")
    assert Handover.objects.get(pk=world["handover"].pk).completed_at is None


def test_the_bridging_team_completes_by_patch(world, expert_eva):
    Handover.objects.filter(pk=world["handover"].pk).update(
        provider_acknowledged_on=dt.date(2026, 11, 20), open_signals_checked=True
    )
    patch = [{"op": "replace", "path": "/status", "value": "completed"}]
    status, body = send(token_client(expert_eva), "patch", task_url(world), patch, JSON_PATCH)
    assert status == 200, body
    validate(body)
    assert body["status"] == "completed"
    world["referral"].refresh_from_db()
    assert world["referral"].status == "handed_over"


def test_the_team_completing_an_unready_handover_is_a_business_rule(world, expert_eva):
    patch = [{"op": "replace", "path": "/status", "value": "completed"}]
    status, body = send(token_client(expert_eva), "patch", task_url(world), patch, JSON_PATCH)
    assert status == 422
    assert_outcome(body, "business-rule")


@pytest.mark.parametrize(
    ("patch", "expected", "code"),
    [
        ([{"op": "replace", "path": "/status", "value": "bogus"}], 400, "invalid"),
        ([{"op": "remove", "path": "/intent"}], 400, "invalid"),
        ([{"op": "replace", "path": "/nothing/here", "value": 1}], 400, "invalid"),
        ([{"op": "jump", "path": "/status"}], 400, "invalid"),
        ({"op": "replace", "path": "/status", "value": "accepted"}, 400, "invalid"),
        ([{"op": "replace", "path": "/owner/display", "value": "Elders"}], 422, "business-rule"),
        ([{"op": "replace", "path": "/status", "value": "rejected"}], 422, "business-rule"),
    ],
)
def test_a_bad_patch_changes_nothing(world, provider_staff, patch, expected, code):
    status, body = send(token_client(provider_staff), "patch", task_url(world), patch, JSON_PATCH)
    assert status == expected, body
    assert_outcome(body, code)
    assert Handover.objects.get(pk=world["handover"].pk).provider_acknowledged_on is None


def test_a_put_that_is_no_valid_task_is_a_400(world, client_for, provider_staff):
    _s, task = fhir_get(client_for(provider_staff), task_url(world))
    del task["intent"]
    task["status"] = "accepted"
    status, body = send(token_client(provider_staff), "put", task_url(world), task)
    assert status == 400
    assert_outcome(body, "invalid")
    assert "intent" in body["issue"][0]["diagnostics"]


def test_patch_needs_json_patch_and_put_a_resource(world, provider_staff):
    client = token_client(provider_staff)
    status, body = send(client, "patch", task_url(world), [], FHIR_JSON)
    assert status == 415
    assert_outcome(body, "not-supported")
    status, body = send(client, "put", task_url(world), {"x": 1}, "text/plain")
    assert status == 415


def test_another_provider_gets_a_404_and_changes_nothing(world, other_provider_staff):
    patch = [{"op": "replace", "path": "/status", "value": "accepted"}]
    status, body = send(
        token_client(other_provider_staff), "patch", task_url(world), patch, JSON_PATCH
    )
    assert status == 404
    assert_outcome(body, "not-found")
    assert Handover.objects.get(pk=world["handover"].pk).provider_acknowledged_on is None
    row = AccessLog.objects.get(event=f"fhir.Task.update:{world['handover'].pk}")
    assert row.access_granted is False and row.person_id == ""


@pytest.mark.parametrize(("persona", "expected"), [("poh_anna", 403), ("coordinator_cor", 403)])
def test_roles_that_may_not_write_a_task(world, users, persona, expected):
    patch = [{"op": "replace", "path": "/status", "value": "accepted"}]
    status, body = send(token_client(users[persona]), "patch", task_url(world), patch, JSON_PATCH)
    assert status == expected
    assert_outcome(body, "forbidden")


def test_the_team_may_not_confirm_for_the_provider(world, expert_eva):
    patch = [{"op": "replace", "path": "/status", "value": "accepted"}]
    status, body = send(token_client(expert_eva), "patch", task_url(world), patch, JSON_PATCH)
    assert status == 403
    assert_outcome(body, "forbidden")


# --- EpisodeOfCare: the provider's status update -------------------------------------------


def episode_update(world, **fields) -> dict:
    body = {
        "resourceType": "EpisodeOfCare",
        "id": f"wait-{world['episode'].pk}",
        "status": "active",
        "patient": {"reference": f"Patient/{world['participant'].public_id}"},
        "period": {"start": "2026-11-20"},
    }
    body.update(fields)
    return body


def test_the_provider_reports_the_treatment_start(world, provider_staff):
    status, body = send(
        token_client(provider_staff), "post", "/fhir/EpisodeOfCare", episode_update(world)
    )
    assert status == 200, body
    validate(body)
    episode = WaitingEpisode.objects.get(pk=world["episode"].pk)
    assert episode.treatment_start_date == dt.date(2026, 11, 20)
    assert body["status"] == "finished"  # the wait ended: treatment started
    row = AccessLog.objects.get(event=f"episode.provider_update:{episode.pk}")
    assert row.action == AuditAction.UPDATE and row.person_id == world["participant"].public_id
    assert AccessLog.objects.filter(event=f"fhir.EpisodeOfCare.update:{episode.pk}").exists()
    # "Overdracht nodig": the sending side is told, as after an import.
    assert Notification.objects.filter(kind=NotificationKind.HANDOVER_NEEDED).exists()


def test_the_provider_names_its_place_by_its_client_number(world, provider, provider_staff):
    WaitingEpisode.objects.filter(pk=world["episode"].pk).update(
        external_id="C-123", intake_date=None
    )
    body = episode_update(
        world,
        status="waitlist",
        identifier=[{"system": provider_client_system(provider), "value": "C-123"}],
        extension=[{"url": EXT_INTAKE_DATE, "valueDate": "2026-11-18"}],
        period={"start": "2026-09-01"},
    )
    del body["id"]
    status, answer = send(token_client(provider_staff), "post", "/fhir/EpisodeOfCare", body)
    assert status == 200, answer
    validate(answer)
    episode = WaitingEpisode.objects.get(pk=world["episode"].pk)
    assert episode.intake_date == dt.date(2026, 11, 18)
    assert answer["identifier"][0]["value"] == "C-123"
    assert answer["extension"][0]["valueDate"] == "2026-11-18"


def test_the_provider_closes_its_place(world, provider_staff):
    body = episode_update(
        world, status="cancelled", period={"start": "2026-09-01", "end": "2026-11-21"}
    )
    status, answer = send(token_client(provider_staff), "post", "/fhir/EpisodeOfCare", body)
    assert status == 200, answer
    episode = WaitingEpisode.objects.get(pk=world["episode"].pk)
    assert episode.closed_date == dt.date(2026, 11, 21) and episode.close_reason == "other"


@pytest.mark.parametrize(
    ("changes", "expected", "code"),
    [
        # A FHIR status that is no update of a waiting place; one that is no FHIR status.
        ({"status": "planned"}, 422, "business-rule"),
        ({"status": "nonsense"}, 400, "invalid"),
        ({"resourceType": "Task"}, 400, "invalid"),
        ({"period": {"start": "2026-09-19"}}, 422, "business-rule"),  # before the intake
        ({"period": {"start": "2026-12-01"}}, 422, "business-rule"),  # in the future
        ({"id": "bridge-1"}, 400, "invalid"),
    ],
)
def test_a_bad_episode_update_changes_nothing(world, provider_staff, changes, expected, code):
    body = episode_update(world, **changes)
    status, answer = send(token_client(provider_staff), "post", "/fhir/EpisodeOfCare", body)
    assert status == expected, answer
    assert_outcome(answer, code)
    assert WaitingEpisode.objects.get(pk=world["episode"].pk).treatment_start_date is None


def test_another_provider_gets_a_404(world, other_provider_staff):
    status, body = send(
        token_client(other_provider_staff), "post", "/fhir/EpisodeOfCare", episode_update(world)
    )
    assert status == 404
    assert_outcome(body, "not-found")
    assert WaitingEpisode.objects.get(pk=world["episode"].pk).treatment_start_date is None


@pytest.mark.parametrize("persona", ["expert_eva", "poh_anna", "admin_ada", "coordinator_cor"])
def test_only_a_provider_posts_an_episode(world, users, persona):
    status, body = send(
        token_client(users[persona]), "post", "/fhir/EpisodeOfCare", episode_update(world)
    )
    assert status == 403
    assert_outcome(body, "forbidden")


def test_the_capability_statement_lists_the_writes(db):
    status, body = fhir_get(Client(), "/fhir/metadata")
    assert status == 200
    validate(body)
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert {i["code"] for i in resources["Task"]["interaction"]} >= {"update", "patch"}
    assert "create" in {i["code"] for i in resources["EpisodeOfCare"]["interaction"]}
    assert body["patchFormat"] == ["application/json-patch+json"]


def test_an_episode_update_for_another_patient_is_refused(world, provider_staff):
    body = episode_update(world, patient={"reference": "Patient/VZ-ANDERS01"})
    status, answer = send(token_client(provider_staff), "post", "/fhir/EpisodeOfCare", body)
    assert status == 422
    assert_outcome(answer, "business-rule")
    assert WaitingEpisode.objects.get(pk=world["episode"].pk).treatment_start_date is None


def test_a_malformed_task_id_is_a_logged_404(world, provider_staff):
    patch = [{"op": "replace", "path": "/status", "value": "accepted"}]
    status, body = send(token_client(provider_staff), "patch", "/fhir/Task/9x!", patch, JSON_PATCH)
    assert status == 404
    assert_outcome(body, "not-found")
    row = AccessLog.objects.get(event="fhir.Task.update:(malformed id)")
    assert row.access_granted is False


# Per type, what a search finds of the world for the receiving provider (no consent):
# participant_a's records addressed to it; never a group, session, contact or measurement.
SEARCH_TOTALS = {
    "Patient": 1,
    "ServiceRequest": 1,
    "EpisodeOfCare": 2,  # its own waiting place and the bridging episode
    "Task": 1,
    "Group": 0,
    "Encounter": 0,
    "QuestionnaireResponse": 0,
}


@pytest.mark.parametrize("resource_type", list(SEARCH_TOTALS))
def test_every_search_for_both_providers(
    world, client_for, provider_staff, other_provider_staff, resource_type
):
    status, bundle = fhir_get(client_for(provider_staff), f"/fhir/{resource_type}")
    assert status == 200
    validate(bundle)
    assert bundle["total"] == SEARCH_TOTALS[resource_type]
    status, bundle = fhir_get(client_for(other_provider_staff), f"/fhir/{resource_type}")
    assert status == 200
    assert bundle["total"] == 0
