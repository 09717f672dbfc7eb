"""Numbers, periods and units in the reader's language, for the dashboard, its print view
and nothing else: the words around a figure, never a judgement of it."""

from __future__ import annotations

import functools
from decimal import Decimal

from django.utils import formats, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from ..indicators.registry import Unit
from ..periods import Period, PeriodKind
from ..selectors import Figure

MINUS = "\u2212"  # a real minus sign: reads better than a hyphen and screen readers say it


def number(value: Decimal | int, places: int = 1) -> str:
    """A number in the reader's language: 82,0 in Dutch, 82.0 in English."""
    return _number(value, places, translation.get_language())


# The dashboard formats some 450 numbers per view (the trend alone is 120 cells) and
# Django's number_format looks up the locale's separators every time: a third of the
# page's CPU. The result depends only on the value, the places and the
# language, so it is remembered; a bounded cache of short strings.
@functools.lru_cache(maxsize=8192)
def _number(value: Decimal | int, places: int, language: str | None) -> str:
    return formats.number_format(value, places, use_l10n=True)


def signed(value: Decimal, places: int = 1) -> str:
    if value > 0:
        return f"+{number(value, places)}"
    if value < 0:
        return f"{MINUS}{number(-value, places)}"
    return number(value, places)


def period_label(period: Period) -> str:
    if period.kind == PeriodKind.MONTH:
        return date_format(period.start, "F Y")
    if period.kind == PeriodKind.QUARTER:
        return _("%(quarter)se kwartaal %(year)s") % {
            "quarter": (period.start.month - 1) // 3 + 1,
            "year": period.start.year,
        }
    return str(period.start.year)


def measured_label(period: Period) -> str:
    """A period as its figures measure it: '4e kwartaal 2026 tot en met 23 november 2026'
    for one still running when computed, else just its name."""
    if period.is_whole:
        return period_label(period)
    return _("%(period)s tot en met %(day)s") % {
        "period": period_label(period),
        "day": date_format(period.end, "j F Y"),
    }


def comparison_label(previous: Period) -> str:
    """What a figure is compared with: '2e kwartaal 2026', or for a running period's
    like-for-like stretch 'dezelfde 54 dagen van 3e kwartaal 2026 (t/m 23 augustus)'."""
    if previous.is_whole:
        return period_label(previous)
    return _("dezelfde %(days)s dagen van %(period)s (t/m %(day)s)") % {
        "days": previous.days,
        "period": period_label(previous),
        "day": date_format(previous.end, "j F"),
    }


def value_text(unit: str, value: Decimal) -> str:
    # The unit words are translated outside the f-strings: xgettext does not look inside.
    if unit == Unit.PERCENT:
        return f"{number(value)}%"
    if unit == Unit.DAYS:
        days = _("dag") if value == 1 else _("dagen")
        return f"{number(value)} {days}"
    if unit == Unit.COUNT:
        return number(value, 0)
    if unit == Unit.POINTS:
        # A change between two measurements: the sign is part of the figure.
        points = _("punten")
        return f"{signed(value)} {points}"
    if unit == Unit.POINTS_DIFFERENCE:
        # A difference of two shares: the sign is part of the figure.
        word = _("procentpunt")
        return f"{signed(value)} {word}"
    if unit == Unit.RATE:
        per = _("per 100 deelnemer-maanden")
        return f"{number(value)} {per}"
    if unit == Unit.SCORE:
        # A mean mark: "7,4 van 10", so it does not read as a count.
        return _("%(score)s van 10") % {"score": number(value)}
    if unit == Unit.EUROS:
        return euros(value)
    hours = _("uur")
    return f"{number(value)} {hours}"


def euros(value: Decimal) -> str:
    """An amount in euros with cents and a no-break space: '€ 1234,50'."""
    if value < 0:
        return f"{MINUS}\u00a0€\u00a0{number(-value, 2)}"
    return f"€\u00a0{number(value, 2)}"


def _bound(unit: str, value: Decimal) -> str:
    """One end of a confidence interval, with as much of its unit as it needs."""
    if unit == Unit.PERCENT:
        return f"{number(value)}%"
    if unit in (Unit.POINTS_DIFFERENCE, Unit.POINTS):
        return signed(value)
    if unit == Unit.EUROS:
        return euros(value)
    return number(value)


def interval_text(figure: Figure) -> str:
    """An effect figure's 95% confidence interval: '95%-BI 41,2% tot 63,0%'; a
    difference names its unit after the upper end. Empty when it has none."""
    low, high = figure.ci_low, figure.ci_high
    if low is None or high is None:
        return ""
    unit = figure.definition.unit
    text = _("95%%-BI %(low)s tot %(high)s") % {
        "low": _bound(unit, low),
        "high": _bound(unit, high),
    }
    if unit == Unit.POINTS_DIFFERENCE:
        word = _("procentpunt")
        return f"{text} {word}"
    return text


def delta_text(unit: str, delta: Decimal) -> str:
    if unit == Unit.COUNT:
        return signed(delta, 0)
    words = {
        Unit.PERCENT: _("procentpunt"),
        Unit.DAYS: _("dagen"),
        Unit.POINTS: _("punten"),
        Unit.POINTS_DIFFERENCE: _("procentpunt"),
        Unit.RATE: _("per 100 deelnemer-maanden"),
        Unit.SCORE: _("punten"),
        Unit.EUROS: _("euro"),
    }
    word = words.get(unit, _("uur"))
    return f"{signed(delta)} {word}"


def counts_text(figure: Figure) -> str:
    """Teller and noemer in words, for a figure that may be shown."""
    unit, num, den = figure.definition.unit, figure.numerator, figure.denominator
    if den is None:
        return ""
    if unit == Unit.PERCENT and num is not None:
        return _("%(num)s van %(den)s") % {"num": number(num, 0), "den": number(den, 0)}
    if unit == Unit.DAYS:
        return _("gemeten bij %(den)s") % {"den": number(den, 0)}
    if unit == Unit.POINTS:
        return _("%(den)s deelnemers gemeten") % {"den": number(den, 0)}
    if unit == Unit.HOURS:
        return _("%(den)s signalen") % {"den": number(den, 0)}
    if unit == Unit.SCORE:
        return _("%(den)s antwoorden") % {"den": number(den, 0)}
    if unit == Unit.EUROS:
        return _("%(den)s deelnemers bereikt") % {"den": number(den, 0)}
    if unit == Unit.RATE:
        return _("over %(den)s deelnemer-dagen") % {"den": number(den, 0)}
    if unit == Unit.POINTS_DIFFERENCE:
        return _("n = %(den)s") % {"den": number(den, 0)}
    return ""
