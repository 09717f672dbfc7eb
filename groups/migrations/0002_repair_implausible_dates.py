"""Repair hand-entered dates and moments outside the plausible-date rule.

Before the rule (``voorzorg.core.dates``: 2000-01-01 up to 31 December five years ahead)
the session page took ``?start=0001-01-01T00:00`` and the API a session in year 1; such a
moment PostgreSQL keeps but Python cannot read back, so every page showing it failed.

Every date here is required, or bound to another by a check constraint (a group's end
after its start), so nothing is emptied: an implausible value is clamped to the nearest
bound, 2000-01-01 (midnight, Dutch time, for a session) or the last plausible day, all
dates of a row in one statement. Clamping keeps every order between dates, so no
constraint breaks; a date of 1-1-2000 shows it needs correcting. A session is unique per
group and start: when two of a group's sessions would land on the same moment, each
next one is placed a minute later.

Bad values are never read into Python (that read is what fails): rows are found and
changed in SQL. Safe to run twice: a second run finds nothing outside the bounds.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations
from django.db.models import Case, F, Q, Value, When

EARLIEST = dt.date(2000, 1, 1)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def bounds() -> tuple[dt.date, dt.date]:
    today = dt.datetime.now(AMSTERDAM).date()
    return EARLIEST, dt.date(today.year + 5, 12, 31)


def clamp(model, fields: tuple[str, ...], first: dt.date, last: dt.date) -> None:
    """All ``fields`` of a row in one UPDATE, so the check constraints between them are
    only checked once every date of the row is within bounds."""
    outside = Q()
    for field in fields:
        outside |= Q(**{f"{field}__lt": first}) | Q(**{f"{field}__gt": last})
    model.objects.filter(outside).update(
        **{
            field: Case(
                When(**{f"{field}__lt": first}, then=Value(first)),
                When(**{f"{field}__gt": last}, then=Value(last)),
                default=F(field),
            )
            for field in fields
        }
    )


def clamp_sessions(GroupSession, first: dt.date, last: dt.date) -> None:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=AMSTERDAM)
    after = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=AMSTERDAM)
    final = after - dt.timedelta(minutes=1)
    for bad, target, step in (
        (Q(starts_at__lt=start), start, dt.timedelta(minutes=1)),
        (Q(starts_at__gte=after), final, -dt.timedelta(minutes=1)),
    ):
        # Only ids are read, never the moment itself.
        for pk, group_id in GroupSession.objects.filter(bad).values_list("pk", "group_id"):
            moment = target
            while GroupSession.objects.filter(group_id=group_id, starts_at=moment).exists():
                moment += step
            GroupSession.objects.filter(pk=pk).update(starts_at=moment)


def repair(apps, schema_editor) -> None:
    first, last = bounds()
    clamp(apps.get_model("groups", "PeerGroup"), ("start_date", "end_date"), first, last)
    clamp(apps.get_model("groups", "Enrolment"), ("start_date", "end_date"), first, last)
    clamp(apps.get_model("groups", "Contact"), ("date",), first, last)
    clamp(apps.get_model("groups", "PositiveHealthMeasurement"), ("measured_on",), first, last)
    clamp_sessions(apps.get_model("groups", "GroupSession"), first, last)


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
