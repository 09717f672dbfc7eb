"""A withdrawn contact or measurement counts in no figure: not in the database collectors,
not in the rows the pure engine reads, and both still agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from groups.models import Contact, PositiveHealthMeasurement
from groups.services.corrections import contact_withdraw, positive_health_withdraw
from monitoring import collectors
from monitoring.indicators.engine import compute
from monitoring.periods import Period
from tests.factories import (
    ContactFactory,
    ParticipantFactory,
    PositiveHealthMeasurementFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.models import Membership
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import version_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]

SEPTEMBER = Period.parse("2026-09")


def figure(key: str, period: Period = SEPTEMBER):
    from_database = collectors.collect(period=period)[(key, "total", "all")]
    from_rows = compute(collectors.load_snapshot(), period)[(key, "total", "all")]
    assert from_database == from_rows
    return from_database


def eva(expert_eva) -> Actor:
    return Actor(user=expert_eva, membership=Membership.objects.get(user=expert_eva))


def test_a_withdrawn_contact_no_longer_keeps_someone_in_beeld(expert_eva, referral_a, provider):
    participant = referral_a.participant
    contact = ContactFactory(participant=participant, expert=expert_eva, date=dt.date(2026, 9, 10))
    WaitingEpisodeFactory(provider=provider, participant=participant)
    WaitingEpisodeFactory(provider=provider, participant=ParticipantFactory())
    before = figure("in_bridging_care")
    assert (before.numerator, before.denominator, before.value) == (1, 2, Decimal("50.0"))

    fresh = Contact.objects.select_related("participant").get(pk=contact.pk)
    contact_withdraw(
        actor=eva(expert_eva), contact=fresh, version=version_of(fresh), reason="Dubbel."
    )
    after = figure("in_bridging_care")
    assert (after.numerator, after.denominator, after.value) == (0, 2, Decimal("0.0"))


def test_a_withdrawn_measurement_leaves_the_positieve_gezondheid_change(expert_eva, referral_a):
    participant = referral_a.participant
    PositiveHealthMeasurementFactory(
        participant=participant, recorded_by=expert_eva, measured_on=dt.date(2026, 9, 1)
    )
    later = PositiveHealthMeasurementFactory(
        participant=participant,
        recorded_by=expert_eva,
        measured_on=dt.date(2026, 9, 20),
        meedoen=9,  # 3 -> 9: six points on the sum, one on the mean of six
    )
    assert figure("positive_health_change_mean").value == Decimal("1.0")

    fresh = PositiveHealthMeasurement.objects.select_related("participant").get(pk=later.pk)
    positive_health_withdraw(
        actor=eva(expert_eva), measurement=fresh, version=version_of(fresh), reason="Fout."
    )
    assert figure("positive_health_change_mean").denominator == 0
