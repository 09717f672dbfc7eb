"""AVG export (inzage, dataportabiliteit): everything of one person, nobody else's, logged."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from participants.dossier import participant_export
from voorzorg.audit.models import AccessLog, AuditAction

from .conftest import PIET_SECRETS, SANNE_SECRETS

pytestmark = pytest.mark.django_db


def _download(client, participant) -> tuple[object, dict]:
    response = client.get(reverse("participants:export_json", args=[participant.pk]))
    return response, json.loads(response.content)


def test_json_export_holds_all_of_the_persons_data(client_for, poh_anna, admin_ada, world):
    response, data = _download(client_for(poh_anna), world.sanne)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="voorzorg-{world.sanne.public_id}-'
    )
    assert "no-store" in response["Cache-Control"]

    s = SANNE_SECRETS
    person = data["participant"]
    assert person["public_id"] == world.sanne.public_id
    assert (person["given_name"], person["family_name"]) == (s["given_name"], s["family_name"])
    assert (person["phone"], person["email"]) == (s["phone"], s["email"])
    assert (person["date_of_birth"], person["postcode4"]) == ("1990-04-05", "9712")
    assert person["gp_practice"] == "Praktijk A"
    assert person["municipality"] == "Gemeente Groningen"
    assert person["prefers_group"] is True
    assert {(c["kind"], c["withdrawn_on"]) for c in data["consents"]} == {
        ("processing", None),
        ("share_at_handover", "2026-05-01"),
    }

    referrals = {r["id"]: r for r in data["referrals"]}
    assert set(referrals) == {world.closed_referral.pk, world.declined_referral.pk}
    closed = referrals[world.closed_referral.pk]
    assert closed["help_question"] == s["help_question"]
    assert closed["life_domains"] == ["financien", "sociale_relaties"]
    assert closed["life_domains_labels"] == ["Financiën", "Sociale relaties"]
    assert (closed["status"], closed["status_label"]) == ("closed", "Afgesloten")
    assert [(e["from_status"], e["to_status"]) for e in closed["events"]] == [
        ("", "submitted"),
        ("handed_over", "closed"),
    ]
    assert closed["events"][1]["reason"] == s["event_reason"]
    assert closed["events"][0]["at"] == "2026-03-01T10:00:00+01:00"  # local time, ISO 8601
    handover = closed["handover"]
    # Her consent to share was withdrawn: the POH's copy leaves the handover texts out
    # (participants.selectors.handover_texts_visible); the administrator's copy holds them.
    assert (handover["summary"], handover["life_domain_status"]) == ("", "")
    _response, complete = _download(client_for(admin_ada), world.sanne)
    [full] = [r for r in complete["referrals"] if r["id"] == world.closed_referral.pk]
    assert full["handover"]["summary"] == s["summary"]
    assert full["handover"]["life_domain_status"] == s["life_domain_status"]
    assert full["handover"]["participant_words"] == s["participant_words"]
    assert handover["participant_words"] == ""  # consent-gated like the summary
    # Who confirmed for the provider and the first appointment; the handover's thread.
    assert handover["provider_acknowledged_by"] == "Eva Bakker"
    assert handover["first_appointment_at"] == "2026-05-27T11:30:00+02:00"
    [message] = closed["handover_messages"]
    assert message["text"] == s["handover_message"]
    assert (message["by"], message["role"], message["role_label"]) == (
        "Eva Bakker",
        "expert",
        "Ervaringsdeskundige",
    )
    assert handover["provider"] == "GGZ Noord"
    assert referrals[world.declined_referral.pk]["decline_reason"] == s["decline_reason"]
    assert referrals[world.declined_referral.pk]["handover"] is None

    [episode] = data["waiting_episodes"]
    assert episode["id"] == world.episode.pk
    assert (episode["registration_date"], episode["intake_date"]) == ("2026-03-02", "2026-04-15")
    [enrolment] = data["group_enrolments"]
    assert (enrolment["group"], enrolment["status"]) == ("Voorzorggroep Noord", "ended")
    assert [(a["topic"], a["status"]) for a in data["attendance"]] == [
        ("Bijeenkomst 1", "present"),
        ("Bijeenkomst 2", "present"),
    ]
    [contact] = data["contacts"]
    assert contact["note"] == s["contact_note"]
    assert contact["partner_organisation"] == s["partner_organisation"]
    assert [m["meedoen"] for m in data["positive_health"]] == [3, 7]
    [signal] = data["signals"]
    assert signal["description"] == s["signal_description"]
    assert signal["acknowledge_note"] == s["acknowledge_note"]
    assert signal["resolution_note"] == s["resolution_note"]


def test_json_export_holds_no_one_elses_data(client_for, poh_anna, world):
    response, _data = _download(client_for(poh_anna), world.sanne)
    text = response.content.decode()
    for secret in PIET_SECRETS.values():
        assert secret not in text
    assert world.piet.public_id not in text
    # Piet's absences in the same sessions, and the group's own notes, stay out.
    assert "absent" not in text
    assert "Sessienotitie" not in text


def test_export_of_a_waiting_place_only_known_through_a_referral(world, provider):
    # An imported episode has no participant link; the POH pointed a referral at it.
    from tests.factories import WaitingEpisodeFactory

    imported = WaitingEpisodeFactory(provider=provider, external_id="EXT-9")
    world.declined_referral.waiting_episode = imported
    world.declined_referral.save()
    ids = [e["id"] for e in participant_export(world.sanne, None)["waiting_episodes"]]
    assert ids == [world.episode.pk, imported.pk]


@pytest.mark.parametrize("name", ["participants:export", "participants:export_json"])
def test_export_writes_a_read_and_an_export_audit_row(client_for, admin_ada, world, name):
    client_for(admin_ada).get(reverse(name, args=[world.sanne.pk]))
    rows = AccessLog.objects.filter(person_id=world.sanne.public_id, actor=admin_ada)
    assert set(rows.values_list("action", flat=True)) == {AuditAction.READ, AuditAction.EXPORT}
    export = rows.get(action=AuditAction.EXPORT)
    assert export.access_granted is True
    assert export.event == "participant.export:" + ("json" if name.endswith("json") else "html")
    assert export.role == "admin"


def test_printable_page_shows_the_persons_data_and_no_one_elses(client_for, poh_anna, world):
    response = client_for(poh_anna).get(reverse("participants:export", args=[world.sanne.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    for key in ("given_name", "phone", "help_question", "contact_note"):
        assert SANNE_SECRETS[key] in body
    assert SANNE_SECRETS["summary"] not in body  # her consent to share was withdrawn
    assert "data-print" in body
    assert reverse("participants:export_json", args=[world.sanne.pk]) in body
    for secret in PIET_SECRETS.values():
        assert secret not in body


def test_export_takes_a_fixed_number_of_queries(
    client_for, poh_anna, world, django_assert_max_num_queries
):
    client = client_for(poh_anna)
    url = reverse("participants:export_json", args=[world.sanne.pk])
    with django_assert_max_num_queries(25):
        client.get(url)
