"""Withdrawing the consent to share stops sharing at the handover, also afterwards.

The summary and the life-domain status leave the bridging team only while the consent to
share is in force: the GP letter and the POH's view of the handover check it on every
request, so a withdrawal after the handover was prepared (or even completed) removes them
from everything shared. The bridging team keeps its notes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from participants.constants import ConsentKind
from participants.models import Consent
from referrals.models import Referral
from tests.factories import MembershipFactory, UserFactory
from voorzorg.accounts.constants import Role

SUMMARY = "Wekelijks in de voorzorggroep; schulden in beeld bij schuldhulp."
DOMAINS = "Financiën: regeling loopt. Werk: re-integratie gestart."
NO_CONSENT = "gaf geen toestemming om de samenvatting te delen"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def prepared(client_for, referral_a, expert_finn, provider):
    """In bridging, share consent given, the handover prepared by the assigned expert."""
    Referral.objects.filter(pk=referral_a.pk).update(
        status="in_bridging",
        assigned_expert=expert_finn,
        first_contact_date=dt.date(2026, 10, 5),
        intended_provider=provider,
    )
    Consent.objects.create(
        participant=referral_a.participant,
        kind=ConsentKind.SHARE_AT_HANDOVER,
        given_on=dt.date(2026, 10, 5),
    )
    response = client_for(expert_finn).post(
        reverse("referrals:handover", args=[referral_a.pk]),
        {
            "provider": provider.pk,
            "meeting_at": "2026-11-20T14:00",
            "attends_participant": "on",
            "attends_expert": "on",
            "summary": SUMMARY,
            "life_domain_status": DOMAINS,
            "open_signals_checked": "on",
            "provider_acknowledged_on": "2026-11-21",
        },
    )
    assert response.status_code == 302
    return referral_a


def _withdraw(client, participant) -> None:
    response = client.post(
        reverse("referrals:consent", args=[participant.pk]),
        {"kind": ConsentKind.SHARE_AT_HANDOVER, "do": "withdraw"},
    )
    assert response.status_code == 302
    assert not participant.consents.filter(
        kind=ConsentKind.SHARE_AT_HANDOVER, withdrawn_on__isnull=True
    ).exists()


def _page(client, name: str, referral) -> str:
    response = client.get(reverse(name, args=[referral.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_withdrawal_after_preparing_hides_the_summary_from_the_poh(
    client_for, poh_anna, expert_finn, prepared
):
    poh = client_for(poh_anna)
    body = _page(poh, "referrals:handover", prepared)
    assert SUMMARY in body
    assert DOMAINS in body

    _withdraw(poh, prepared.participant)

    body = _page(poh, "referrals:handover", prepared)
    assert SUMMARY not in body
    assert DOMAINS not in body
    assert "de samenvatting blijft bij het overbruggingsteam" in body
    # The bridging team still has its own notes (and nothing was deleted).
    assert SUMMARY in _page(client_for(expert_finn), "referrals:handover", prepared)
    assert prepared.handover.summary == SUMMARY


def test_withdrawal_before_completion_keeps_the_summary_out_of_the_gp_letter(
    client_for, poh_anna, expert_finn, prepared
):
    _withdraw(client_for(poh_anna), prepared.participant)
    client_for(expert_finn).post(reverse("referrals:handover_complete", args=[prepared.pk]))
    assert Referral.objects.get(pk=prepared.pk).status == "handed_over"

    body = _page(client_for(poh_anna), "referrals:gp_letter", prepared)
    assert SUMMARY not in body
    assert DOMAINS not in body
    assert NO_CONSENT in body


def test_withdrawal_after_completion_removes_the_summary_from_the_gp_letter(
    client_for, poh_anna, expert_finn, prepared
):
    client_for(expert_finn).post(reverse("referrals:handover_complete", args=[prepared.pk]))
    poh = client_for(poh_anna)
    body = _page(poh, "referrals:gp_letter", prepared)
    assert SUMMARY in body
    assert DOMAINS in body

    _withdraw(poh, prepared.participant)

    for name in ("referrals:gp_letter", "referrals:handover"):
        body = _page(poh, name, prepared)
        assert SUMMARY not in body, name
        assert DOMAINS not in body, name
    assert NO_CONSENT in _page(poh, "referrals:gp_letter", prepared)


def _task_notes(client, referral) -> list[str]:
    import json

    texts: list[str] = []
    handover = referral.handover
    read = client.get(f"/fhir/Task/{handover.pk}")
    search = client.get("/fhir/Task", {"patient": f"Patient/{referral.participant.public_id}"})
    assert read.status_code == search.status_code == 200
    found = [json.loads(read.content)]
    found += [e["resource"] for e in json.loads(search.content).get("entry", [])]
    assert len(found) == 2
    for task in found:
        texts += [note["text"] for note in task.get("note", [])]
    return texts


def test_fhir_follows_a_withdrawn_consent_like_the_pages(
    client_for, poh_anna, expert_finn, prepared
):
    poh = client_for(poh_anna)
    assert set(_task_notes(poh, prepared)) == {SUMMARY, DOMAINS}

    _withdraw(poh, prepared.participant)

    assert _task_notes(poh, prepared) == []
    assert set(_task_notes(client_for(expert_finn), prepared)) == {SUMMARY, DOMAINS}


def test_the_rest_handover_follows_a_withdrawn_consent(client_for, poh_anna, prepared):
    poh = client_for(poh_anna)
    url = f"/api/v1/referrals/{prepared.pk}/handover/"
    assert poh.get(url).json()["summary"] == SUMMARY
    _withdraw(poh, prepared.participant)
    shown = poh.get(url).json()
    assert (shown["summary"], shown["life_domain_status"], shown["share_consent"]) == (
        "",
        "",
        False,
    )


def test_the_poh_s_export_follows_the_consent_the_administrator_s_copy_is_complete(
    client_for, poh_anna, admin_ada, prepared
):
    """Decision: the POH's AVG export applies the same rule as every other view of the
    handover (else the export would be a way around a withdrawal); a complete copy for the
    participant is made by the functional administrator, who is part of the bridging team."""
    participant = prepared.participant
    json_url = reverse("participants:export_json", args=[participant.pk])
    page_url = reverse("participants:export", args=[participant.pk])
    poh = client_for(poh_anna)
    assert SUMMARY in poh.get(json_url).content.decode("utf-8")

    _withdraw(poh, participant)

    for url in (json_url, page_url):
        body = poh.get(url).content.decode("utf-8")
        assert SUMMARY not in body and DOMAINS not in body, url
        complete = client_for(admin_ada).get(url).content.decode("utf-8")
        assert SUMMARY in complete and DOMAINS in complete, url
