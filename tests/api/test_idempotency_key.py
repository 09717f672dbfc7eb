"""The Idempotency-Key header on every create endpoint (voorzorg.api.idempotency).

The same key and body from the same token replays the first response (status, body,
Location) and writes nothing; the same key with another body is a 422; no header is as
before. Two requests with one key at the same moment make one record (PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection, connections
from django.db.models import Model
from rest_framework.test import APIClient

from groups.models import Contact, GroupSession, PositiveHealthMeasurement, Signal
from participants.models import Participant
from referrals.models import Referral, WaitingEpisode
from tests.api.conftest import token_for
from tests.api.test_contacts_api import SCORES
from tests.api.test_referrals_api import new_referral_body
from tests.factories import EnrolmentFactory, PeerGroupFactory, ReferralFactory
from voorzorg.audit.models import AccessLog
from voorzorg.core.models import OutboxMessage, SubmissionKey

pytestmark = pytest.mark.usefixtures("factory_today")

KEY = "8e0b3c1a-6f0e-4c1b-9a55-2f3b7d9e1c40"


@dataclass
class Case:
    persona: str
    url: Callable[[dict], str]
    body: Callable[[dict], dict]
    model: type[Model]
    change: Callable[[dict], dict]  # the same body with one value changed


def _world(request) -> dict:
    get = request.getfixturevalue
    expert_eva, participant_a = get("expert_eva"), get("participant_a")
    ReferralFactory(
        participant=participant_a,
        region=get("region"),
        in_bridging=True,
        assigned_expert=expert_eva,
    )
    group = PeerGroupFactory(municipality=get("municipality"), facilitators=[expert_eva])
    roster = [EnrolmentFactory(group=group).participant for _ in range(2)]
    return {
        "participant": participant_a,
        "provider": get("provider"),
        "expert_eva": expert_eva,
        "group": group,
        "roster": roster,
    }


def _session(w: dict) -> dict:
    return {
        "starts_at": "2026-11-17T19:30:00+01:00",
        "facilitators_present": [w["expert_eva"].pk],
        "attendance": [{"participant": p.pk, "status": "present"} for p in w["roster"]],
        "walk_in_count": 1,
    }


CASES = {
    "referral": Case(
        "poh_anna",
        lambda w: "/api/v1/referrals/",
        # "Someone else" (not_duplicate_reason): without the key, the same person sent
        # twice would be a possible duplicate (409) rather than a second record.
        lambda w: new_referral_body(not_duplicate_reason="Een andere Noor Visser."),
        Referral,
        lambda body: {**body, "help_question": "Iets anders."},
    ),
    "episode": Case(
        "poh_anna",
        lambda w: "/api/v1/episodes/",
        lambda w: {
            "participant": w["participant"].pk,
            "provider": w["provider"].pk,
            "care_level": "s-ggz",
            "diagnosis_group": "angst",
            "referral_date": "2026-10-01",
            "registration_date": "2026-10-02",
        },
        WaitingEpisode,
        lambda body: {**body, "diagnosis_group": "depressie"},
    ),
    "contact": Case(
        "expert_eva",
        lambda w: "/api/v1/contacts/",
        lambda w: {
            "participant": w["participant"].pk,
            "date": "2026-11-20",
            "duration_minutes": 45,
            "mode": "walk",
            "life_domains": ["werk"],
        },
        Contact,
        lambda body: {**body, "duration_minutes": 30},
    ),
    "measurement": Case(
        "expert_eva",
        lambda w: "/api/v1/health-measurements/",
        lambda w: {"participant": w["participant"].pk, "measured_on": "2026-11-20", **SCORES},
        PositiveHealthMeasurement,
        lambda body: {**body, "zingeving": 9},
    ),
    "signal": Case(
        "expert_eva",
        lambda w: "/api/v1/signals/",
        lambda w: {
            "participant": w["participant"].pk,
            "severity": "urgent",
            "description": "Slaapt niet, piekert veel.",
        },
        Signal,
        lambda body: {**body, "severity": "zorg"},
    ),
    "session": Case(
        "expert_eva",
        lambda w: f"/api/v1/groups/{w['group'].pk}/sessions/",
        _session,
        GroupSession,
        lambda body: {**body, "walk_in_count": 3},
    ),
}


def _client(request, persona: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(request.getfixturevalue(persona))}")
    client.default_format = "json"
    return client


def _counts(model: type[Model]) -> tuple[int, ...]:
    return (
        model.objects.count(),
        Participant.objects.count(),
        OutboxMessage.objects.count(),
        len(mail.outbox),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_a_repeat_with_the_same_key_replays_the_first_response(request, name):
    case = CASES[name]
    world = _world(request)
    client = _client(request, case.persona)
    url, body = case.url(world), case.body(world)

    first = client.post(url, body, HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201, first.json()
    after_first = _counts(case.model)
    reads = AccessLog.objects.filter(action="R").count()

    again = client.post(url, body, HTTP_IDEMPOTENCY_KEY=KEY)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.get("Location") == first.get("Location")
    assert again["Idempotent-Replayed"] == "true"
    assert _counts(case.model) == after_first
    # The replay shows the people again: logged as a read of each.
    replayed = AccessLog.objects.filter(action="R").order_by("id")[reads:]
    assert {row.person_id for row in replayed} == {
        *(p.public_id for p in world["roster"] if name == "session"),
        *([first.json()["participant"]["participant_number"]] if name != "session" else []),
    }
    assert all(row.event.endswith(".replay") for row in replayed)


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_the_same_key_with_another_body_is_422(request, name):
    case = CASES[name]
    world = _world(request)
    client = _client(request, case.persona)
    url, body = case.url(world), case.body(world)
    assert client.post(url, body, HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    counts = _counts(case.model)
    response = client.post(url, case.change(body), HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a different request."
    }
    assert _counts(case.model) == counts


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["referral", "contact", "signal"])
def test_without_the_header_every_post_writes(request, name):
    case = CASES[name]
    world = _world(request)
    client = _client(request, case.persona)
    before = case.model.objects.count()
    for _ in range(2):
        assert client.post(case.url(world), case.body(world)).status_code == 201
    assert case.model.objects.count() == before + 2
    assert not SubmissionKey.objects.exists()


@pytest.mark.django_db
def test_a_key_is_kept_per_token(request, poh_anna):
    case = CASES["referral"]
    world = _world(request)
    body = case.body(world)
    first = _client(request, "poh_anna").post(case.url(world), body, HTTP_IDEMPOTENCY_KEY=KEY)
    # Another token (another integration of hers) with the same key is another request.
    second = _client(request, "poh_anna").post(case.url(world), body, HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


@pytest.mark.django_db
def test_a_refused_request_releases_its_key(request):
    case = CASES["contact"]
    world = _world(request)
    client = _client(request, case.persona)
    bad = client.post(case.url(world), {**case.body(world), "mode": "?"}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert bad.status_code == 400
    good = client.post(case.url(world), case.body(world), HTTP_IDEMPOTENCY_KEY=KEY)
    assert good.status_code == 201
    assert Contact.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "a" * 256, "with space", "é"])
def test_a_malformed_key_is_400(request, key):
    case = CASES["contact"]
    world = _world(request)
    response = _client(request, case.persona).post(
        case.url(world), case.body(world), HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_key_older_than_a_day_is_forgotten(request, time_machine):
    case = CASES["contact"]
    world = _world(request)
    client = _client(request, case.persona)
    assert (
        client.post(case.url(world), case.body(world), HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    )
    time_machine.shift(25 * 3600)
    assert (
        client.post(case.url(world), case.body(world), HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    )
    assert Contact.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_make_one_record(request):
    """Both threads post at the same moment on their own connection: one referral."""
    if connection.vendor != "postgresql":
        pytest.skip("waiting on another transaction's unique key is PostgreSQL's")
    case = CASES["referral"]
    world = _world(request)
    secret = token_for(request.getfixturevalue("poh_anna"))
    body = case.body(world)
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
            barrier.wait()
            response = client.post(case.url(world), body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
            answers.append((response.status_code, response.json()))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [status for status, _body in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert Referral.objects.filter(help_question=body["help_question"]).count() == 1


@pytest.mark.django_db
def test_a_key_whose_first_request_is_still_running_is_409(request):
    case = CASES["contact"]
    world = _world(request)
    client = _client(request, case.persona)
    url, body = case.url(world), case.body(world)
    assert client.post(url, body, HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    # As the row looks while the first request has claimed the key but not yet answered.
    SubmissionKey.objects.update(status_code=None, body=None)
    response = client.post(url, body, HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]
    assert Contact.objects.count() == 1
