"""Correcting a participant's details: who may, the stale-edit refusal, the reason, the
versions kept (with user, role and reason), the page and its history, and erasure
reaching into the history. The API twin: tests/api/test_corrections_api.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from participants.models import Participant
from participants.services import participant_correct, participant_erase
from tests.factories import OrganisationFactory
from tests.history import shows_change
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import StaleVersion, version_of
from voorzorg.core.exceptions import ApplicationError

# The region makes participant_a's municipality admin_ada's region.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today", "region")]


def actor_for(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user))


def correct(user, participant, *, reason="Nummer verkeerd overgenomen.", **fields):
    fresh = Participant.objects.get(pk=participant.pk)
    return participant_correct(
        actor=actor_for(user),
        participant=fresh,
        version=version_of(fresh),
        reason=reason,
        **fields,
    )


# --- The service's rule -------------------------------------------------------------------


def test_the_poh_of_her_practice_corrects_and_the_old_version_is_kept(poh_anna, participant_a):
    correct(poh_anna, participant_a, phone="0687654321")
    participant_a.refresh_from_db()
    assert participant_a.phone == "0687654321"
    rows = list(participant_a.history.order_by("history_date", "history_id"))
    # The factory's creation, then the correction, with who, in which role, and why.
    assert [r.history_type for r in rows] == ["+", "~"]
    assert rows[0].phone == "0612345678"
    assert (rows[1].phone, rows[1].history_user, rows[1].history_role) == (
        "0687654321",
        poh_anna,
        "poh",
    )
    assert rows[1].history_change_reason == "Nummer verkeerd overgenomen."
    row = AccessLog.objects.get(event=f"participant.correct:{participant_a.pk}")
    assert (row.action, row.actor, row.person_id) == (
        AuditAction.UPDATE,
        poh_anna,
        participant_a.public_id,
    )


def test_an_administrator_of_her_region_corrects_too(admin_ada, participant_a):
    correct(admin_ada, participant_a, family_name="Kuiper")
    assert Participant.objects.get(pk=participant_a.pk).family_name == "Kuiper"


@pytest.mark.parametrize("who", ["poh_bram", "expert_eva", "coordinator_cor"])
def test_others_may_not_correct_her_details(personas, referral_a, who):
    participant = referral_a.participant
    with pytest.raises(ApplicationError):
        correct(personas[who], participant, phone="0687654321")
    assert Participant.objects.get(pk=participant.pk).phone == "0612345678"
    assert not AccessLog.objects.filter(event__startswith="participant.correct").exists()


def test_a_correction_made_on_an_older_version_is_refused(poh_anna, admin_ada, participant_a):
    opened = Participant.objects.get(pk=participant_a.pk)
    version = version_of(opened)
    correct(admin_ada, participant_a, email="sanne@example.org")
    with pytest.raises(StaleVersion, match="gewijzigd nadat u het formulier opende"):
        participant_correct(
            actor=actor_for(poh_anna),
            participant=opened,
            version=version,
            reason="Telefoon gecorrigeerd.",
            phone="0687654321",
        )
    participant_a.refresh_from_db()
    assert (participant_a.email, participant_a.phone) == ("sanne@example.org", "0612345678")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_reason_is_required_and_short(poh_anna, participant_a, reason):
    with pytest.raises(ApplicationError) as refused:
        correct(poh_anna, participant_a, reason=reason, phone="0687654321")
    assert "reason" in refused.value.extra
    assert participant_a.history.count() == 1


def test_nothing_changed_is_no_new_version(poh_anna, participant_a):
    with pytest.raises(ApplicationError, match="Er is niets gewijzigd"):
        correct(poh_anna, participant_a, phone=participant_a.phone)
    assert participant_a.history.count() == 1


def test_the_rule_of_the_record_holds(poh_anna, participant_a):
    with pytest.raises(ApplicationError):
        correct(poh_anna, participant_a, phone="", email="")
    assert Participant.objects.get(pk=participant_a.pk).phone == "0612345678"


def test_a_record_saved_before_versions_were_kept_gets_its_old_state_first(poh_anna, participant_a):
    participant_a.history.all().delete()  # as for a record from before this feature
    correct(poh_anna, participant_a, given_name="Sanna")
    first, second = participant_a.history.order_by("history_date", "history_id")
    assert (first.given_name, second.given_name) == ("Sanne", "Sanna")


def test_an_erased_participant_is_not_corrected(admin_ada, participant_a):
    participant_erase(actor=actor_for(admin_ada), participant=participant_a, reason="Verzoek.")
    with pytest.raises(ApplicationError, match="gewist"):
        correct(admin_ada, participant_a, given_name="Terug")


# --- Erasure reaches into the history -----------------------------------------------------


def test_erasure_empties_every_earlier_version(admin_ada, poh_anna, participant_a):
    correct(poh_anna, participant_a, given_name="Sanna", reason="Sanne heet eigenlijk Sanna.")
    participant_erase(actor=actor_for(admin_ada), participant=participant_a, reason="Verzoek.")
    rows = list(participant_a.history.all())
    assert len(rows) == 3  # created, corrected, erased
    for row in rows:
        assert (row.given_name, row.family_name) == ("Gewist", "Gewist")
        assert (row.phone, row.email, row.postcode4, row.date_of_birth) == ("", "", "", None)
        assert not row.history_change_reason
    # Who corrected, and when, stays (like the access log's rows).
    assert any(row.history_user == poh_anna for row in rows)


def test_retention_erases_the_history_too(poh_anna, participant_a, time_machine):
    import datetime as dt

    from participants.services import retention_erase_expired

    correct(poh_anna, participant_a, email="geheim@example.org")
    run = retention_erase_expired(today=dt.date(2030, 1, 1), retention_days=730)
    assert run.erased == [participant_a.public_id]
    assert not participant_a.history.filter(email="geheim@example.org").exists()


# --- The page -----------------------------------------------------------------------------


def post_data(participant, **overrides) -> dict:
    data = {
        "version": version_of(participant),
        "given_name": participant.given_name,
        "family_name": participant.family_name,
        "date_of_birth": participant.date_of_birth.isoformat(),
        "phone": participant.phone,
        "email": participant.email,
        "municipality": participant.municipality_id or "",
        "postcode4": participant.postcode4,
        "target_group": participant.target_group,
        "reason": "Telefoonnummer verkeerd overgenomen uit de brief.",
    }
    data.update(overrides)
    return data


def test_the_page_corrects_and_the_participant_page_shows_what_changed(
    client_for, poh_anna, participant_a
):
    client = client_for(poh_anna)
    url = reverse("participants:edit", args=[participant_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Reden van de correctie" in body and 'class="asteriskField"' in body
    response = client.post(url, post_data(participant_a, phone="0687654321"))
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:participant", args=[participant_a.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "Geschiedenis" in detail
    assert "Gecorrigeerd" in detail
    assert "Anna de Vries (POH-GGZ)" in detail
    assert "Telefoonnummer verkeerd overgenomen uit de brief." in detail
    # Human labels, old and new values; never the raw field name.
    assert shows_change(detail, "Telefoonnummer", "0612345678", "0687654321")
    assert ">phone<" not in detail
    # Reading the history is logged like any read of the record.
    assert AccessLog.objects.filter(
        event=f"participant.history:{participant_a.pk}", actor=poh_anna, action=AuditAction.READ
    ).exists()


def test_the_page_refuses_a_stale_form_in_dutch_and_shows_the_record_as_it_is(
    client_for, poh_anna, admin_ada, participant_a
):
    client = client_for(poh_anna)
    url = reverse("participants:edit", args=[participant_a.pk])
    stale = post_data(participant_a, phone="0687654321")
    correct(admin_ada, participant_a, email="nieuw@example.org")
    response = client.post(url, stale)
    assert response.status_code == 200
    body = response.content.decode()
    assert "gewijzigd nadat u het formulier opende" in body
    assert 'value="nieuw@example.org"' in body
    participant_a.refresh_from_db()
    assert (participant_a.phone, participant_a.email) == ("0612345678", "nieuw@example.org")


def test_the_page_asks_for_a_reason(client_for, poh_anna, participant_a):
    url = reverse("participants:edit", args=[participant_a.pk])
    response = client_for(poh_anna).post(
        url, post_data(participant_a, phone="0687654321", reason="")
    )
    assert response.status_code == 200
    assert "Geef kort de reden van de correctie op." in response.content.decode()
    assert Participant.objects.get(pk=participant_a.pk).phone == "0612345678"


def test_the_link_shows_for_who_may_correct(client_for, poh_anna, expert_eva, referral_a):
    pk = referral_a.participant.pk
    link = reverse("participants:edit", args=[pk])
    page = reverse("referrals:participant", args=[pk])
    assert link in client_for(poh_anna).get(page).content.decode()
    assert link not in client_for(expert_eva).get(page).content.decode()


def test_the_participant_page_reads_the_history_at_a_fixed_number_of_queries(
    client_for, poh_anna, participant_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(poh_anna)
    page = reverse("referrals:participant", args=[participant_a.pk])
    elsewhere = OrganisationFactory(municipality_kind=True, name="Gemeente Haren")
    correct(poh_anna, participant_a, phone="0687654321", municipality=elsewhere)
    client.get(page)
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for n in range(8):
        correct(poh_anna, participant_a, phone=f"06876543{n:02d}", email=f"s{n}@example.org")
        moved = participant_a.gp_practice.municipality if n % 2 == 0 else elsewhere
        correct(poh_anna, participant_a, municipality=moved)
    with django_assert_max_num_queries(len(few)):
        body = client.get(page).content.decode()
    assert body.count("Gecorrigeerd") >= 9
