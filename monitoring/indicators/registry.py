"""The one registry of indicators (docs/indicators.md): one ``Definition`` per figure.

Every figure a user sees, on the dashboard, in an export or through the API, is one of
these keys. A definition carries everything about its figure: key, label, unit, the
dashboard panel that shows it, its breakdowns, the rows it is computed from
(``source``), the pure function that defines it (``compute``, the pure engine's and the
tests' reference) and what it asks of the database (``tallies``, named aggregates, and
``finish``, which turns them into the figure). The pure engine (``engine.py``), the
database collectors (``monitoring.collectors``), the dashboard and the exports are all
driven by this list; adding an indicator is adding a definition here (and, for a new
kind of question, a pure function and the columns it reads).
docs/indicators.md explains each definition in words.

Why one module: it is the one list of figures, read top to bottom in the order the
exports' rows keep (``DEFINITIONS``), and docs/indicators.md follows it section by
section; the sections share the definition's shape, ``_share`` and the label tables. When
it grows, split it along its section banners (realised waits, open waits, bridging care,
reach, experience, effect) into a package whose ``__init__`` keeps ``DEFINITIONS``,
``BY_KEY`` and ``get``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from groups.constants import NetworkPartner
from monitoring.periods import Period
from referrals.constants import ReferralStatus
from voorzorg.core.treeknorm import WaitStage

from . import bridging, effect, experience, open_waits, reach, realised
from .results import Ratio, count, hours, mean, median_ratio, percent
from .tally import Col, Condition, Finish, Tally, eq, ge, gt, le
from .tally import count as tally_count
from .tally import middle as tally_median
from .tally import total as tally_sum
from .terms import (
    ALL,
    EPISODE_BREAKDOWNS,
    TOTAL_ONLY,
    UNKNOWN_GROUP,
    Breakdown,
    Family,
    Panel,
    Source,
    Unit,
)

__all__ = [
    "AGE_BUCKETS",
    "ALL",
    "BY_KEY",
    "DEFINITIONS",
    "OUTFLOW_REASONS",
    "TOTAL_ONLY",
    "UNKNOWN_GROUP",
    "Breakdown",
    "Context",
    "Definition",
    "Family",
    "Panel",
    "Source",
    "Unit",
    "get",
]


@dataclass(frozen=True)
class Context:
    """What every pure calculation may know beyond its rows."""

    period: Period
    in_beeld: frozenset[int] = frozenset()  # participant ids "in beeld" at the peildatum
    # Euros per hour of bridging work in the scope (the region's rate or the setting
    # BRIDGING_HOUR_RATE); None: the cost figure has no value.
    hour_rate: Decimal | None = None

    @property
    def peildatum(self) -> dt.date:
        return self.period.peildatum


@dataclass(frozen=True, eq=False)
class Definition:
    key: str
    label: str | Promise
    family: Family
    unit: Unit
    panel: Panel
    source: Source
    # The pure definition: the source's rows of one group -> the figure.
    compute: Callable[[Sequence[Any], Context], Ratio]
    # The same figure from the database: named aggregates, then ``finish`` over them.
    # Empty and None for a figure whose source hands its rows to ``compute`` on both
    # paths (``DbSource.fetch``: the statistics of the effect figures).
    tallies: Mapping[str, Tally] = field(default_factory=dict)
    finish: Finish | None = None
    breakdowns: tuple[Breakdown, ...] = EPISODE_BREAKDOWNS
    # For the dashboard's colour-and-text status: is a higher value good news?
    higher_is_better: bool | None = None
    # Effect figures carry a 95% confidence interval (``Ratio.ci_low``/``ci_high``). One
    # wider than ``max_ci_width`` (in the value's unit) means too little to go on: the
    # pages say "nog te weinig gegevens" instead of the number.
    interval: bool = False
    max_ci_width: Decimal | None = None
    # The figure in words, for the definitions page of the quarterly report (and any
    # other reader that explains a figure): Dutch, one or two sentences. The one place
    # these words live; docs/indicators.md has the precise rules in English.
    description: str | Promise = ""


def _share(numerator: Tally, denominator: Tally) -> dict[str, Any]:
    """A percentage: tallies ``num`` and ``den``."""
    return {
        "tallies": {"num": numerator, "den": denominator},
        "finish": lambda a: percent(a["num"], a["den"]),
    }


# Age buckets of open waits, in days since registration (upper bound inclusive).
AGE_BUCKETS: list[tuple[str, int, int | None, str | Promise]] = [
    ("open_waits_weeks_0_4", 0, 28, _("0–4 weken")),
    ("open_waits_weeks_4_10", 29, 70, _("4–10 weken")),
    ("open_waits_weeks_10_14", 71, 98, _("10–14 weken")),
    ("open_waits_weeks_14_26", 99, 182, _("14–26 weken")),
    ("open_waits_weeks_26_plus", 183, None, _("26 weken en langer")),
]

# The age buckets in words, for their descriptions.
_AGE_WORDS = {
    "open_waits_weeks_0_4": _("0 tot en met 28 dagen"),
    "open_waits_weeks_4_10": _("29 tot en met 70 dagen"),
    "open_waits_weeks_10_14": _("71 tot en met 98 dagen"),
    "open_waits_weeks_14_26": _("99 tot en met 182 dagen"),
    "open_waits_weeks_26_plus": _("183 dagen of langer"),
}

OUTFLOW_REASONS = [
    "treatment_started",
    "no_longer_needed",
    "referred_elsewhere",
    "dropped_out",
    "moved",
    "deceased",
    "other",
]

# --- Realised waits: one Treeknorm stage each (realised.STAGES) --------------------------

_WITHIN_LABELS = {
    "aanmeld": _("Intake binnen de Treeknorm"),
    "behandel": _("Start behandeling binnen de Treeknorm"),
    "total": _("Totale wachttijd binnen de Treeknorm"),
}
_WAIT_LABELS = {
    ("aanmeld", "mean"): _("Aanmeldwachttijd, gemiddeld"),
    ("aanmeld", "median"): _("Aanmeldwachttijd, mediaan"),
    ("behandel", "mean"): _("Behandelwachttijd, gemiddeld"),
    ("behandel", "median"): _("Behandelwachttijd, mediaan"),
    ("total", "mean"): _("Totale wachttijd, gemiddeld"),
    ("total", "median"): _("Totale wachttijd, mediaan"),
}
_WITHIN_DESCRIPTIONS = {
    "aanmeld": _(
        "Van de wachtplekken met een intake in de periode: het deel waarbij de tijd van "
        "aanmelding tot intake binnen de aanmeldnorm van de regio bleef."
    ),
    "behandel": _(
        "Van de wachtplekken met een start van de behandeling in de periode: het deel "
        "waarbij de tijd van intake tot start behandeling binnen de behandelnorm bleef."
    ),
    "total": _(
        "Van de wachtplekken met een start van de behandeling in de periode: het deel "
        "waarbij de tijd van aanmelding tot start behandeling binnen de totale norm bleef."
    ),
}
_WAIT_DESCRIPTIONS = {
    ("aanmeld", "mean"): _(
        "Het gemiddelde aantal dagen van aanmelding tot intake, over de wachtplekken met "
        "een intake in de periode."
    ),
    ("aanmeld", "median"): _(
        "Het middelste aantal dagen van aanmelding tot intake (de helft wachtte korter, de "
        "helft langer), over de wachtplekken met een intake in de periode."
    ),
    ("behandel", "mean"): _(
        "Het gemiddelde aantal dagen van intake tot start behandeling, over de wachtplekken "
        "met een start van de behandeling in de periode."
    ),
    ("behandel", "median"): _(
        "Het middelste aantal dagen van intake tot start behandeling, over de wachtplekken "
        "met een start van de behandeling in de periode."
    ),
    ("total", "mean"): _(
        "Het gemiddelde aantal dagen van aanmelding tot start behandeling, over de "
        "wachtplekken met een start van de behandeling in de periode."
    ),
    ("total", "median"): _(
        "Het middelste aantal dagen van aanmelding tot start behandeling, over de "
        "wachtplekken met een start van de behandeling in de periode."
    ),
}
# The flag of the episodes a stage counts: the event that ends its wait is in the period.
_STAGE_FLAG = {"aanmeld": "aanmeld", "behandel": "behandel", "total": "behandel"}


def _realised() -> list[Definition]:
    within: list[Definition] = []
    waits: list[Definition] = []
    for stage in realised.STAGES:
        name, counted = stage.name, _STAGE_FLAG[stage.name]
        days, norm = f"d_{name}", f"n_{name}"
        measured = tally_count(counted)
        within.append(
            Definition(
                f"{name}_within_norm",
                _WITHIN_LABELS[name],
                Family.REALISED,
                Unit.PERCENT,
                Panel.REALISED,
                Source.EPISODES,
                compute=lambda rows, ctx, s=stage: realised.within_norm(rows, ctx.period, s),
                **_share(tally_count(counted, le(days, Col(norm))), measured),
                higher_is_better=True,
                description=_WITHIN_DESCRIPTIONS[name],
            )
        )
        waits.append(
            Definition(
                f"{name}_wait_mean_days",
                _WAIT_LABELS[(name, "mean")],
                Family.REALISED,
                Unit.DAYS,
                Panel.REALISED,
                Source.EPISODES,
                compute=lambda rows, ctx, s=stage: realised.wait_days(rows, ctx.period, s, "mean"),
                tallies={"sum": tally_sum(days, counted), "den": measured},
                finish=lambda a: mean(a["sum"] or 0, a["den"]),
                higher_is_better=False,
                description=_WAIT_DESCRIPTIONS[(name, "mean")],
            )
        )
        waits.append(
            Definition(
                f"{name}_wait_median_days",
                _WAIT_LABELS[(name, "median")],
                Family.REALISED,
                Unit.DAYS,
                Panel.REALISED,
                Source.EPISODES,
                compute=lambda rows, ctx, s=stage: realised.wait_days(
                    rows, ctx.period, s, "median"
                ),
                tallies={"median": tally_median(days, counted), "den": measured},
                finish=lambda a: median_ratio(a["den"], a["median"]),
                higher_is_better=False,
                description=_WAIT_DESCRIPTIONS[(name, "median")],
            )
        )
    return [*within, *waits]


# --- Open waits at the peildatum ---------------------------------------------------------


def _open() -> list[Definition]:
    definitions = [
        Definition(
            "waiting_for_intake_over_norm",
            _("Wachtend op intake, langer dan de norm"),
            Family.OPEN,
            Unit.PERCENT,
            Panel.OPEN,
            Source.EPISODES,
            compute=lambda rows, ctx: open_waits.over_norm(
                rows, ctx.peildatum, WaitStage.FOR_INTAKE
            ),
            **_share(
                tally_count("for_intake", gt("age_registration", Col("n_aanmeld"))),
                tally_count("for_intake"),
            ),
            higher_is_better=False,
            description=_(
                "Van de wachtplekken die op de peildatum nog op een intake wachten: het deel "
                "dat al langer wacht dan de aanmeldnorm."
            ),
        ),
        Definition(
            "waiting_for_treatment_over_norm",
            _("Wachtend op behandeling, langer dan de norm"),
            Family.OPEN,
            Unit.PERCENT,
            Panel.OPEN,
            Source.EPISODES,
            compute=lambda rows, ctx: open_waits.over_norm(
                rows, ctx.peildatum, WaitStage.FOR_TREATMENT
            ),
            **_share(
                tally_count("for_treatment", gt("age_intake", Col("n_behandel"))),
                tally_count("for_treatment"),
            ),
            higher_is_better=False,
            description=_(
                "Van de wachtplekken die op de peildatum na de intake nog op de start van de "
                "behandeling wachten: het deel dat al langer wacht dan de behandelnorm."
            ),
        ),
    ]
    for key, low, high, label in AGE_BUCKETS:
        inside: list[Condition] = ["open", ge("age_registration", low)]
        if high is not None:
            inside.append(le("age_registration", high))
        definitions.append(
            Definition(
                key,
                label,
                Family.OPEN,
                Unit.PERCENT,
                Panel.AGE,
                Source.EPISODES,
                compute=lambda rows, ctx, lo=low, hi=high: open_waits.age_bucket(
                    rows, ctx.peildatum, lo, hi
                ),
                **_share(tally_count(*inside), tally_count("open")),
                description=format_lazy(
                    _(
                        "Van alle open wachtplekken op de peildatum: het deel dat {weeks} "
                        "geleden is aangemeld (vaste dagen, niet de norm van de regio)."
                    ),
                    weeks=_AGE_WORDS[key],
                ),
            )
        )
    return definitions


# --- Bridging care ---------------------------------------------------------------------

_OUTFLOW_LABELS = {
    "treatment_started": _("Uitstroom: behandeling gestart"),
    "no_longer_needed": _("Uitstroom: niet meer nodig"),
    "referred_elsewhere": _("Uitstroom: elders naartoe verwezen"),
    "dropped_out": _("Uitstroom: uitgevallen"),
    "moved": _("Uitstroom: verhuisd"),
    "deceased": _("Uitstroom: overleden"),
    "other": _("Uitstroom: anders"),
}
_OUTFLOW_WORDS = {
    "treatment_started": _("de behandeling is gestart"),
    "no_longer_needed": _("niet meer nodig"),
    "referred_elsewhere": _("elders naartoe verwezen"),
    "dropped_out": _("uitgevallen"),
    "moved": _("verhuisd"),
    "deceased": _("overleden"),
    "other": _("een andere reden"),
}
MUNICIPALITY_ONLY = (Breakdown.TOTAL, Breakdown.MUNICIPALITY)


def _bridging() -> list[Definition]:
    in_care = Definition(
        "in_bridging_care",
        _("Wachtenden in beeld bij overbruggingszorg"),
        Family.BRIDGING,
        Unit.PERCENT,
        Panel.BRIDGING,
        Source.EPISODES,
        compute=lambda rows, ctx: open_waits.in_bridging_care(rows, ctx.peildatum, ctx.in_beeld),
        **_share(tally_count("open", "in_beeld"), tally_count("open")),
        higher_is_better=True,
        description=_(
            "Van alle open wachtplekken op de peildatum: het deel van iemand die dan in beeld "
            "is bij overbruggingszorg (een lopende verwijzing met eerste contact, een groep of "
            "een contact in de 30 dagen ervoor). Een ondergrens: een wachtplek die aan niemand "
            "gekoppeld is, telt alleen in de noemer."
        ),
    )
    first_contact = Definition(
        "first_contact_within_7_days",
        _("Eerste contact binnen 7 dagen na verwijzing"),
        Family.BRIDGING,
        Unit.PERCENT,
        Panel.BRIDGING,
        Source.REFERRALS,
        compute=lambda rows, ctx: bridging.first_contact_within(rows, ctx.period),
        **_share(
            # No first contact yet: NULL days, so not within.
            tally_count(
                "counts_for_first_contact", le("first_contact_days", bridging.FIRST_CONTACT_DAYS)
            ),
            tally_count("counts_for_first_contact"),
        ),
        breakdowns=MUNICIPALITY_ONLY,
        higher_is_better=True,
        description=_(
            "Van de verwijzingen met een verwijsdatum in de periode (zonder afgewezen en "
            "ingetrokken verwijzingen): het deel met een eerste contact binnen 7 dagen na de "
            "verwijsdatum."
        ),
    )
    received = [
        Definition(
            "referrals_received" if source is None else f"referrals_received_{source}",
            label,
            Family.REACH,
            Unit.COUNT,
            Panel.REACH,
            Source.REFERRALS,
            compute=lambda rows, ctx, s=source: bridging.referrals_received(rows, ctx.period, s),
            tallies={
                "received": tally_count() if source is None else tally_count(f"from_{source}")
            },
            finish=lambda a: count(a["received"]),
            breakdowns=(Breakdown.TOTAL, Breakdown.PROVIDER, Breakdown.MUNICIPALITY),
            description=description,
        )
        for source, label, description in (
            (
                None,
                _("Verwijzingen ontvangen"),
                _(
                    "Het aantal verwijzingen naar overbruggingszorg met een verwijsdatum in de "
                    "periode, welke status ze later ook kregen."
                ),
            ),
            (
                "gp",
                _("Verwijzingen ontvangen: van de huisartspraktijk"),
                _(
                    "Het aantal verwijzingen met een verwijsdatum in de periode dat van een "
                    "huisartspraktijk kwam."
                ),
            ),
            (
                "self",
                _("Verwijzingen ontvangen: zelfaanmelding"),
                _(
                    "Het aantal verwijzingen met een verwijsdatum in de periode waarbij de "
                    "persoon zich zelf aanmeldde."
                ),
            ),
            (
                bridging.OTHER_SOURCE,
                _("Verwijzingen ontvangen: andere bron"),
                _(
                    "Het aantal verwijzingen met een verwijsdatum in de periode van een andere "
                    "bron dan de huisartspraktijk of de persoon zelf."
                ),
            ),
        )
    ]
    outflow = [
        Definition(
            f"outflow_{reason}",
            _OUTFLOW_LABELS[reason],
            Family.BRIDGING,
            Unit.PERCENT,
            Panel.OUTFLOW,
            Source.EPISODES,
            compute=lambda rows, ctx, r=reason: bridging.outflow(rows, ctx.period, r),
            **_share(tally_count("closed", eq("reason", reason)), tally_count("closed")),
            description=format_lazy(
                _(
                    "Van de wachtplekken die in de periode zijn afgesloten: het deel met als "
                    "reden: {reason}."
                ),
                reason=_OUTFLOW_WORDS[reason],
            ),
        )
        for reason in OUTFLOW_REASONS
    ]
    attendance = Definition(
        "group_attendance_rate",
        _("Opkomst bij groepsbijeenkomsten"),
        Family.BRIDGING,
        Unit.PERCENT,
        Panel.BRIDGING,
        Source.ATTENDANCE,
        compute=lambda rows, ctx: bridging.attendance_rate(rows, ctx.period),
        **_share(tally_count("present"), tally_count()),
        breakdowns=MUNICIPALITY_ONLY,
        higher_is_better=True,
        description=_(
            "Van de aanwezigheidsregistraties van groepsbijeenkomsten in de periode: het deel "
            "waarbij de deelnemer aanwezig was. Inlopers zonder naam tellen niet mee."
        ),
    )
    positive_health = Definition(
        "positive_health_change_mean",
        _("Positieve Gezondheid: gemiddelde verandering"),
        Family.BRIDGING,
        Unit.POINTS,
        Panel.BRIDGING,
        Source.MEASUREMENTS,
        compute=lambda rows, ctx: bridging.positive_health_change(rows, ctx.period),
        tallies={"participants": tally_count(), "delta": tally_sum("delta")},
        finish=lambda a: bridging.points_change(a["delta"] or 0, a["participants"]),
        breakdowns=TOTAL_ONLY,
        higher_is_better=True,
        description=_(
            "De gemiddelde verandering van de score Positieve Gezondheid (het gemiddelde van "
            "de zes dimensies) van de eerste tot de laatste meting, bij deelnemers met ten "
            "minste twee metingen van wie de laatste in de periode viel."
        ),
    )
    signals = [
        Definition(
            "signals_raised",
            _("Zorgsignalen gemeld"),
            Family.BRIDGING,
            Unit.COUNT,
            Panel.BRIDGING,
            Source.SIGNALS,
            compute=lambda rows, ctx: bridging.signals_raised(rows, ctx.period),
            tallies={"raised": tally_count()},
            finish=lambda a: count(a["raised"]),
            breakdowns=TOTAL_ONLY,
            description=_("Het aantal zorgsignalen dat in de periode is gemeld."),
        ),
        Definition(
            "signal_follow_up_median_hours",
            _("Zorgsignalen: mediane tijd tot opvolging"),
            Family.BRIDGING,
            Unit.HOURS,
            Panel.BRIDGING,
            Source.SIGNALS,
            compute=lambda rows, ctx: bridging.signal_follow_up_median_hours(rows, ctx.period),
            tallies={
                "measured": tally_count("followed_up"),
                "median": tally_median("follow_up_seconds", "followed_up"),
            },
            finish=lambda a: median_ratio(a["measured"], hours(a["median"])),
            breakdowns=TOTAL_ONLY,
            higher_is_better=False,
            description=_(
                "De middelste tijd in uren van het melden van een zorgsignaal in de periode tot "
                "de bevestiging (of anders de afhandeling). Signalen die nog niet zijn "
                "opgevolgd tellen niet mee."
            ),
        ),
    ]
    # New figures go last, so the rows of exports keep their order.
    return [in_care, first_contact, *outflow, attendance, positive_health, *signals, *received]


# --- Reach: whom bridging care reached, what it did and what that cost -------------------


def _counted(
    key: str,
    label: str | Promise,
    source: Source,
    compute: Callable[[Sequence[Any], Context], Ratio],
    tally: Tally,
    description: str | Promise,
) -> Definition:
    """A count of the reach panel, in total and by municipality."""
    return Definition(
        key,
        label,
        Family.REACH,
        Unit.COUNT,
        Panel.REACH,
        source,
        compute=compute,
        tallies={"n": tally},
        # A sum over no rows is NULL: nothing, so 0.
        finish=lambda a: count(a["n"] or 0),
        breakdowns=MUNICIPALITY_ONLY,
        description=description,
    )


def _work(
    key: str,
    label: str | Promise,
    unit: Unit,
    compute: Callable[[Sequence[Any], Context], Ratio],
    description: str | Promise,
) -> Definition:
    """A figure over contacts, sessions and presence together (``Source.WORK``): its
    database side hands ``WorkRow`` rows to the same pure function."""
    return Definition(
        key,
        label,
        Family.REACH,
        unit,
        Panel.REACH,
        Source.WORK,
        compute=compute,
        breakdowns=MUNICIPALITY_ONLY,
        description=description,
    )


_STEPS = {
    ReferralStatus.ACCEPTED: (
        _("Verwijzingen geaccepteerd"),
        _(
            "Het aantal verwijzingen dat in de periode de status geaccepteerd kreeg; een "
            "verwijzing die dat twee keer kreeg, telt één keer."
        ),
    ),
    ReferralStatus.DECLINED: (
        _("Verwijzingen afgewezen"),
        _(
            "Het aantal verwijzingen dat in de periode de status afgewezen kreeg; een "
            "verwijzing die dat twee keer kreeg, telt één keer."
        ),
    ),
    ReferralStatus.WITHDRAWN: (
        _("Verwijzingen ingetrokken"),
        _(
            "Het aantal verwijzingen dat in de periode de status ingetrokken kreeg; een "
            "verwijzing die dat twee keer kreeg, telt één keer."
        ),
    ),
}
# The network partner a contact referred to: one figure for any, one per partner.
NETWORK_PARTNERS = [(None, _("Doorverwijzingen naar netwerkpartners"))] + [
    (
        partner.value,
        format_lazy("{}: {}", _("Doorverwijzingen naar netwerkpartners"), partner.label),
    )
    for partner in NetworkPartner
]


def _network_words(partner: str | None) -> str | Promise:
    if partner is None:
        return _(
            "Het aantal individuele contacten in de periode waarin de deelnemer is "
            "doorverwezen naar een netwerkpartner."
        )
    return format_lazy(
        "{} {}.",
        _(
            "Het aantal individuele contacten in de periode waarin de deelnemer is "
            "doorverwezen naar deze netwerkpartner:"
        ),
        NetworkPartner(partner).label,
    )


def _reach() -> list[Definition]:
    steps = [
        _counted(
            f"referrals_{status}",
            label,
            Source.REFERRAL_EVENTS,
            lambda rows, ctx, s=status: reach.referral_steps(rows, ctx.period, s),
            tally_count(f"step_{status}"),
            description,
        )
        for status, (label, description) in _STEPS.items()
    ]
    groups = [
        _work(
            "participants_reached",
            _("Deelnemers bereikt"),
            Unit.COUNT,
            lambda rows, ctx: reach.participants_reached(rows, ctx.period),
            _(
                "Het aantal deelnemers met een individueel contact in de periode, of die "
                "aanwezig waren bij een groepsbijeenkomst in de periode."
            ),
        ),
        _counted(
            "participants_in_groups",
            _("Deelnemers in een groep"),
            Source.GROUP_MEMBERS,
            lambda rows, ctx: reach.participants_in_groups(rows, ctx.period),
            tally_count(),
            _(
                "Het aantal deelnemers met een plek in een groep in (een deel van) de "
                "periode; een plek op de wachtlijst van een groep telt niet."
            ),
        ),
        _counted(
            "group_sessions_held",
            _("Groepsbijeenkomsten gehouden"),
            Source.SESSIONS,
            lambda rows, ctx: reach.sessions_held(rows, ctx.period),
            tally_count(),
            _("Het aantal groepsbijeenkomsten in de periode."),
        ),
        _counted(
            "walk_in_visits",
            _("Inloop zonder inschrijving"),
            Source.SESSIONS,
            lambda rows, ctx: reach.walk_in_visits(rows, ctx.period),
            tally_sum("walk_ins"),
            _(
                "Het aantal bezoekers zonder inschrijving bij de groepsbijeenkomsten in de "
                "periode, opgeteld."
            ),
        ),
    ]
    contacts = [
        _counted(
            "contacts_logged",
            _("Individuele contacten"),
            Source.CONTACTS,
            lambda rows, ctx: reach.contacts_logged(rows, ctx.period),
            tally_count(),
            _("Het aantal individuele contacten in de periode; een ingetrokken contact telt niet."),
        ),
        Definition(
            "contact_hours",
            _("Uren individueel contact"),
            Family.REACH,
            Unit.HOURS,
            Panel.REACH,
            Source.CONTACTS,
            compute=lambda rows, ctx: reach.contact_hours(rows, ctx.period),
            tallies={"minutes": tally_sum("minutes"), "contacts": tally_count()},
            finish=lambda a: reach.hours_of(a["minutes"] or 0, a["contacts"]),
            breakdowns=MUNICIPALITY_ONLY,
            description=_("De duur van de individuele contacten in de periode, in uren."),
        ),
        *(
            _counted(
                "network_referrals" if partner is None else f"network_referrals_{partner}",
                label,
                Source.CONTACTS,
                lambda rows, ctx, p=partner: reach.contacts_logged(
                    rows, ctx.period, reach.ANY_PARTNER if p is None else p
                ),
                tally_count("with_partner" if partner is None else f"partner_{partner}"),
                _network_words(partner),
            )
            for partner, label in NETWORK_PARTNERS
        ),
    ]
    rest = [
        _counted(
            "positive_health_conversations",
            _("Gesprekken Positieve Gezondheid"),
            Source.CONVERSATIONS,
            lambda rows, ctx: reach.conversations(rows, ctx.period),
            tally_count(),
            _("Het aantal metingen van Positieve Gezondheid in de periode, elk een gesprek."),
        ),
        _counted(
            "handovers_completed",
            _("Warme overdrachten afgerond"),
            Source.REFERRAL_EVENTS,
            lambda rows, ctx: reach.referral_steps(rows, ctx.period, reach.HANDOVER_COMPLETED),
            tally_count(f"step_{reach.HANDOVER_COMPLETED}"),
            _("Het aantal warme overdrachten naar de behandelaar dat in de periode is afgerond."),
        ),
        _work(
            "bridging_hours",
            _("Uren overbruggingszorg"),
            Unit.HOURS,
            lambda rows, ctx: reach.bridging_hours(rows, ctx.period),
            _(
                "De uren overbruggingswerk in de periode: de duur van de individuele "
                "contacten plus, per groepsbijeenkomst, de duur maal het aantal begeleiders."
            ),
        ),
        _work(
            "cost_per_participant_reached",
            _("Kosten per bereikte deelnemer"),
            Unit.EUROS,
            lambda rows, ctx: reach.cost_per_participant_reached(rows, ctx.period, ctx.hour_rate),
            _(
                "De kosten zijn de uren overbruggingswerk in de periode maal het uurtarief, "
                "afgerond op hele euro's. De kosten gedeeld door het aantal bereikte "
                "deelnemers."
            ),
        ),
    ]
    return [*steps, *groups, *contacts, *rest]


# --- Effect: the experience at handover -------------------------------------------------

_EXPERIENCE_LABELS = {
    "supported": _("Ervaring bij overdracht: gesteund tijdens het wachten"),
    "contact_known": _("Ervaring bij overdracht: wist bij wie terecht te kunnen"),
    "ready": _("Ervaring bij overdracht: klaar voor de behandeling"),
}
_EXPERIENCE_DESCRIPTIONS = {
    "supported": _(
        "Het gemiddelde cijfer (0 tot 10) dat deelnemers bij de warme overdracht geven op "
        "de vraag of ze zich gesteund voelden tijdens het wachten, met het 95%-"
        "betrouwbaarheidsinterval. Geteld: de antwoorden die in de periode zijn ingevuld."
    ),
    "contact_known": _(
        "Het gemiddelde cijfer (0 tot 10) dat deelnemers bij de warme overdracht geven op "
        "de vraag of ze wisten bij wie ze terecht konden, met het 95%-"
        "betrouwbaarheidsinterval. Geteld: de antwoorden die in de periode zijn ingevuld."
    ),
    "ready": _(
        "Het gemiddelde cijfer (0 tot 10) dat deelnemers bij de warme overdracht geven op "
        "de vraag of ze zich klaar voelen voor de behandeling, met het 95%-"
        "betrouwbaarheidsinterval. Geteld: de antwoorden die in de periode zijn ingevuld."
    ),
}
# A mean mark whose 95% interval is wider than 3 points (on the 0-10 scale) says too
# little to go on: see docs/indicators.md ("Ervaring bij overdracht").
EXPERIENCE_MAX_CI_WIDTH = Decimal("3.0")


def _experience() -> list[Definition]:
    """The mean mark of each of the three questions at the warm handover, with its t
    interval; rows handed over by the source (``DbSource.fetch``), no tallies."""
    return [
        Definition(
            f"handover_experience_{question}",
            _EXPERIENCE_LABELS[question],
            Family.EFFECT,
            Unit.SCORE,
            Panel.EFFECT,
            Source.EXPERIENCE,
            compute=lambda rows, ctx, q=question: experience.mean_mark(rows, ctx.period, q),
            breakdowns=MUNICIPALITY_ONLY,
            higher_is_better=True,
            interval=True,
            max_ci_width=EXPERIENCE_MAX_CI_WIDTH,
            description=_EXPERIENCE_DESCRIPTIONS[question],
        )
        for question in experience.QUESTIONS
    ]


# --- Effect: what bridging care changed, with a 95% confidence interval -------------------

# How wide an interval may be before the figure says too little (docs/indicators.md,
# "Effect"): 30 percentage points for a share or a difference of shares (wider, and the
# figure cannot tell a small effect from a large one), 2.0 points on the 0-10
# Positieve Gezondheid scale (a change of about one point is what bridging care hopes
# for), 10 crisis signals per 100 participant-months (more than the rates expected).
MAX_CI_SHARE = Decimal("30.0")
MAX_CI_POINTS = Decimal("2.0")
MAX_CI_RATE = Decimal("10.0")

_EFFECT_LABELS = {
    ("dropped_out", True): _("Uitval voor behandeling: met overbrugging"),
    ("dropped_out", False): _("Uitval voor behandeling: zonder overbrugging"),
    ("dropped_out", None): _("Uitval voor behandeling: verschil met en zonder overbrugging"),
    ("no_longer_needed", True): _("Niet meer nodig: met overbrugging"),
    ("no_longer_needed", False): _("Niet meer nodig: zonder overbrugging"),
    ("no_longer_needed", None): _("Niet meer nodig: verschil met en zonder overbrugging"),
}
_EFFECT_KEYS = {"dropped_out": "dropout", "no_longer_needed": "no_longer_needed"}
_OUTCOME_WORDS = {
    "dropped_out": _("vóór de behandeling uitviel"),
    "no_longer_needed": _("vóór de behandeling werd afgesloten omdat zorg niet meer nodig was"),
}
_SIDE_DESCRIPTIONS = {
    True: _(
        "Van de wachtplekken die in de periode eindigden (start van de behandeling, of "
        "afgesloten zonder start) en waarvan de houder toen al minstens 14 dagen "
        "overbruggingszorg had: het deel dat {outcome}. Met 95%-betrouwbaarheidsinterval."
    ),
    False: _(
        "Van de andere wachtplekken die in de periode eindigden (niet gekoppeld aan een "
        "deelnemer, of minder dan 14 dagen overbruggingszorg): het deel dat {outcome}. "
        "Met 95%-betrouwbaarheidsinterval."
    ),
    None: _(
        "Met overbrugging min zonder, in procentpunten: het deel dat {outcome}, vergeleken "
        "binnen elke aanbieder en zorgzwaarte en dan samengenomen (Mantel-Haenszel), zodat "
        "een verschil tussen aanbieders geen effect lijkt. Met 95%-betrouwbaarheidsinterval."
    ),
}
_SCORE_LABELS = {
    "lichaamsfuncties": _("Positieve Gezondheid, lichaamsfuncties: verandering per deelnemer"),
    "mentaal_welbevinden": _(
        "Positieve Gezondheid, mentaal welbevinden: verandering per deelnemer"
    ),
    "zingeving": _("Positieve Gezondheid, zingeving: verandering per deelnemer"),
    "kwaliteit_van_leven": _(
        "Positieve Gezondheid, kwaliteit van leven: verandering per deelnemer"
    ),
    "meedoen": _("Positieve Gezondheid, meedoen: verandering per deelnemer"),
    "dagelijks_functioneren": _(
        "Positieve Gezondheid, dagelijks functioneren: verandering per deelnemer"
    ),
}


def _effect(
    key: str, label: Any, unit: Unit, source: Source, compute: Any, **kw: Any
) -> Definition:
    return Definition(
        key,
        label,
        Family.EFFECT,
        unit,
        Panel.EFFECT,
        source,
        compute=compute,
        breakdowns=MUNICIPALITY_ONLY,
        interval=True,
        **kw,
    )


def _effects() -> list[Definition]:
    definitions = []
    for reason in effect.OUTCOMES:
        name = _EFFECT_KEYS[reason]
        better = False if reason == "dropped_out" else None
        for bridged, suffix in ((True, "bridged"), (False, "not_bridged")):
            definitions.append(
                _effect(
                    f"{name}_{suffix}",
                    _EFFECT_LABELS[(reason, bridged)],
                    Unit.PERCENT,
                    Source.ENDED_EPISODES,
                    lambda rows, ctx, r=reason, b=bridged: effect.outcome_share(rows, r, bridged=b),
                    higher_is_better=better,
                    max_ci_width=MAX_CI_SHARE,
                    description=format_lazy(
                        _SIDE_DESCRIPTIONS[bridged], outcome=_OUTCOME_WORDS[reason]
                    ),
                )
            )
        definitions.append(
            _effect(
                f"{name}_difference",
                _EFFECT_LABELS[(reason, None)],
                Unit.POINTS_DIFFERENCE,
                Source.ENDED_EPISODES,
                lambda rows, ctx, r=reason: effect.outcome_difference(rows, r),
                higher_is_better=better,
                max_ci_width=MAX_CI_SHARE,
                description=format_lazy(_SIDE_DESCRIPTIONS[None], outcome=_OUTCOME_WORDS[reason]),
            )
        )
    definitions.append(
        _effect(
            "crisis_signals_rate",
            _("Crisissignalen per 100 deelnemermaanden in overbrugging"),
            Unit.RATE,
            Source.BRIDGING_EXPOSURE,
            lambda rows, ctx: effect.crisis_rate(rows),
            higher_is_better=False,
            max_ci_width=MAX_CI_RATE,
            description=_(
                "Crisissignalen op dagen dat de deelnemer in overbruggingszorg was, per 100 "
                "deelnemermaanden overbruggingszorg in de periode (van het eerste contact tot "
                "de verwijzing is overgedragen, afgesloten of ingetrokken). Met exact "
                "95%-betrouwbaarheidsinterval."
            ),
        )
    )
    definitions.append(
        _effect(
            "positive_health_paired_change",
            _("Positieve Gezondheid: verandering per deelnemer"),
            Unit.POINTS,
            Source.PAIRED_MEASUREMENTS,
            lambda rows, ctx: effect.paired_change(rows),
            higher_is_better=True,
            max_ci_width=MAX_CI_POINTS,
            description=_(
                "Per deelnemer de laatste meting (in de periode, minstens 8 weken na de eerste) "
                "min de eerste (binnen 14 dagen van het eerste contact in de "
                "overbruggingszorg), van het gemiddelde van de zes dimensies; gemiddeld over "
                "de deelnemers, in punten op de schaal 0-10. Met 95%-betrouwbaarheidsinterval."
            ),
        )
    )
    definitions.extend(
        _effect(
            f"positive_health_paired_change_{score}",
            _SCORE_LABELS[score],
            Unit.POINTS,
            Source.PAIRED_MEASUREMENTS,
            lambda rows, ctx, s=score: effect.paired_change(rows, s),
            higher_is_better=True,
            max_ci_width=MAX_CI_POINTS,
            description=_(
                "Als de verandering per deelnemer in Positieve Gezondheid, voor deze "
                "dimensie alleen."
            ),
        )
        for score in effect.SCORES
    )
    return definitions


# New figures go last, so the rows of exports keep their order.
DEFINITIONS: list[Definition] = [
    *_realised(),
    *_open(),
    *_bridging(),
    *_reach(),
    *_experience(),
    *_effects(),
]

BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}


def get(key: str) -> Definition:
    return BY_KEY[key]
