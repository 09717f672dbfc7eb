"""Automatic erasure after the retention period: only the expired, once, each logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from participants.models import Participant
from participants.services import retention_erase_expired
from participants.tasks import participants_erase_expired
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    ParticipantFactory,
    ReferralFactory,
    SignalFactory,
)
from voorzorg.audit.models import AccessLog, AuditAction

TODAY = dt.date(2029, 3, 1)
RETENTION = 730
CUTOFF = TODAY - dt.timedelta(days=RETENTION)  # 2027-03-01 (2028 is a leap year)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today_and_term(time_machine, settings):
    time_machine.move_to(dt.datetime(2029, 3, 1, 2, 0, tzinfo=dt.UTC))  # 03:00 local
    settings.PARTICIPANT_RETENTION_DAYS = RETENTION


def _local(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def person(name: str, *, closed_on: dt.date | None, status: str = "closed", **referral):
    """A participant registered long ago whose referral ended (status change) on a day."""
    p = ParticipantFactory(given_name=name, family_name="Retentie")
    Participant.objects.filter(pk=p.pk).update(created_at=_local(dt.date(2025, 1, 1)))
    if closed_on is not None or status != "closed":
        ReferralFactory(
            participant=p,
            status=status,
            close_reason="other" if status == "closed" else "",
            decline_reason="Buiten de regio." if status == "declined" else "",
            # The earliest moment of the local day: day counting is on local dates.
            status_changed_at=_local(closed_on, 0) if closed_on else None,
            **referral,
        )
    return p


def erased_names() -> set[str]:
    erased = Participant.objects.filter(erased_at__isnull=False)
    return set(erased.values_list("public_id", flat=True))


def test_only_the_expired_are_erased(expert_eva):
    expired = person("Verlopen", closed_on=CUTOFF)
    declined = person("Afgewezen", closed_on=CUTOFF - dt.timedelta(days=300), status="declined")
    one_day_short = person("Net niet", closed_on=CUTOFF + dt.timedelta(days=1))
    still_open = person("Loopt", closed_on=None, status="in_bridging", assigned_expert=expert_eva)
    # An old closed referral, but a later one still open.
    reopened = person("Opnieuw", closed_on=CUTOFF - dt.timedelta(days=100))
    ReferralFactory(participant=reopened, status="submitted")
    # An old referral, but bridging went on afterwards: the clock starts later.
    later_contact = person("Contact", closed_on=CUTOFF - dt.timedelta(days=100))
    ContactFactory(participant=later_contact, date=CUTOFF + dt.timedelta(days=10))
    in_group = person("Groep", closed_on=CUTOFF - dt.timedelta(days=100))
    EnrolmentFactory(participant=in_group, status="active")
    open_signal = person("Signaal", closed_on=CUTOFF - dt.timedelta(days=100))
    SignalFactory(participant=open_signal)  # never resolved: someone still has to act

    run = retention_erase_expired(today=TODAY)

    assert set(run.erased) == {expired.public_id, declined.public_id}
    assert run.failed == []
    assert erased_names() == {expired.public_id, declined.public_id}
    for kept in (one_day_short, still_open, reopened, later_contact, in_group, open_signal):
        assert Participant.objects.get(pk=kept.pk).erased_at is None
    # The day after, the one-day-short one goes too.
    assert retention_erase_expired(today=TODAY + dt.timedelta(days=1)).erased == [
        one_day_short.public_id
    ]


def test_the_task_runs_twice_and_the_second_run_changes_nothing():
    first = person("Een", closed_on=CUTOFF)
    second = person("Twee", closed_on=CUTOFF - dt.timedelta(days=50))
    person("Nog niet", closed_on=TODAY - dt.timedelta(days=10))

    assert participants_erase_expired.delay().get() == 2
    logged = AccessLog.objects.filter(event="participant.erase")
    assert sorted(logged.values_list("person_id", flat=True)) == sorted(
        [first.public_id, second.public_id]
    )
    for row in logged:
        assert (row.action, row.actor, row.on_behalf_of, row.access_granted) == (
            AuditAction.DELETE,
            None,
            "retention",
            True,
        )
    snapshot = list(Participant.objects.order_by("pk").values())

    assert participants_erase_expired.delay().get() == 0
    assert logged.count() == 2
    assert list(Participant.objects.order_by("pk").values()) == snapshot


def test_erased_by_retention_records_why(settings):
    settings.PARTICIPANT_RETENTION_DAYS = 365
    p = person("Kort", closed_on=TODAY - dt.timedelta(days=365))
    participants_erase_expired()
    p.refresh_from_db()
    assert p.erasure_reason == "Bewaartermijn van 365 dagen verstreken."
    assert (p.given_name, p.phone, p.email) == ("Gewist", "", "")


def test_a_participant_without_any_referral_counts_from_registration():
    stub = ParticipantFactory(given_name="Zonder")
    Participant.objects.filter(pk=stub.pk).update(created_at=_local(CUTOFF, 0))
    recent = ParticipantFactory(given_name="Nieuw")
    Participant.objects.filter(pk=recent.pk).update(
        created_at=_local(CUTOFF + dt.timedelta(days=1), 0)
    )
    assert retention_erase_expired(today=TODAY).erased == [stub.public_id]


def test_the_nightly_beat_entry_runs_the_task():
    from voorzorg.celery import app

    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "participants.tasks.participants_erase_expired"
    ]
    assert len(entries) == 1
    assert "participants.tasks.participants_erase_expired" in app.tasks
