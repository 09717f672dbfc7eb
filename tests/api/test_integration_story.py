"""The REST API end to end, as an integration would use it with a token and docs/api.md only.

A practice's HIS: gets a token on the page, lists its referrals, registers one, follows its
status while the bridging team works, and fetches the handover Bundle as valid FHIR. A
coordinator's token: indicators, and no person anywhere.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import FACTORY_TODAY
from tests.fhir.conftest import validate
from voorzorg.audit.models import AccessLog

from .conftest import token_for


def integration(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def token_from_the_page(client_for, user) -> str:
    """Step 1 of docs/api.md: 'API-sleutels', name, role, lifetime, 'Sleutel maken'."""
    page = client_for(user)
    response = page.post(
        reverse("api:tokens"),
        {"name": "HIS", "membership": user.memberships.get().pk, "lifetime_days": 90},
    )
    assert response.status_code == 200
    return response.context["secret"]


@pytest.mark.django_db
def test_a_practice_registers_a_referral_follows_it_and_fetches_the_handover(
    client_for, region, poh_anna, expert_eva, provider, factory_today
):
    his = integration(token_from_the_page(client_for, poh_anna))
    today = factory_today

    # List the practice's referrals: none yet.
    listed = his.get("/api/v1/referrals/")
    assert listed.status_code == 200 and listed.json()["count"] == 0

    # Register one for a new participant, with consent to process her data.
    body = {
        "new_participant": {"given_name": "Noor", "family_name": "Visser", "phone": "0612345678"},
        "consent_processing": True,
        "referral_date": today.isoformat(),
        "help_question": "Piekert veel en slaapt slecht.",
        "life_domains": ["werk"],
        "urgency": "high",
        "care_level": "gb-ggz",
    }
    created = his.post("/api/v1/referrals/", body, format="json")
    assert created.status_code == 201, created.json()
    referral = created.json()
    assert referral["status"] == "submitted"
    detail_url = created["Location"]
    assert detail_url.endswith(f"/api/v1/referrals/{referral['id']}/")
    number = referral["participant"]["participant_number"]

    # The bridging team works (the team lead through her own token).
    team = integration(token_for(expert_eva))
    queue = team.get("/api/v1/referrals/", {"status": "submitted"}).json()
    assert [r["id"] for r in queue["results"]] == [referral["id"]]
    accepted = team.post(
        f"/api/v1/referrals/{referral['id']}/accept/", {"expert": expert_eva.pk}, format="json"
    )
    assert accepted.status_code == 200, accepted.json()
    first = team.post(
        f"/api/v1/referrals/{referral['id']}/first-contact/",
        {"contact_date": today.isoformat()},
        format="json",
    )
    assert first.status_code == 200, first.json()

    # The practice follows the status and its history.
    followed = his.get(detail_url).json()
    assert followed["status"] == "in_bridging"
    assert [e["to_status"] for e in followed["events"]] == ["submitted", "accepted", "in_bridging"]

    # Without consent to share, no handover package.
    team.put(
        f"/api/v1/referrals/{referral['id']}/handover/",
        {
            "provider": provider.pk,
            "meeting_at": (FACTORY_TODAY + dt.timedelta(days=3)).isoformat(),
            "summary": "Gaat beter; werk hervat voor twee dagen.",
            "open_signals_checked": True,
        },
        format="json",
    )
    bundle_url = f"/fhir/Patient/{number}/$handover"
    assert his.get(bundle_url).status_code == 403

    # With it (given at the practice), a valid FHIR collection Bundle.
    participant_id = referral["participant"]["id"]
    from participants.models import Participant
    from tests.fhir.conftest import give_share_consent

    give_share_consent(Participant.objects.get(pk=participant_id))
    fetched = his.get(bundle_url)
    assert fetched.status_code == 200
    assert fetched["Content-Type"].startswith("application/fhir+json")
    bundle = validate(fetched.json())
    assert bundle.type == "collection"
    kinds = {entry.resource.__resource_type__ for entry in bundle.entry}
    assert {"Patient", "ServiceRequest", "Task"} <= kinds
    assert AccessLog.objects.filter(actor=poh_anna, person_id=number).exists()


@pytest.mark.django_db
def test_a_coordinator_token_gets_indicators_and_no_person(coordinator_cor, referral_a):
    bi = integration(token_for(coordinator_cor))
    assert bi.get("/api/v1/indicators/", {"period": "2026-Q3"}).status_code == 200
    person_urls = [
        "/api/v1/participants/",
        "/api/v1/referrals/",
        f"/api/v1/referrals/{referral_a.pk}/",
        "/api/v1/episodes/",
        "/api/v1/groups/",
        "/api/v1/contacts/",
        "/api/v1/health-measurements/",
        "/api/v1/signals/",
        "/fhir/Patient",
        f"/fhir/Patient/{referral_a.participant.public_id}",
        "/fhir/ServiceRequest",
    ]
    for url in person_urls:
        response = bi.get(url)
        assert response.status_code == 403, url
        assert referral_a.participant.public_id not in response.content.decode(), url
