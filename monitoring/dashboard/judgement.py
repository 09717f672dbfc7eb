"""How a figure is judged on the dashboard: against the Treeknorm and the regional aim,
and against the previous period. Always in words and an icon, a colour only beside them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from voorzorg.core.treeknorm import Norms

from ..indicators.registry import DEFINITIONS, Panel, Unit
from ..selectors import DashboardData, Figure, FigureState
from .formatting import comparison_label, delta_text, number, value_text

# The dashboard's traffic light for shares: at least this share within the norm (and at
# most 100 minus this share of open waits beyond it) reads as good. A regional aim, set
# with TREEKNORM_AIM_PERCENT, not a legal norm; the footnote on every page says so.
WITHIN_NORM_AIM = Decimal(settings.TREEKNORM_AIM_PERCENT)

# The open waits beyond the norm, judged against 100 minus the aim.
OPEN_KEYS = tuple(d.key for d in DEFINITIONS if d.panel == Panel.OPEN)


@dataclass(frozen=True)
class Judgement:
    tone: str  # good | bad | neutral: a colour, always with the words and icon below
    icon: str
    text: str


def norm_status(figure: Figure, norms: Norms) -> Judgement | None:
    """The Treeknorm status of a figure, in words; None where no norm applies."""
    if figure.state != FigureState.SHOWN:
        return None
    if figure.indicator.endswith("_within_norm"):
        return _within_aim(figure)
    if figure.indicator in OPEN_KEYS:
        return _over_aim(figure)
    if figure.definition.unit == Unit.DAYS:
        return _days_status(figure, norms)
    return None


def _verdict(good: bool, text: str) -> Judgement:
    return Judgement("good" if good else "bad", "✓" if good else "!", text)


def _within_aim(figure: Figure) -> Judgement:
    """A share within the norm against the aim: at least the aim is good."""
    good = figure.value >= WITHIN_NORM_AIM
    text = _("Binnen de norm voor %(value)s") % {
        "value": value_text(figure.definition.unit, figure.value)
    }
    aim = (
        _("streefwaarde %(aim)s%% gehaald") if good else _("onder de streefwaarde %(aim)s%%")
    ) % {"aim": number(WITHIN_NORM_AIM, 0)}
    return _verdict(good, f"{text}: {aim}")


def _over_aim(figure: Figure) -> Judgement:
    """A share of open waits beyond the norm: at most 100 minus the aim is good."""
    limit = 100 - WITHIN_NORM_AIM
    good = figure.value <= limit
    text = _("Langer dan de norm voor %(value)s") % {
        "value": value_text(figure.definition.unit, figure.value)
    }
    aim = (
        _("binnen de streefwaarde van hoogstens %(aim)s%%")
        if good
        else _("boven de streefwaarde van hoogstens %(aim)s%%")
    ) % {"aim": number(limit, 0)}
    return _verdict(good, f"{text}: {aim}")


def _days_status(figure: Figure, norms: Norms) -> Judgement:
    """A mean or median wait against the norm of its stage."""
    days = norms.for_stage(figure.indicator.split("_", 1)[0])
    if figure.value <= days:
        return Judgement("good", "✓", _("Binnen de norm van %(days)s dagen") % {"days": days})
    return Judgement("bad", "!", _("Boven de norm van %(days)s dagen") % {"days": days})


def change(figure: Figure, before: Figure, data: DashboardData) -> Judgement | None:
    """The change against the previous period, in figures and in words."""
    if figure.state == FigureState.NOT_AVAILABLE:
        return None
    against = comparison_label(data.previous)
    if figure.state != FigureState.SHOWN or before.state != FigureState.SHOWN:
        return Judgement(
            "neutral",
            "–",
            _(
                "Geen vergelijking met %(period)s: een van beide cijfers ontbreekt of is "
                "afgeschermd."
            )
            % {"period": against},
        )
    delta = figure.value - before.value
    if delta == 0:
        return Judgement(
            "neutral", "=", _("Gelijk gebleven ten opzichte van %(period)s") % {"period": against}
        )
    return _moved(figure, delta, against)


def _moved(figure: Figure, delta: Decimal, against: str) -> Judgement:
    """A figure that went up or down: by how much, which way, and whether that is good."""
    definition = figure.definition
    up = delta > 0
    if definition.unit in (Unit.DAYS, Unit.HOURS):
        direction = _("langer") if up else _("korter")
    else:
        direction = _("gestegen") if up else _("gedaald")
    words = _("%(direction)s ten opzichte van %(period)s") % {
        "direction": direction,
        "period": against,
    }
    tone = "neutral"
    if definition.higher_is_better is not None:
        better = up == definition.higher_is_better
        tone = "good" if better else "bad"
        words += ": " + (_("een verbetering") if better else _("een verslechtering"))
    icon = "▲" if up else "▼"
    return Judgement(tone, icon, f"{delta_text(definition.unit, delta)}, {words}")
