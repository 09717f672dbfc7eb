"""Bridging coverage (``in_bridging_care``) counts the imported waits linked to a person.

The definition (docs/indicators.md, "Bridging care"): the denominator is every open wait
at the peildatum, imported or entered by hand; the numerator the waits whose participant
is in beeld. An imported wait has a participant only once a referral is linked to it by
the provider's client reference, so an unlinked imported wait can never count.

Pinned on a tiny fixed world, through the pure engine and the database collectors alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from monitoring import collectors
from monitoring.indicators.engine import compute
from monitoring.periods import Period
from referrals.import_services import IMPORT_FIELDS, ImportedEpisode, imported_episodes_save
from referrals.models import Referral, WaitingEpisode
from tests.factories import OrganisationFactory, ReferralFactory, UserFactory

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
SEPTEMBER = Period.parse("2026-09")  # peildatum 30 September 2026
KEY = ("in_bridging_care", "total", "all")


def _open_wait() -> tuple:
    """Registered on 1 September, no intake yet: open at the peildatum."""
    fields = dict.fromkeys(IMPORT_FIELDS)
    fields.update(
        location="Groningen",
        care_level="gb-ggz",
        diagnosis_group="",
        registration_date=dt.date(2026, 9, 1),
        close_reason="",
    )
    return tuple(fields[name] for name in IMPORT_FIELDS)


@pytest.fixture
def world(db, time_machine):
    """Three open imported waits at one provider, as its waitlist file brings them:

    - K-BRIDGED links to a participant in bridging care since 10 September (in beeld);
    - K-CLOSED links to a participant whose referral was closed without any contact
      (not in beeld);
    - K-UNKNOWN names nobody (no referral carries that reference).
    """
    time_machine.move_to(NOW, tick=False)
    provider = OrganisationFactory(provider=True)
    expert = UserFactory()
    bridged = ReferralFactory(
        in_bridging=True,
        first_contact_date=dt.date(2026, 9, 10),
        assigned_expert=expert,
        intended_provider=provider,
        provider_reference="K-BRIDGED",
    )
    gone = ReferralFactory(
        accepted=True,
        assigned_expert=expert,
        intended_provider=provider,
        provider_reference="K-CLOSED",
    )
    imported_episodes_save(
        episodes=[
            ImportedEpisode(provider.pk, key, _open_wait())
            for key in ("K-BRIDGED", "K-CLOSED", "K-UNKNOWN")
        ],
        now=NOW,
    )
    # Closed before the peildatum without a first contact: never in bridging care.
    Referral.objects.filter(pk=gone.pk).update(
        status="closed",
        close_reason="no_longer_needed",
        status_changed_at=dt.datetime(2026, 9, 5, 12, 0, tzinfo=dt.UTC),
    )
    return {"provider": provider, "bridged": bridged, "gone": gone}


def test_the_import_linked_two_of_the_three_waits(world):
    linked = dict(WaitingEpisode.objects.values_list("external_id", "participant"))
    assert linked == {
        "K-BRIDGED": world["bridged"].participant_id,
        "K-CLOSED": world["gone"].participant_id,
        "K-UNKNOWN": None,
    }


def test_bridging_coverage_counts_the_linked_wait_in_beeld_one_of_three(world):
    from_rows = compute(collectors.load_snapshot(), SEPTEMBER)[KEY]
    from_database = collectors.collect(period=SEPTEMBER)[KEY]

    expected = (1, 3, Decimal("33.3"))
    assert (from_rows.numerator, from_rows.denominator, from_rows.value) == expected
    assert (from_database.numerator, from_database.denominator, from_database.value) == expected


def test_a_wait_entered_by_hand_for_someone_in_beeld_counts_alike(world):
    """Imported or entered, the denominator takes every open wait; a hand-entered wait
    names its participant from the start."""
    bridged = world["bridged"]
    WaitingEpisode.objects.create(
        provider=world["provider"],
        participant=bridged.participant,
        care_level="gb-ggz",
        registration_date=dt.date(2026, 9, 2),
    )
    from_rows = compute(collectors.load_snapshot(), SEPTEMBER)[KEY]
    from_database = collectors.collect(period=SEPTEMBER)[KEY]

    expected = (2, 4, Decimal("50.0"))
    assert (from_rows.numerator, from_rows.denominator, from_rows.value) == expected
    assert (from_database.numerator, from_database.denominator, from_database.value) == expected
