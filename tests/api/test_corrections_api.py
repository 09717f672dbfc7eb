"""The REST twins of the correction pages: PATCH on a participant and on a referral, with
the services' rules (404 outside scope, 403 for a role or capacity that may not, 409 on a
stale version, 400 without a reason); and withdrawn contacts out of the contact list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groups.models import Contact
from participants.models import Participant
from referrals.models import Referral
from tests.factories import ContactFactory
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


def test_a_participant_is_corrected_with_the_pages_rule(
    api_for, poh_anna, poh_bram, expert_eva, referral_a
):
    participant = referral_a.participant
    url = reverse("participants_api:participant-detail", args=[participant.pk])
    version = api_for(poh_anna).get(url).json()["version"]
    body = {"version": version, "reason": "E-mailadres had een tikfout.", "email": "s@x.nl"}
    assert api_for(poh_bram).patch(url, body, format="json").status_code == 404
    assert api_for(expert_eva).patch(url, body, format="json").status_code == 403
    response = api_for(poh_anna).patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["email"] == "s@x.nl"
    assert response.json()["version"] != version
    assert AccessLog.objects.filter(
        event=f"participant.correct:{participant.pk}", action=AuditAction.UPDATE
    ).exists()
    # The same version again: she changed since it was read.
    stale = api_for(poh_anna).patch(url, {**body, "email": "t@x.nl"}, format="json")
    assert stale.status_code == 409
    assert "gewijzigd" in stale.json()["detail"]
    no_reason = api_for(poh_anna).patch(
        url, {"version": response.json()["version"], "email": "t@x.nl"}, format="json"
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["errors"]
    assert Participant.objects.get(pk=participant.pk).email == "s@x.nl"


def test_a_participant_keeps_a_way_to_be_reached(api_for, poh_anna, referral_a):
    url = reverse("participants_api:participant-detail", args=[referral_a.participant_id])
    version = api_for(poh_anna).get(url).json()["version"]
    response = api_for(poh_anna).patch(
        url, {"version": version, "reason": "Weg.", "phone": "", "email": ""}, format="json"
    )
    assert response.status_code == 400


def test_a_referral_is_corrected_by_the_poh_of_its_practice(
    api_for, poh_anna, poh_bram, expert_eva, admin_ada, referral_a
):
    url = reverse("referrals_api:referral-detail", args=[referral_a.pk])
    version = api_for(poh_anna).get(url).json()["version"]
    body = {"version": version, "reason": "Leefgebied vergeten.", "life_domains": ["werk"]}
    assert api_for(poh_bram).patch(url, body, format="json").status_code == 404
    assert api_for(expert_eva).patch(url, body, format="json").status_code == 403
    response = api_for(poh_anna).patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["life_domains"] == ["werk"]
    assert response.json()["status"] == "submitted"
    stale = api_for(admin_ada).patch(url, {**body, "urgency": "high"}, format="json")
    assert stale.status_code == 409
    # Status is not a field of a correction: it is ignored, and moves by the actions only.
    fresh = response.json()["version"]
    response = api_for(admin_ada).patch(
        url,
        {"version": fresh, "reason": "Urgent.", "urgency": "high", "status": "closed"},
        format="json",
    )
    assert response.status_code == 200
    assert Referral.objects.get(pk=referral_a.pk).status == "submitted"


def test_withdrawn_contacts_are_not_in_the_contact_list(api_for, expert_eva, referral_a):
    kept = ContactFactory(participant=referral_a.participant, expert=expert_eva)
    gone = ContactFactory(participant=referral_a.participant, expert=expert_eva)
    Contact.objects.filter(pk=gone.pk).update(
        withdrawn_at=gone.created_at, withdrawn_by=expert_eva, withdrawn_reason="Dubbel."
    )
    results = api_for(expert_eva).get(reverse("groups_api:contact-list")).json()["results"]
    assert [c["id"] for c in results] == [kept.pk]
