"""Merging two records of one person, and undoing it within 30 days (participants.merging).

``world.sanne`` (tests/participants/conftest.py) has a row in every table; ``twin`` is her
second record, registered again by the practice, with care of its own.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from groups.models import Attendance, Contact, Enrolment, PositiveHealthMeasurement, Signal
from participants.constants import ConsentKind, DuplicateStatus
from participants.merging import (
    UNDO_DAYS,
    merge_get_for,
    participant_merge,
    participant_merge_undo,
)
from participants.models import Consent, Participant, ParticipantMerge, PossibleDuplicate
from participants.selectors import participants_for
from participants.services import participant_erase
from referrals.models import Handover, Referral, ReferralEvent, WaitingEpisode
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    ReferralFactory,
    SignalFactory,
)
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog, BreakGlassGrant
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from .conftest import admin_actor

MERGED_AT = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
REASON = "Twee keer aangemeld door de praktijk; met de deelnemer nagegaan."

# Every table that holds part of a person's record, counted per participant.
TABLES = {
    "consents": lambda p: Consent.objects.filter(participant=p),
    "referrals": lambda p: Referral.objects.filter(participant=p),
    "referral events": lambda p: ReferralEvent.objects.filter(referral__participant=p),
    "handovers": lambda p: Handover.objects.filter(referral__participant=p),
    "waiting episodes": lambda p: WaitingEpisode.objects.filter(participant=p),
    "enrolments": lambda p: Enrolment.objects.filter(participant=p),
    "attendance": lambda p: Attendance.objects.filter(participant=p),
    # Withdrawn contacts and measurements are part of the record too.
    "contacts": lambda p: Contact.all_objects.filter(participant=p),
    "measurements": lambda p: PositiveHealthMeasurement.all_objects.filter(participant=p),
    "signals": lambda p: Signal.objects.filter(participant=p),
}


def rows_of(p: Participant) -> dict[str, set[int]]:
    return {name: set(rows(p).values_list("pk", flat=True)) for name, rows in TABLES.items()}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(MERGED_AT, tick=False)


@pytest.fixture
def twin(world, practice_a, municipality, region, poh_anna, expert_eva):
    """Sanne's second record: consent, an open referral, a place in another group, a
    contact, a withdrawn contact and an open signal of its own."""
    twin = ParticipantFactory(
        gp_practice=practice_a,
        municipality=municipality,
        given_name="Zwanette",
        family_name="Oosterbroek",
        date_of_birth=dt.date(1990, 4, 5),
    )
    Consent.objects.create(
        participant=twin,
        kind=ConsentKind.PROCESSING,
        given_on=dt.date(2026, 11, 2),
        recorded_by=poh_anna,
    )
    ReferralFactory(participant=twin, region=region, referral_date=dt.date(2026, 11, 2))
    other_group = PeerGroupFactory(name="Groep Zuid", municipality=municipality)
    EnrolmentFactory(participant=twin, group=other_group, start_date=dt.date(2026, 11, 3))
    ContactFactory(participant=twin, expert=expert_eva)
    ContactFactory(
        participant=twin,
        expert=expert_eva,
        withdrawn_at=MERGED_AT - dt.timedelta(days=1),
        withdrawn_by=expert_eva,
        withdrawn_reason="Bij de verkeerde deelnemer vastgelegd.",
    )
    SignalFactory(participant=twin, raised_by=expert_eva)
    return twin


@pytest.fixture
def ada(admin_ada) -> Actor:
    return admin_actor(admin_ada)


@pytest.mark.django_db
def test_a_merge_moves_everything_to_the_kept_record(world, twin, ada):
    sanne, piet = world.sanne, world.piet
    before = {"sanne": rows_of(sanne), "twin": rows_of(twin), "piet": rows_of(piet)}
    active_consent = Consent.objects.get(participant=sanne, kind=ConsentKind.PROCESSING)

    merge = participant_merge(actor=ada, kept=twin, merged=sanne, reason=REASON)

    after = rows_of(twin)
    for table in TABLES:
        expected = before["twin"][table] | before["sanne"][table]
        if table == "consents":
            # One consent in force per kind: the twin's own stays, Sanne's stays behind.
            expected -= {active_consent.pk}
        assert after[table] == expected, table
    assert rows_of(sanne)["consents"] == {active_consent.pk}
    assert all(not ids for table, ids in rows_of(sanne).items() if table != "consents")
    assert rows_of(piet) == before["piet"]
    sanne.refresh_from_db()
    assert sanne.merged_into == twin
    assert sanne.given_name == "Zwanette"  # marked, not deleted nor erased
    assert merge.moved["referrals.referral"] == sorted(before["sanne"]["referrals"])
    assert merge.moved["groups.attendance"] == sorted(before["sanne"]["attendance"])
    assert (merge.kept, merge.merged, merge.merged_by.email, merge.reason) == (
        twin,
        sanne,
        "ada@voorzorg.test",
        REASON,
    )


@pytest.mark.django_db
def test_the_merged_record_is_hidden_from_every_scope(world, twin, ada, poh_anna, expert_eva):
    participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    for user in (poh_anna, expert_eva):
        visible = participants_for(Membership.objects.get(user=user))
        assert world.sanne not in visible and twin in visible
    assert world.sanne not in participants_for(ada.membership)
    # The access log still answers who looked at her number.
    assert world.sanne in participants_for(ada.membership, include_merged=True)


@pytest.mark.django_db
def test_merge_and_undo_are_logged_naming_both(world, twin, ada):
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    rows = AccessLog.objects.filter(event=f"participant.merge:{merge.pk}")
    assert {(r.action, r.person_id, r.actor.email) for r in rows} == {
        ("U", twin.public_id, "ada@voorzorg.test"),
        ("U", world.sanne.public_id, "ada@voorzorg.test"),
    }
    participant_merge_undo(actor=ada, merge=merge, reason="Toch twee mensen.")
    undone = AccessLog.objects.filter(event=f"participant.merge_undo:{merge.pk}")
    assert {r.person_id for r in undone} == {twin.public_id, world.sanne.public_id}


@pytest.mark.django_db
def test_an_undo_restores_exactly_what_moved(world, twin, ada, expert_eva, time_machine):
    before = {p.pk: rows_of(p) for p in (world.sanne, twin, world.piet)}
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    time_machine.shift(dt.timedelta(days=3))
    later = ContactFactory(participant=twin, expert=expert_eva)  # made on the kept record

    undone = participant_merge_undo(actor=ada, merge=merge, reason="Toch twee mensen.")

    twin_rows = rows_of(twin)
    assert twin_rows["contacts"] == before[twin.pk]["contacts"] | {later.pk}
    twin_rows["contacts"].discard(later.pk)
    assert twin_rows == before[twin.pk]
    assert rows_of(world.sanne) == before[world.sanne.pk]
    assert rows_of(world.piet) == before[world.piet.pk]
    world.sanne.refresh_from_db()
    assert world.sanne.merged_into is None
    assert world.sanne in participants_for(ada.membership)
    assert (undone.undone_at, undone.undone_by, undone.undo_reason) == (
        MERGED_AT + dt.timedelta(days=3),
        ada.user,
        "Toch twee mensen.",
    )
    with pytest.raises(ApplicationError, match="al teruggedraaid"):
        participant_merge_undo(actor=ada, merge=merge, reason="Nog eens.")


@pytest.mark.django_db
def test_an_undo_is_refused_after_30_days(world, twin, ada, time_machine):
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    time_machine.move_to(MERGED_AT + dt.timedelta(days=UNDO_DAYS, minutes=1), tick=False)
    with pytest.raises(ApplicationError) as refused:
        participant_merge_undo(actor=ada, merge=merge, reason="Te laat.")
    assert refused.value.message == (
        "Deze samenvoeging is meer dan 30 dagen geleden gedaan en kan niet meer worden "
        "teruggedraaid."
    )
    world.sanne.refresh_from_db()
    assert world.sanne.merged_into == twin
    assert ParticipantMerge.objects.get().undone_at is None


@pytest.mark.django_db
def test_an_undo_on_the_last_day_still_works(world, twin, ada, time_machine):
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    time_machine.move_to(MERGED_AT + dt.timedelta(days=UNDO_DAYS), tick=False)
    assert participant_merge_undo(actor=ada, merge=merge, reason="Net op tijd.").undone_at


@pytest.mark.django_db
def test_a_merge_settles_the_possible_duplicate(world, twin, ada):
    flag = PossibleDuplicate.objects.create(
        participant=twin, candidate=world.sanne, reasons=["name_dob"], noted_at=MERGED_AT
    )
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (DuplicateStatus.MERGED, ada.user)
    participant_merge_undo(actor=ada, merge=merge, reason="Toch twee mensen.")
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (DuplicateStatus.OPEN, None)


# --- Refusals ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_an_administrator_merges(world, twin, poh_anna):
    anna = Actor(user=poh_anna, membership=Membership.objects.get(user=poh_anna))
    with pytest.raises(ApplicationError, match="Alleen een functioneel beheerder"):
        participant_merge(actor=anna, kept=twin, merged=world.sanne, reason=REASON)
    assert not ParticipantMerge.objects.exists()


@pytest.mark.django_db
def test_a_reason_is_needed(world, twin, ada):
    with pytest.raises(ApplicationError, match=r"Geef een reden op\."):
        participant_merge(actor=ada, kept=twin, merged=world.sanne, reason="  ")


@pytest.mark.django_db
def test_no_merge_outside_her_region_nor_under_emergency_access(world, ada, admin_ada):
    far = OrganisationFactory(municipality_kind=True, name="Gemeente Verweg")
    stranger = ParticipantFactory(municipality=far)
    with pytest.raises(ApplicationError, match="eigen regio"):
        participant_merge(actor=ada, kept=world.sanne, merged=stranger, reason=REASON)
    BreakGlassGrant.objects.create(
        user=admin_ada,
        membership=ada.membership,
        person_id=stranger.public_id,
        reason="Crisisdienst belt.",
        granted_at=MERGED_AT,
        expires_at=MERGED_AT + dt.timedelta(hours=1),
    )
    assert stranger in participants_for(ada.membership)  # she may read her now
    with pytest.raises(ApplicationError, match="niet met noodtoegang"):
        participant_merge(actor=ada, kept=world.sanne, merged=stranger, reason=REASON)
    assert stranger.referrals.count() == 0 and not ParticipantMerge.objects.exists()


@pytest.mark.django_db
def test_two_places_in_one_group_are_refused(world, twin, ada):
    EnrolmentFactory(participant=twin, group=world.group, start_date=dt.date(2026, 11, 3))
    Enrolment.objects.filter(participant=world.sanne).update(status="active", end_date=None)
    with pytest.raises(ApplicationError, match="Voorzorggroep Noord"):
        participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    assert Enrolment.objects.filter(participant=world.sanne).count() == 1


@pytest.mark.django_db
def test_an_erasure_of_the_kept_record_erases_the_merged_one(world, twin, ada):
    Referral.objects.filter(participant=twin).update(status="withdrawn")
    participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    participant_erase(actor=ada, participant=twin, reason="Verzoek van de deelnemer.")
    world.sanne.refresh_from_db()
    assert world.sanne.erased_at is not None and world.sanne.given_name == "Gewist"
    erased = AccessLog.objects.filter(event="participant.erase")
    assert {r.person_id for r in erased} == {twin.public_id, world.sanne.public_id}
    # The merge's reason was written about her: gone too.
    assert ParticipantMerge.objects.get().reason == "Gewist"


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_compares_and_merges_on_the_page(world, twin, client_for, admin_ada):
    client = client_for(admin_ada)
    url = reverse("participants:merge", args=[world.sanne.pk])
    assert "Deelnemernummer van het andere dossier" in client.get(url).text
    compared = client.get(url, {"ander": twin.public_id.lower()})
    assert compared.status_code == 200
    assert twin.public_id in compared.text and "Verwijzingen" in compared.text
    assert not ParticipantMerge.objects.exists()

    response = client.post(
        url, {"ander": twin.public_id, "keep": twin.pk, "reason": REASON, "confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:participant", args=[twin.pk])
    merge = ParticipantMerge.objects.get()
    assert (merge.kept, merge.merged) == (twin, world.sanne)
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        f"Dossier {world.sanne.public_id} is samengevoegd met {twin.public_id}. "
        "Terugdraaien kan tot 23-12-2026 11:00."
    )
    # The kept record's page offers the undo.
    page = client.get(response["Location"]).text
    assert reverse("participants:merge_undo", args=[merge.pk]) in page


@pytest.mark.django_db
def test_the_merge_page_needs_a_reason_and_the_confirmation(world, twin, client_for, admin_ada):
    response = client_for(admin_ada).post(
        reverse("participants:merge", args=[world.sanne.pk]),
        {"ander": twin.public_id, "keep": twin.pk, "reason": ""},
    )
    assert response.status_code == 200
    assert "Niet opgeslagen" in response.text
    assert not ParticipantMerge.objects.exists()


@pytest.mark.django_db
def test_an_unknown_or_foreign_number_is_not_found_inline(world, client_for, admin_ada):
    stranger = ParticipantFactory(
        municipality=OrganisationFactory(municipality_kind=True), family_name="Verweg"
    )
    url = reverse("participants:merge", args=[world.sanne.pk])
    for number in ("VZ-23456789", stranger.public_id, world.sanne.public_id):
        page = client_for(admin_ada).get(url, {"ander": number})
        assert page.status_code == 200
        assert "Samenvoegen</button>" not in page.text
    assert stranger.family_name not in page.text


@pytest.mark.django_db
def test_the_undo_page_undoes_and_refuses_after_30_days(
    world, twin, ada, client_for, admin_ada, time_machine
):
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    url = reverse("participants:merge_undo", args=[merge.pk])
    client = client_for(admin_ada)
    page = client.get(url).text
    assert "Terugdraaien kan tot 23-12-2026 11:00." in page
    assert "Verwijzingen: 2" in page

    time_machine.move_to(MERGED_AT + dt.timedelta(days=31), tick=False)
    client = client_for(admin_ada)  # the session ran out meanwhile
    late = client.get(url).text
    assert "kan niet meer worden teruggedraaid" in late
    refused = client.post(url, {"reason": "Toch twee mensen.", "confirm": "on"})
    assert refused.status_code == 200
    assert "kan niet meer worden teruggedraaid" in refused.text
    merge.refresh_from_db()
    assert merge.undone_at is None


@pytest.mark.django_db
def test_the_undo_page_posts_the_undo(world, twin, ada, client_for, admin_ada):
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    response = client_for(admin_ada).post(
        reverse("participants:merge_undo", args=[merge.pk]),
        {"reason": "Toch twee mensen.", "confirm": "on"},
    )
    assert response.status_code == 302
    world.sanne.refresh_from_db()
    assert world.sanne.merged_into is None


@pytest.mark.django_db
def test_the_old_address_says_where_she_is_now(world, twin, ada, client_for, poh_anna, poh_bram):
    participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    old = reverse("referrals:participant", args=[world.sanne.pk])
    page = client_for(poh_anna).get(old)
    assert page.status_code == 200
    assert "Dit dossier is samengevoegd" in page.text
    assert reverse("referrals:participant", args=[twin.pk]) in page.text
    assert "Zwanette" not in page.text  # the number only
    # Outside her scope: the plain "not found", nothing about the other record.
    assert client_for(poh_bram).get(old).status_code == 404


@pytest.mark.django_db
def test_the_merge_gate_keeps_to_her_region(world, twin, ada, admin_ada):
    merge = participant_merge(actor=ada, kept=twin, merged=world.sanne, reason=REASON)
    assert merge_get_for(ada, merge.pk) == merge
    granted = AccessLog.objects.filter(event=f"participant.merge.view:{merge.pk}")
    assert {r.person_id for r in granted} == {twin.public_id, world.sanne.public_id}
