"""The versions kit (``voorzorg.audit.versions``): what a version says in Dutch, who made it
in which role (also for saves no service stamped), and the version token."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groups.models import Contact
from participants.models import Participant
from tests.factories import OrganisationFactory, ParticipantFactory
from voorzorg.accounts.models import Membership
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import (
    StaleVersion,
    VersionKind,
    check_version,
    save_version,
    version_of,
    versions_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


def actor_for(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user))


def test_a_version_names_labels_and_values_as_people_read_them(poh_anna, participant_a):
    elsewhere = OrganisationFactory(municipality_kind=True, name="Gemeente Haren")
    participant_a.municipality = elsewhere
    participant_a.prefers_group = True
    participant_a.target_group = "jongere"
    save_version(participant_a, actor=actor_for(poh_anna), reason="Verhuisd.")
    latest, created = versions_of(participant_a)
    assert created.kind == VersionKind.CREATED and created.changes == ()
    assert (latest.kind, latest.kind_label, latest.reason) == (
        VersionKind.CORRECTED,
        "Gecorrigeerd",
        "Verhuisd.",
    )
    assert latest.who == "Anna de Vries (POH-GGZ)"
    shown = {c.label: (c.old, c.new) for c in latest.changes}
    assert shown == {
        "Woongemeente": ("Gemeente Groningen", "Gemeente Haren"),
        "Voorkeur: groep": ("nee", "ja"),
        "Doelgroep": ("Volwassene", "Jongere (tot 18)"),
    }


def test_a_save_without_a_reason_is_a_change_and_the_first_kept_row_says_so(participant_a):
    participant_a.history.all().delete()
    participant_a.phone = "0611111111"
    participant_a.save()
    participant_a.phone = "0622222222"
    participant_a.save()
    latest, first = versions_of(participant_a)
    assert first.kind == VersionKind.FIRST and first.changes == ()
    assert latest.kind == VersionKind.CHANGED
    assert [(c.old, c.new) for c in latest.changes] == [("0611111111", "0622222222")]


def test_a_page_save_names_its_user_and_role_without_a_service_stamping_it(
    client_for, expert_eva, referral_a
):
    client_for(expert_eva).post(
        reverse("groups:contact_create", args=[referral_a.participant_id]),
        {"date": "2026-11-20", "duration_preset": "30", "mode": "phone"},
    )
    contact = Contact.objects.get(participant=referral_a.participant)
    (created,) = contact.history.all()
    assert (created.history_type, created.history_user, created.history_role) == (
        "+",
        expert_eva,
        "expert",
    )


def test_outside_a_request_the_author_is_unknown(participant_a):
    (row,) = participant_a.history.all()
    assert (row.history_user, row.history_role) == (None, "")
    assert versions_of(participant_a)[0].who == ""


def test_the_version_token_is_the_last_save(participant_a):
    opened = Participant.objects.get(pk=participant_a.pk)
    check_version(opened, version_of(opened))
    ParticipantFactory()  # another record's save changes nothing
    check_version(Participant.objects.get(pk=participant_a.pk), version_of(opened))
    participant_a.save()
    with pytest.raises(StaleVersion):
        check_version(Participant.objects.get(pk=participant_a.pk), version_of(opened))
    with pytest.raises(StaleVersion):
        check_version(opened, "")


def test_the_history_list_is_read_in_a_fixed_number_of_queries(
    poh_anna, participant_a, django_assert_max_num_queries
):
    elsewhere = OrganisationFactory(municipality_kind=True, name="Gemeente Haren")
    home = participant_a.municipality
    for n in range(30):
        participant_a.municipality = elsewhere if n % 2 == 0 else home
        participant_a.phone = f"06123456{n:02d}"
        save_version(participant_a, actor=actor_for(poh_anna), reason=f"Correctie {n}")
    # The rows with their users, and the municipalities the changes name.
    with django_assert_max_num_queries(2):
        versions = versions_of(participant_a)
    assert len(versions) == 31
    with django_assert_max_num_queries(2):
        assert len(versions_of(participant_a, limit=5)) == 5
