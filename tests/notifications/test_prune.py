"""Old notifications leave the inbox: read ones after 90 days, any after a year."""

from __future__ import annotations

import datetime as dt

import pytest

from voorzorg.notifications.kinds import NotificationKind as K
from voorzorg.notifications.models import Notification
from voorzorg.notifications.tasks import notifications_prune

NOW = dt.datetime(2026, 11, 23, 4, 45, tzinfo=dt.UTC)


def made(user, *, days_ago: int, read_days_ago: int | None = None) -> Notification:
    return Notification.objects.create(
        recipient=user,
        membership=user.memberships.first(),
        kind=K.REFERRAL_ACCEPTED,
        person_id="VZ-AAAA1111",
        link="/",
        created_at=NOW - dt.timedelta(days=days_ago),
        read_at=None if read_days_ago is None else NOW - dt.timedelta(days=read_days_ago),
    )


@pytest.mark.django_db
def test_the_nightly_prune_keeps_what_is_recent_or_unread(time_machine, poh_anna, poh_bram):
    time_machine.move_to(NOW, tick=False)
    keep = {
        made(poh_anna, days_ago=200).pk,  # unread, under a year
        made(poh_anna, days_ago=120, read_days_ago=89).pk,  # read 89 days ago
        made(poh_bram, days_ago=364, read_days_ago=None).pk,
    }
    made(poh_anna, days_ago=120, read_days_ago=91)  # read 91 days ago
    made(poh_bram, days_ago=366)  # unread, over a year
    made(poh_bram, days_ago=400, read_days_ago=10)  # recently read, but over a year old

    assert notifications_prune.delay().get() == 3
    assert set(Notification.objects.values_list("pk", flat=True)) == keep
    assert notifications_prune.delay().get() == 0
