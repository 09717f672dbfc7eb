"""Correcting and withdrawing contacts and Positieve Gezondheid measurements: who may (the
rule of recording them), stale edits, reasons, the versions kept and shown, withdrawn
records gone from every list but kept in their history, the AVG export and erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Contact, PositiveHealthMeasurement
from groups.panels import contacts_panel, positive_health_panel
from groups.services.corrections import (
    contact_correct,
    contact_withdraw,
    positive_health_correct,
    positive_health_withdraw,
)
from participants.dossier import participant_export
from participants.services import participant_erase
from referrals.services import referral_withdraw
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    OrganisationFactory,
    PositiveHealthMeasurementFactory,
    RegionFactory,
    UserFactory,
)
from tests.history import shows_change
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import StaleVersion, version_of
from voorzorg.core.exceptions import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]

SCORES = {
    "lichaamsfuncties": 5,
    "mentaal_welbevinden": 4,
    "zingeving": 5,
    "kwaliteit_van_leven": 5,
    "meedoen": 3,
    "dagelijks_functioneren": 6,
}


def actor_for(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.filter(user=user).first())


@pytest.fixture
def contact(referral_a, expert_eva):
    """A 30-minute phone call of expert_eva with Sanne (referral_a), 2 November."""
    return ContactFactory(participant=referral_a.participant, expert=expert_eva, note="Gebeld.")


@pytest.fixture
def measurement(referral_a, expert_eva):
    return PositiveHealthMeasurementFactory(
        participant=referral_a.participant, recorded_by=expert_eva
    )


@pytest.fixture
def expert_zoe():
    """An experience expert of another region: Sanne is not hers to see."""
    far = OrganisationFactory(municipality_kind=True, name="Gemeente Amsterdam", cbs_code="GM0363")
    region = RegionFactory(name="Amsterdam")
    region.municipalities.add(far)
    user = UserFactory(email="zoe@voorzorg.test", full_name="Zoë Ver")
    welfare = OrganisationFactory(welfare=True, municipality=far)
    MembershipFactory(user=user, organisation=welfare, role=Role.EXPERT, is_team_lead=True)
    return user


def fix_duration(user, contact, minutes=45, reason="Duur verkeerd ingevuld."):
    fresh = Contact.all_objects.select_related("participant").get(pk=contact.pk)
    return contact_correct(
        actor=actor_for(user),
        contact=fresh,
        version=version_of(fresh),
        reason=reason,
        duration_minutes=minutes,
    )


def withdraw(user, record, reason="Bij de verkeerde deelnemer vastgelegd."):
    model = type(record)
    fresh = model.all_objects.select_related("participant").get(pk=record.pk)
    if model is Contact:
        return contact_withdraw(
            actor=actor_for(user), contact=fresh, version=version_of(fresh), reason=reason
        )
    return positive_health_withdraw(
        actor=actor_for(user), measurement=fresh, version=version_of(fresh), reason=reason
    )


# --- Who may -------------------------------------------------------------------------------


def test_the_expert_corrects_a_contact_and_the_old_version_is_kept(expert_eva, contact):
    fix_duration(expert_eva, contact)
    contact.refresh_from_db()
    assert contact.duration_minutes == 45
    first, second = contact.history.order_by("history_date", "history_id")
    assert (first.duration_minutes, second.duration_minutes) == (30, 45)
    assert (second.history_user, second.history_role, second.history_change_reason) == (
        expert_eva,
        "expert",
        "Duur verkeerd ingevuld.",
    )
    assert AccessLog.objects.filter(
        event=f"contact.correct:{contact.pk}", action=AuditAction.UPDATE, actor=expert_eva
    ).exists()


@pytest.mark.parametrize("who", ["poh_anna", "coordinator_cor"])
def test_who_does_not_record_contacts_may_not_correct_them(personas, contact, who):
    with pytest.raises(ApplicationError):
        fix_duration(personas[who], contact)
    with pytest.raises(ApplicationError):
        withdraw(personas[who], contact)
    assert Contact.objects.get(pk=contact.pk).duration_minutes == 30


def test_an_expert_of_another_region_may_not_and_her_pages_say_not_found(
    client_for, expert_zoe, contact, measurement
):
    with pytest.raises(ApplicationError):
        fix_duration(expert_zoe, contact)
    with pytest.raises(ApplicationError):
        withdraw(expert_zoe, measurement)
    client = client_for(expert_zoe)
    pk = contact.participant_id
    for url in (
        reverse("groups:contact_detail", args=[pk, contact.pk]),
        reverse("groups:contact_edit", args=[pk, contact.pk]),
        reverse("groups:contact_withdraw", args=[pk, contact.pk]),
        reverse("groups:health_detail", args=[pk, measurement.pk]),
        reverse("groups:health_edit", args=[pk, measurement.pk]),
        reverse("groups:health_withdraw", args=[pk, measurement.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_an_expert_of_her_organisation_who_does_not_see_her_may_not(
    client_for, expert_eva, contact
):
    # No team-lead flag, no referral assigned, no group: Sanne is not in Finn's scope.
    finn = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(
        user=finn, organisation=expert_eva.memberships.get().organisation, role=Role.EXPERT
    )
    with pytest.raises(ApplicationError):
        fix_duration(finn, contact)
    url = reverse("groups:contact_edit", args=[contact.participant_id, contact.pk])
    assert client_for(finn).get(url).status_code == 404


def test_a_contact_of_another_participant_is_not_found_under_hers(
    client_for, expert_eva, contact, participant_a
):
    other = ContactFactory(expert=expert_eva)
    url = reverse("groups:contact_detail", args=[participant_a.pk, other.pk])
    assert client_for(expert_eva).get(url).status_code == 404


# --- Stale edits and reasons ----------------------------------------------------------------


def test_a_correction_on_an_older_version_is_refused(expert_eva, admin_ada, contact):
    opened = Contact.objects.select_related("participant").get(pk=contact.pk)
    version = version_of(opened)
    fix_duration(admin_ada, contact, minutes=60, reason="Was een uur.")
    with pytest.raises(StaleVersion):
        contact_correct(
            actor=actor_for(expert_eva),
            contact=opened,
            version=version,
            reason="Duur.",
            duration_minutes=45,
        )
    assert Contact.objects.get(pk=contact.pk).duration_minutes == 60


def test_a_reason_is_required(expert_eva, contact, measurement):
    with pytest.raises(ApplicationError) as refused:
        fix_duration(expert_eva, contact, reason=" ")
    assert "reason" in refused.value.extra
    with pytest.raises(ApplicationError):
        withdraw(expert_eva, measurement, reason="")
    assert not PositiveHealthMeasurement.objects.get(pk=measurement.pk).is_withdrawn


def test_a_contact_date_in_the_future_is_refused(expert_eva, contact):
    fresh = Contact.objects.select_related("participant").get(pk=contact.pk)
    with pytest.raises(ApplicationError) as refused:
        contact_correct(
            actor=actor_for(expert_eva),
            contact=fresh,
            version=version_of(fresh),
            reason="Datum.",
            date=dt.date(2026, 12, 1),
        )
    assert "date" in refused.value.extra


# --- Withdrawn: gone from lists and figures, kept in the history ------------------------------


def test_a_withdrawn_contact_leaves_every_list_but_keeps_its_page(
    client_for, expert_eva, poh_anna, contact, referral_a
):
    withdraw(expert_eva, contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    withdrawn = Contact.all_objects.get(pk=contact.pk)
    assert (withdrawn.withdrawn_by, withdrawn.withdrawn_reason) == (
        expert_eva,
        "Bij de verkeerde deelnemer vastgelegd.",
    )
    membership = expert_eva.memberships.get()
    assert contacts_panel(referral_a.participant, membership)["contacts"] == []
    assert AccessLog.objects.filter(
        event=f"contact.withdraw:{contact.pk}", action=AuditAction.UPDATE
    ).exists()
    # The list of all contacts names it apart; its page shows it withdrawn, with its history.
    client = client_for(poh_anna)
    listing = client.get(reverse("groups:contact_list", args=[referral_a.participant_id]))
    body = listing.content.decode()
    assert "Ingetrokken contacten" in body
    assert "0 contacten" in body
    page = client.get(
        reverse("groups:contact_detail", args=[referral_a.participant_id, contact.pk])
    )
    text = page.content.decode()
    assert "Ingetrokken op" in text and "Bij de verkeerde deelnemer vastgelegd." in text
    assert "Eva Bakker (Ervaringsdeskundige)" in text


def test_a_withdrawn_record_is_not_corrected_or_withdrawn_again(expert_eva, contact):
    withdraw(expert_eva, contact)
    with pytest.raises(ApplicationError, match="ingetrokken"):
        fix_duration(expert_eva, contact)
    with pytest.raises(ApplicationError, match="ingetrokken"):
        withdraw(expert_eva, contact)


def test_a_withdrawn_measurement_leaves_the_chart(expert_eva, measurement, referral_a):
    later = PositiveHealthMeasurementFactory(
        participant=referral_a.participant,
        recorded_by=expert_eva,
        measured_on=dt.date(2026, 11, 16),
        meedoen=7,
    )
    membership = expert_eva.memberships.get()
    assert (
        positive_health_panel(referral_a.participant, membership)["health"]["first"] == measurement
    )
    withdraw(expert_eva, measurement)
    health = positive_health_panel(referral_a.participant, membership)["health"]
    assert health["first"] is None and health["latest"] == later


# --- Pages -----------------------------------------------------------------------------------


def test_the_contact_page_corrects_and_shows_old_and_new(client_for, expert_eva, contact):
    client = client_for(expert_eva)
    pk = contact.participant_id
    edit = reverse("groups:contact_edit", args=[pk, contact.pk])
    form = client.get(edit)
    assert form.status_code == 200
    assert "Reden van de correctie" in form.content.decode()
    response = client.post(
        edit,
        {
            "version": version_of(contact),
            "date": "2026-11-02",
            "duration_preset": "",
            "duration_other": "50",
            "mode": "phone",
            "life_domains": ["sociale_relaties"],
            "partner": "",
            "partner_organisation": "",
            "note": "Gebeld.",
            "reason": "Het gesprek liep uit.",
        },
    )
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert shows_change(body, "Duur (minuten)", "30", "50")
    assert "Het gesprek liep uit." in body
    assert ">duration_minutes<" not in body
    assert AccessLog.objects.filter(event=f"contact.history:{contact.pk}").exists()


def test_the_contact_page_refuses_a_stale_form(client_for, expert_eva, admin_ada, contact):
    client = client_for(expert_eva)
    pk = contact.participant_id
    data = {
        "version": version_of(contact),
        "date": "2026-11-02",
        "duration_preset": "45",
        "mode": "phone",
        "note": "Gebeld.",
        "reason": "Duur.",
    }
    fix_duration(admin_ada, contact, minutes=60)
    response = client.post(reverse("groups:contact_edit", args=[pk, contact.pk]), data)
    assert response.status_code == 200
    assert "gewijzigd nadat u het formulier opende" in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).duration_minutes == 60


def test_the_withdraw_page_asks_for_a_reason(client_for, expert_eva, measurement):
    client = client_for(expert_eva)
    url = reverse("groups:health_withdraw", args=[measurement.participant_id, measurement.pk])
    response = client.post(url, {"version": version_of(measurement), "reason": ""})
    assert response.status_code == 200
    assert "Geef kort de reden van het intrekken op." in response.content.decode()
    response = client.post(url, {"version": version_of(measurement), "reason": "Dubbel."})
    assert response.status_code == 302
    assert PositiveHealthMeasurement.all_objects.get(pk=measurement.pk).is_withdrawn


def test_the_measurement_page_corrects_a_score(client_for, expert_eva, measurement):
    client = client_for(expert_eva)
    pk = measurement.participant_id
    response = client.post(
        reverse("groups:health_edit", args=[pk, measurement.pk]),
        {
            "version": version_of(measurement),
            "measured_on": "2026-11-02",
            **{**SCORES, "meedoen": 8},
            "reason": "Score verkeerd overgenomen.",
        },
    )
    assert response.status_code == 302
    assert PositiveHealthMeasurement.objects.get(pk=measurement.pk).meedoen == 8
    body = client.get(reverse("groups:health_detail", args=[pk, measurement.pk])).content.decode()
    assert shows_change(body, "Meedoen", "3", "8")
    listing = client.get(reverse("groups:health_list", args=[pk])).content.decode()
    assert reverse("groups:health_detail", args=[pk, measurement.pk]) in listing


def test_the_service_twin_of_the_measurement_page(expert_eva, measurement):
    fresh = PositiveHealthMeasurement.objects.select_related("participant").get(pk=measurement.pk)
    positive_health_correct(
        actor=actor_for(expert_eva),
        measurement=fresh,
        version=version_of(fresh),
        reason="Datum verkeerd.",
        measured_on=dt.date(2026, 11, 3),
        scores=SCORES,
    )
    assert PositiveHealthMeasurement.objects.get(pk=measurement.pk).measured_on == dt.date(
        2026, 11, 3
    )


def test_the_contact_history_is_read_at_a_fixed_number_of_queries(
    client_for, expert_eva, admin_ada, contact, django_assert_max_num_queries
):
    client = client_for(expert_eva)
    page = reverse("groups:contact_detail", args=[contact.participant_id, contact.pk])
    fix_duration(expert_eva, contact, minutes=40)
    client.get(page)
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for n in range(10):
        fix_duration(admin_ada if n % 2 else expert_eva, contact, minutes=41 + n)
    with django_assert_max_num_queries(len(few)):
        body = client.get(page).content.decode()
    assert body.count("Gecorrigeerd") == 11


# --- AVG export and erasure ---------------------------------------------------------------


def test_the_avg_export_holds_withdrawn_records_and_their_versions(
    poh_anna, expert_eva, contact, measurement
):
    fix_duration(expert_eva, contact)
    withdraw(expert_eva, measurement)
    data = participant_export(contact.participant, poh_anna.memberships.get())
    (exported,) = data["contacts"]
    assert exported["duration_minutes"] == 45 and exported["withdrawn_at"] is None
    corrected = exported["versions"][-1]
    assert corrected["reason"] == "Duur verkeerd ingevuld."
    assert corrected["changes"] == [
        {"field": "duration_minutes", "label": "Duur (minuten)", "old": "30", "new": "45"}
    ]
    (gone,) = data["positive_health"]
    assert gone["withdrawn_reason"] == "Bij de verkeerde deelnemer vastgelegd."
    assert gone["versions"][-1]["kind"] == "withdrawn"


def test_erasure_empties_notes_and_reasons_in_every_version(
    admin_ada, expert_eva, contact, measurement, referral_a
):
    fresh = Contact.objects.select_related("participant").get(pk=contact.pk)
    contact_correct(
        actor=actor_for(expert_eva),
        contact=fresh,
        version=version_of(fresh),
        reason="Notitie aangevuld: schulden bij de energieleverancier.",
        note="Schulden bij de energieleverancier.",
    )
    withdraw(expert_eva, measurement, reason="Ingevuld voor haar zus.")
    referral_withdraw(actor=actor_for(admin_ada), referral=referral_a, reason="Dubbel.")
    participant_erase(actor=actor_for(admin_ada), participant=referral_a.participant, reason="AVG")
    for row in contact.history.all():
        assert (row.note, row.life_domains, row.history_change_reason) == ("", [], "")
    for row in measurement.history.all():
        assert not row.history_change_reason
        assert row.withdrawn_reason in ("", "Gewist")
    assert PositiveHealthMeasurement.all_objects.get(pk=measurement.pk).withdrawn_reason == "Gewist"
    # Scores and durations stay: the figures count them.
    assert Contact.objects.get(pk=contact.pk).duration_minutes == 30
