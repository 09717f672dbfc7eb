"""Day boundaries in the project's time zone (Europe/Amsterdam)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware moment at which ``day`` starts locally: a moment's local date is ``day``
    exactly when local_midnight(day) <= moment < local_midnight(day + 1)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
