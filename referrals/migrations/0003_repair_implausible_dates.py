"""Repair hand-entered dates and moments outside the plausible-date rule.

Before the rule (``voorzorg.core.dates``: 2000-01-01 up to 31 December five years ahead)
a form accepted any year, and a handover meeting typed as 0001-01-01 was stored as a
moment PostgreSQL keeps but Python cannot read back: every page showing it failed.

What this does, without reading a bad value into Python (that read is what fails):
- ``Handover.meeting_at``, ``Handover.provider_acknowledged_on`` and
  ``Referral.first_contact_date`` are optional and no other date depends on them: an
  implausible value becomes NULL (empty), to be filled in again.
- ``Referral.referral_date`` is required, and a waiting episode's five dates are bound to
  each other by check constraints (referral <= registration <= intake <= treatment
  start; closed >= registration): an implausible value is clamped to the nearest bound,
  2000-01-01 or the last plausible day, all dates of a row in one statement. Clamping
  keeps every such order (it never swaps two dates), so no constraint breaks; a date
  of 1-1-2000 shows it needs correcting.
Safe to run twice: a second run finds nothing outside the bounds.
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


def moment_bounds() -> tuple[dt.datetime, dt.datetime]:
    """[first, after): local midnight of the first day, and of the day after the last."""
    first, last = bounds()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=AMSTERDAM)
    after = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=AMSTERDAM)
    return start, after


def clear(model, field: str, first, last_or_after, *, moment: bool = False) -> None:
    over = f"{field}__gte" if moment else f"{field}__gt"
    model.objects.filter(**{f"{field}__lt": first}).update(**{field: None})
    model.objects.filter(**{over: last_or_after}).update(**{field: None})


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


def repair(apps, schema_editor) -> None:
    Referral = apps.get_model("referrals", "Referral")
    WaitingEpisode = apps.get_model("referrals", "WaitingEpisode")
    Handover = apps.get_model("referrals", "Handover")
    first, last = bounds()
    start, after = moment_bounds()

    clear(Handover, "meeting_at", start, after, moment=True)
    clear(Handover, "provider_acknowledged_on", first, last)
    clear(Referral, "first_contact_date", first, last)
    clamp(Referral, ("referral_date",), first, last)
    clamp(
        WaitingEpisode,
        (
            "referral_date",
            "registration_date",
            "intake_date",
            "treatment_start_date",
            "closed_date",
        ),
        first,
        last,
    )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_referral_practice_date")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
