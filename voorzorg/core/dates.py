"""Day boundaries in the project's time zone (Europe/Amsterdam), and the one rule for
which dates a person may type (``PlausibleDateValidator``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware moment at which ``day`` starts locally: a moment's local date is ``day``
    exactly when local_midnight(day) <= moment < local_midnight(day + 1)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- The plausible-date rule ----------------------------------------------------------------
# One rule for every date or moment a person types (forms, the REST API, the waitlist
# import): a bound below, because a year like 0026 is a typo for 2026, and a bound above,
# because nothing Voorzorg plans lies years ahead. Both bounds also keep every stored
# moment convertible between UTC and Dutch time: year 1 in Amsterdam is year 0 in UTC,
# which neither Python nor the PostgreSQL driver can read back (a 500 on every page that
# shows the row). "Not in the future" is a separate, stricter rule where it applies.

# No waiting list, referral or meeting Voorzorg records goes back further.
EARLIEST_DAY = dt.date(2000, 1, 1)
# A date of birth: the oldest person alive was born after this day.
EARLIEST_BIRTH_DAY = dt.date(1900, 1, 1)
# Planning horizon: a group's end date, a handover meeting, up to the end of the fifth
# calendar year from today.
YEARS_AHEAD = 5


def latest_plausible_day(today: dt.date | None = None) -> dt.date:
    """The last plausible day: 31 December of the fifth year after ``today``."""
    today = today or timezone.localdate()
    return dt.date(today.year + YEARS_AHEAD, 12, 31)


def plausible_day_range(
    earliest: dt.date = EARLIEST_DAY, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The first and last plausible day, both inclusive."""
    return earliest, latest_plausible_day(today)


def is_plausible(
    value: dt.date | dt.datetime, *, earliest: dt.date = EARLIEST_DAY, today: dt.date | None = None
) -> bool:
    """Whether a date, or a moment's calendar date, lies within the plausible range.

    A moment is judged by its date in its own time zone, without converting it: the
    conversion itself is what fails near year 1 and year 9999, and the bounds are years
    away from each other, so a few hours of offset never decide.
    """
    day = value.date() if isinstance(value, dt.datetime) else value
    first, last = plausible_day_range(earliest, today)
    return first <= day <= last


@deconstructible
class PlausibleDateValidator:
    """Refuses a date or moment outside ``is_plausible``; for model, form and API fields.

    The message is Dutch (the source language); the REST API gives it in English when
    the client asks (``api_language``).
    """

    code = "implausible_date"

    def __init__(self, earliest: dt.date = EARLIEST_DAY) -> None:
        self.earliest = earliest

    def __call__(self, value: dt.date | dt.datetime | None) -> None:
        if value is None or is_plausible(value, earliest=self.earliest):
            return
        raise self.error()

    def error(self) -> ValidationError:
        """The refusal, also for a value too far out to parse (an overflow)."""
        first, last = plausible_day_range(self.earliest)
        return ValidationError(
            _("Controleer de datum: kies een datum van %(first)s tot en met %(last)s."),
            code=self.code,
            params={"first": date_format(first, "j-n-Y"), "last": date_format(last, "j-n-Y")},
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlausibleDateValidator) and other.earliest == self.earliest

    def __hash__(self) -> int:
        return hash((type(self), self.earliest))


validate_plausible_date = PlausibleDateValidator()
validate_plausible_birth_date = PlausibleDateValidator(earliest=EARLIEST_BIRTH_DAY)
