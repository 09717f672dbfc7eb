"""Field validation without looking up again the rows an instance already holds
(``TimeStampedModel.clean_fields``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals.models import Referral
from tests.factories import OrganisationFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def _referral(**fields) -> Referral:
    participant = fields.pop("participant", None) or ParticipantFactory()
    values = {
        "participant": participant,
        "source": "gp",
        "gp_practice": participant.gp_practice,
        "referral_date": dt.date(2026, 10, 1),
        "help_question": "Somber en alleen.",
        "care_level": "gb-ggz",
        "status": "submitted",
    }
    return Referral(**{**values, **fields})


def _lookups(instance) -> list[str]:
    """The queries ``clean_fields`` runs: Django's foreign key look-ups."""
    with CaptureQueriesContext(connection) as queries:
        instance.clean_fields()
    return [q["sql"] for q in queries.captured_queries]


def test_related_objects_held_are_not_looked_up_again():
    provider = OrganisationFactory(provider=True)
    referral = _referral(intended_provider=provider)
    # Participant, practice (kind GP practice) and provider (kind GGZ provider) are all
    # saved objects on the instance: nothing to ask the database.
    assert _lookups(referral) == []


def test_a_key_without_its_object_is_still_looked_up():
    participant = ParticipantFactory()
    referral = _referral(participant=participant, gp_practice=None)
    referral.gp_practice_id = participant.gp_practice_id
    assert len(_lookups(referral)) == 1
    referral = _referral(participant=participant, gp_practice=None)
    referral.gp_practice_id = participant.gp_practice_id + 10_000
    with pytest.raises(ValidationError) as refused:
        referral.clean_fields()
    assert "gp_practice" in refused.value.message_dict


def test_an_unsaved_object_is_refused_as_before():
    referral = _referral(intended_provider=None)
    unsaved = OrganisationFactory.build(provider=True)
    unsaved.pk = 987_654
    referral.intended_provider = unsaved
    assert referral.intended_provider_id == 987_654
    assert unsaved._state.adding
    with pytest.raises(ValidationError) as refused:
        referral.clean_fields()
    assert "intended_provider" in refused.value.message_dict


def test_an_object_outside_limit_choices_to_is_refused_as_before():
    municipality = OrganisationFactory(municipality_kind=True)
    # An intended provider must be a GGZ provider: a municipality is not, held or not.
    referral = _referral(intended_provider=municipality)
    with pytest.raises(ValidationError) as refused:
        referral.clean_fields()
    assert "intended_provider" in refused.value.message_dict
    held_out = _referral(intended_provider=None)
    held_out.intended_provider_id = municipality.pk
    with pytest.raises(ValidationError) as also_refused:
        held_out.clean_fields()
    assert also_refused.value.message_dict == refused.value.message_dict


def test_other_field_checks_still_run_on_held_relations():
    # Excluding a held relation from the look-up leaves every other field's check.
    referral = _referral(help_question="", referral_date=None)
    with pytest.raises(ValidationError) as refused:
        referral.clean_fields()
    assert {"help_question", "referral_date"} <= set(refused.value.message_dict)
