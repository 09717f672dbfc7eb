"""Reporting periods: a month ``2026-09``, a quarter ``2026-Q3`` or a year ``2026``.

Both ends are inclusive. The peildatum (snapshot date) of a period is its last day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache

from django.utils.translation import gettext as _

from voorzorg.core.exceptions import ApplicationError


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    kind: PeriodKind

    @classmethod
    def parse(cls, key: str) -> Period:
        """``2026-09`` | ``2026-Q3`` | ``2026``; anything else raises ApplicationError."""
        return _parse((key or "").strip().upper(), key)

    @classmethod
    def _parse_text(cls, text: str, key: str) -> Period:
        if m := _MONTH.match(text):
            return cls.month(int(m[1]), int(m[2]))
        if m := _QUARTER.match(text):
            year, quarter = int(m[1]), int(m[2])
            first = 3 * (quarter - 1) + 1
            return cls(
                dt.date(year, first, 1),
                cls.month(year, first + 2).end,
                PeriodKind.QUARTER,
            )
        if m := _YEAR.match(text):
            year = int(m[1])
            return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), PeriodKind.YEAR)
        raise ApplicationError(
            _("Onbekende periode '%(key)s'. Gebruik bijvoorbeeld 2026-09, 2026-Q3 of 2026.")
            % {"key": key}
        )

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last), PeriodKind.MONTH)

    @classmethod
    def containing(cls, day: dt.date, kind: PeriodKind) -> Period:
        if kind == PeriodKind.MONTH:
            return cls.month(day.year, day.month)
        if kind == PeriodKind.QUARTER:
            return cls.parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
        return cls.parse(str(day.year))

    @cached_property
    def key(self) -> str:
        # Kept on the (immutable) period: pages ask for it hundreds of times.
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def peildatum(self) -> dt.date:
        """The snapshot day: the period's last day (inclusive)."""
        return self.end

    def as_of(self, day: dt.date) -> Period:
        """The period as far as it has run on ``day``: for a period still running, its
        peildatum is ``day`` instead of its (future) last day; otherwise unchanged.

        Open waits counted at a future last day would age every wait by the days still
        to come; the key stays the same, so the figures replace the period's own rows.
        """
        if self.start <= day < self.end:
            return Period(self.start, day, self.kind)
        return self

    @property
    def days(self) -> int:
        """How many days the period covers (both ends inclusive)."""
        return (self.end - self.start).days + 1

    @property
    def is_whole(self) -> bool:
        """Whether the period runs to the last day of its month, quarter or year."""
        return self.end == Period.containing(self.start, self.kind).end

    def first_days(self, days: int) -> Period:
        """The first ``days`` days of this period (all of it when it is not that long)."""
        last = self.start + dt.timedelta(days=days - 1)
        return Period(self.start, min(self.end, last), self.kind)

    def like_for_like(self) -> Period:
        """What a running period is compared with: the same number of days at the start of
        the period before it (a whole period for a whole one)."""
        previous = self.previous()
        return previous if self.is_whole else previous.first_days(self.days)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return Period.containing(self.start - dt.timedelta(days=1), self.kind)

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.key


@lru_cache(maxsize=1024)
def _parse(text: str, key: str) -> Period:
    """``Period.parse`` of a key already stripped and upper-cased, kept: periods are
    immutable and a page parses every computed period's key (a refused key raises, and
    is not kept)."""
    return Period._parse_text(text, key)


# Separates a period's key from the number of days of a stretch of it: ``2026-Q3+54``.
STRETCH_SEPARATOR = "+"


def stretch_key(period: Period) -> str:
    """The storage key of the figures of a stretch: the period's key when it is whole,
    else ``<key>+<days>``. ``Period.parse`` refuses it, so no reader takes it for a
    period (menu, API, exports by period)."""
    if period.is_whole:
        return period.key
    return f"{period.key}{STRETCH_SEPARATOR}{period.days}"


def last_months(day: dt.date, count: int) -> list[Period]:
    """The ``count`` months up to and including the month of ``day``, oldest first."""
    months = [Period.containing(day, PeriodKind.MONTH)]
    while len(months) < count:
        months.append(months[-1].previous())
    return list(reversed(months))
