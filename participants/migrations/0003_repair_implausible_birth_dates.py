"""Repair dates of birth outside the plausible-date rule for them.

``voorzorg.core.dates``: a date of birth lies from 1900-01-01 up to 31 December five
years ahead (the form and the API also refuse one in the future). The referral form
took any year before; an implausible date of birth becomes NULL (empty): it is
optional, nothing depends on it, and a guessed date would be wrong data about a person.
Safe to run twice: a second run finds nothing outside the bounds.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations
from django.db.models import Q

EARLIEST_BIRTH_DAY = dt.date(1900, 1, 1)


def repair(apps, schema_editor) -> None:
    Participant = apps.get_model("participants", "Participant")
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    last = dt.date(today.year + 5, 12, 31)
    Participant.objects.filter(
        Q(date_of_birth__lt=EARLIEST_BIRTH_DAY) | Q(date_of_birth__gt=last)
    ).update(date_of_birth=None)


class Migration(migrations.Migration):
    dependencies = [("participants", "0002_erasure")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
