"""The REST API's referral registration when the person may already be known: 409 with the
candidates in her scope, then attach to one or create with a reason (participants.duplicates)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from participants.constants import DuplicateStatus
from participants.models import Participant, PossibleDuplicate
from referrals.models import Referral
from tests.factories import ParticipantFactory, ReferralFactory
from voorzorg.audit.models import AccessLog

pytestmark = pytest.mark.usefixtures("factory_today")

API = reverse("referrals_api:referral-list")


@pytest.fixture
def sanne(practice_a, municipality):
    """Practice A's Sanne Kuipers, known already."""
    return ParticipantFactory(
        gp_practice=practice_a,
        municipality=municipality,
        given_name="Sanne",
        family_name="Kuipers",
        date_of_birth=dt.date(1990, 4, 2),
        phone="06-87654321",
    )


def _counts() -> tuple[int, int]:
    return Participant.objects.count(), Referral.objects.count()


def _body(**overrides) -> dict:
    body = {
        "new_participant": {
            "given_name": "sanne",
            "family_name": "KUIPERS",
            "date_of_birth": "1990-04-02",
            "phone": "06 12345678",
        },
        "consent_processing": True,
        "referral_date": "2026-11-18",
        "help_question": "Piekert veel en slaapt slecht.",
    }
    body.update(overrides)
    return body


@pytest.fixture
def api(api_for):
    def make(user):
        client = api_for(user)
        client.default_format = "json"
        return client

    return make


@pytest.mark.django_db
def test_the_api_answers_409_with_the_candidates(api, poh_anna, sanne, region):
    open_referral = ReferralFactory(participant=sanne, region=region)
    before = _counts()
    response = api(poh_anna).post(API, _body())
    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("Deze persoon is mogelijk al bekend.")
    assert body["candidates"] == [
        {
            "participant": {
                "id": sanne.pk,
                "participant_number": sanne.public_id,
                "name": "Sanne Kuipers",
            },
            "date_of_birth": "1990-04-02",
            "reasons": ["name_dob"],
            "open_referral": open_referral.pk,
        }
    ]
    assert _counts() == before
    row = AccessLog.objects.get(event="api.referral.duplicate_candidates")
    assert (row.action, row.person_id) == ("R", sanne.public_id)


@pytest.mark.django_db
def test_the_api_attaches_to_a_candidate_or_creates_with_a_reason(api, poh_anna, sanne):
    client = api(poh_anna)
    attached = client.post(API, _body(new_participant=None, participant=sanne.pk))
    assert attached.status_code == 201
    assert attached.json()["participant"]["id"] == sanne.pk
    # She has an open referral now: no second one, 409 naming it.
    again = client.post(API, _body(new_participant=None, participant=sanne.pk))
    assert again.status_code == 409
    assert again.json()["open_referral"] == attached.json()["id"]

    created = client.post(API, _body(not_duplicate_reason="Andere Sanne, andere huisarts."))
    assert created.status_code == 201
    new = Participant.objects.get(pk=created.json()["participant"]["id"])
    assert new != sanne
    flag = PossibleDuplicate.objects.get(participant=new)
    assert (flag.candidate, flag.status) == (sanne, DuplicateStatus.DIFFERENT)


@pytest.mark.django_db
def test_the_api_never_reveals_a_candidate_outside_her_scope(api, poh_bram, sanne):
    response = api(poh_bram).post(API, _body())
    assert response.status_code == 201
    assert sanne.public_id not in response.content.decode()
    assert not PossibleDuplicate.objects.exists()


@pytest.mark.django_db
def test_a_409_releases_the_idempotency_key(api, poh_anna, sanne):
    client = api(poh_anna)
    key = str(uuid.uuid4())
    assert client.post(API, _body(), HTTP_IDEMPOTENCY_KEY=key).status_code == 409
    body = _body(new_participant=None, participant=sanne.pk)
    first = client.post(API, body, HTTP_IDEMPOTENCY_KEY=key)
    replay = client.post(API, body, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1
