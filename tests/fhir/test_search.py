"""Search: parameters, paging, 400 for what we do not support, a fixed query count."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import GroupSession
from referrals.models import Handover
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    ParticipantFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    WaitingEpisodeFactory,
)
from tests.fhir.conftest import assert_outcome, fhir_get, validate
from voorzorg.fhir import datatypes

pytestmark = pytest.mark.django_db


def _ids(body: dict) -> list[str]:
    return [e["resource"]["id"] for e in body.get("entry", [])]


def _search(client, resource_type: str, params: dict | None = None) -> dict:
    status, body = fhir_get(client, f"/fhir/{resource_type}", params)
    assert status == 200, body
    validate(body)
    assert body["type"] == "searchset"
    return body


# --- Parameters ---------------------------------------------------------------------------


def test_patient_by_identifier(world, client_for, poh_anna):
    client = client_for(poh_anna)
    public_id = world["participant"].public_id
    assert _ids(_search(client, "Patient", {"identifier": public_id})) == [public_id]
    with_system = f"{datatypes.PATIENT_ID_SYSTEM}|{public_id}"
    assert _ids(_search(client, "Patient", {"identifier": with_system})) == [public_id]
    assert _ids(_search(client, "Patient", {"identifier": f"urn:other|{public_id}"})) == []
    # Someone else's participant is simply not found: a search reveals nothing.
    other = world["participant_b"].public_id
    assert _search(client, "Patient", {"identifier": other})["total"] == 0


def test_patient_search_lists_the_practice(world, client_for, poh_anna):
    body = _search(client_for(poh_anna), "Patient")
    assert set(_ids(body)) == {
        world["participant"].public_id,
        world["participant_region"].public_id,
    }
    assert body["total"] == 2
    for entry in body["entry"]:
        assert entry["fullUrl"] == f"http://testserver/fhir/Patient/{entry['resource']['id']}"
        assert entry["search"] == {"mode": "match"}


def test_service_request_by_subject_and_status(world, client_for, poh_anna):
    client = client_for(poh_anna)
    subject = f"Patient/{world['participant'].public_id}"
    referral_id = str(world["referral"].pk)
    assert _ids(_search(client, "ServiceRequest", {"subject": subject})) == [referral_id]
    assert _ids(_search(client, "ServiceRequest", {"patient": subject})) == [referral_id]
    both = {"subject": subject, "status": "active"}
    assert _ids(_search(client, "ServiceRequest", both)) == [referral_id]
    done = {"subject": subject, "status": "completed,revoked"}
    assert _ids(_search(client, "ServiceRequest", done)) == []
    world["referral"].status = "handed_over"
    world["referral"].save()
    assert _ids(_search(client, "ServiceRequest", done)) == [referral_id]


def test_episode_of_care_by_patient(world, client_for, poh_anna):
    patient = f"Patient/{world['participant'].public_id}"
    body = _search(client_for(poh_anna), "EpisodeOfCare", {"patient": patient})
    assert _ids(body) == [f"wait-{world['episode'].pk}", f"bridge-{world['referral'].pk}"]


def test_task_by_focus(world, client_for, poh_anna):
    client = client_for(poh_anna)
    focus = f"ServiceRequest/{world['referral'].pk}"
    assert _ids(_search(client, "Task", {"focus": focus})) == [str(world["handover"].pk)]
    other = f"ServiceRequest/{world['referral_region'].pk}"
    assert _ids(_search(client, "Task", {"focus": other})) == []


def test_encounter_by_subject(world, client_for, expert_eva):
    client = client_for(expert_eva)
    patient = f"Patient/{world['participant'].public_id}"
    group = f"Group/{world['group'].pk}"
    contact, session = f"contact-{world['contact'].pk}", f"session-{world['session'].pk}"
    assert _ids(_search(client, "Encounter", {"subject": patient})) == [contact]
    assert _ids(_search(client, "Encounter", {"subject": group})) == [session]
    assert _ids(_search(client, "Encounter", {"patient": patient})) == [contact]
    assert _ids(_search(client, "Encounter")) == [session, contact]


def test_questionnaire_response_by_subject(world, client_for, expert_eva):
    subject = f"Patient/{world['participant'].public_id}"
    body = _search(client_for(expert_eva), "QuestionnaireResponse", {"subject": subject})
    assert _ids(body) == [str(world["measurement"].pk)]


def test_group_lists_the_callers_groups(world, client_for, expert_eva, poh_anna):
    assert _ids(_search(client_for(expert_eva), "Group")) == [str(world["group"].pk)]
    # A POH sees no group: a roster is a list of persons of many practices.
    assert _ids(_search(client_for(poh_anna), "Group")) == []


@pytest.mark.parametrize(
    ("resource_type", "params"),
    [
        ("Patient", {"name": "Sanne"}),
        ("Patient", {"birthdate": "1990-01-01"}),
        ("ServiceRequest", {"status": "finished"}),
        ("ServiceRequest", {"status:not": "active"}),
        ("ServiceRequest", {"subject": "Group/1"}),
        ("ServiceRequest", {"subject": ""}),
        ("EpisodeOfCare", {"subject": "Patient/VZ-X"}),
        ("Task", {"focus": "Patient/VZ-X"}),
        ("Encounter", {"subject": "VZ-AAAAAAAA"}),
        ("Group", {"member": "Patient/VZ-X"}),
        ("Patient", {"_count": "-1"}),
        ("Patient", {"_count": "many"}),
        ("Patient", {"_offset": "1.5"}),
        ("Patient", {"format": "json"}),
    ],
)
def test_bad_search_parameter_is_a_400(world, client_for, poh_anna, resource_type, params):
    status, body = fhir_get(client_for(poh_anna), f"/fhir/{resource_type}", params)
    assert status == 400
    assert_outcome(body, "invalid")


def test_a_parameter_given_twice_is_a_400(world, client_for, poh_anna):
    response = client_for(poh_anna).get("/fhir/ServiceRequest?status=active&status=revoked")
    assert response.status_code == 400
    assert_outcome(response.json(), "invalid")


# --- Paging -------------------------------------------------------------------------------


def test_paging_with_count_and_next_link(practice_a, client_for, poh_anna):
    made = [ParticipantFactory(gp_practice=practice_a).public_id for _ in range(5)]
    client = client_for(poh_anna)

    first = _search(client, "Patient", {"_count": "2"})
    assert first["total"] == 5
    assert _ids(first) == made[:2]
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert set(links) == {"self", "next"}

    seen = _ids(first)
    url = links["next"]
    while url:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert urlsplit(url).path == "/fhir/Patient"
        page = _search(client, "Patient", query)
        seen += _ids(page)
        url = {link["relation"]: link["url"] for link in page["link"]}.get("next")
    assert seen == made
    assert "previous" in {link["relation"] for link in page["link"]}


def test_count_is_capped_at_100(practice_a, client_for, poh_anna):
    ParticipantFactory(gp_practice=practice_a)
    body = _search(client_for(poh_anna), "Patient", {"_count": "1000"})
    assert body["total"] == 1
    body = _search(client_for(poh_anna), "Patient", {"_count": "0"})
    assert body["total"] == 1
    assert _ids(body) == []


def test_paging_runs_across_both_sources_of_a_type(world, client_for, expert_eva):
    """Encounter pages run through sessions, then contacts, without gaps or repeats."""
    for _ in range(2):
        ContactFactory(participant=world["participant"], expert=expert_eva)
    client = client_for(expert_eva)
    everything = _ids(_search(client, "Encounter"))
    assert len(everything) == 4
    paged = []
    for offset in range(0, 4, 3):
        paged += _ids(_search(client, "Encounter", {"_count": "3", "_offset": str(offset)}))
    assert paged == everything


# --- Query count ----------------------------------------------------------------------------


def _make(kind: str, n: int, *, practice, expert, municipality, provider) -> None:
    """n rows of a resource type, visible to poh_anna (practice) and expert_eva."""
    group = PeerGroupFactory(municipality=municipality, facilitators=[expert])
    for i in range(n):
        person = ParticipantFactory(gp_practice=practice)
        referral = ReferralFactory(participant=person, in_bridging=True, assigned_expert=expert)
        if kind == "EpisodeOfCare":
            WaitingEpisodeFactory(participant=person, provider=provider)
        elif kind == "Task":
            Handover.objects.create(referral=referral, provider=provider, summary="Samenvatting")
        elif kind == "Group":
            other = PeerGroupFactory(municipality=municipality, facilitators=[expert])
            EnrolmentFactory(participant=person, group=other)
            EnrolmentFactory(participant=ParticipantFactory(gp_practice=practice), group=other)
        elif kind == "Encounter":
            ContactFactory(participant=person, expert=expert)
            GroupSession.objects.create(
                group=group,
                starts_at=dt.datetime(2026, 9, 1, 18, 0, tzinfo=dt.UTC) + dt.timedelta(weeks=i),
            )
        elif kind == "QuestionnaireResponse":
            PositiveHealthMeasurementFactory(participant=person, recorded_by=expert)


@pytest.mark.parametrize(
    "kind",
    [
        "Patient",
        "ServiceRequest",
        "EpisodeOfCare",
        "Task",
        "Group",
        "Encounter",
        "QuestionnaireResponse",
    ],
)
@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva"])
def test_search_query_count_does_not_grow_with_the_results(
    practice_a,
    municipality,
    provider,
    personas,
    client_for,
    django_assert_max_num_queries,
    kind,
    persona,
):
    client = client_for(personas[persona])
    made = {"practice": practice_a, "municipality": municipality, "provider": provider}
    counts: list[int] = []
    for n, add in ((2, 2), (20, 18)):
        _make(kind, add, expert=personas["expert_eva"], **made)
        with CaptureQueriesContext(connection) as queries:
            body = _search(client, kind, {"_count": "100"})
        if not (kind == "Group" and persona == "poh_anna"):
            assert len(body.get("entry", [])) >= n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(14):
        _search(client, kind, {"_count": "100"})


# --- Odd input is an OperationOutcome, never a 500 ---------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/Patient/%00",
        "/fhir/Patient/%00/$handover",
        "/fhir/Patient/" + "X" * 200,
        "/fhir/Patient?identifier=%00",
        "/fhir/Patient?identifier=|",
        "/fhir/Patient?_offset=999999999",
        "/fhir/Patient?_count=999999999",
        "/fhir/ServiceRequest?subject=Patient/",
        "/fhir/ServiceRequest?status=",
        "/fhir/Task?focus=ServiceRequest/99999999999999999999999",
        "/fhir/Encounter?subject=Group/abc",
        "/fhir/Encounter/contact-",
        "/fhir/EpisodeOfCare/bridge-0",
        "/fhir/Patient/VZ-1/extra/parts",
    ],
)
def test_odd_input_never_a_500(world, client_for, poh_anna, url):
    response = client_for(poh_anna).get(url)
    assert response.status_code in (200, 400, 404), response.content[:300]
    assert response["Content-Type"].startswith("application/fhir+json")
    validate(response.json())
