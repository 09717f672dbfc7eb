"""What groups show on the participant page (``participants.registry`` page panels).

Registered in ``GroupsConfig.ready()``: the open care signals above the record, and the
recent contacts and the Positieve Gezondheid chart in its wide column. The panels run
after the page's gate (``participant_get_for`` wrote the access-log row); each reads at a
fixed number of queries, however many rows there are.

The same three make up the warm-handover package (``PanelPlace.HANDOVER``: the handover
page and the receiving provider's page) and the GP's feedback letter
(``PanelPlace.LETTER``): the whole Positieve Gezondheid history, a summary of the
contacts (not each note) and the open signals (no free text). They leave the bridging
team only with the participant's consent to share: on the pages as
``handover_texts_visible`` says (the one consent rule), in the letter, which goes to
the GP, only while that consent is in force, whoever prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from participants import registry
from participants.constants import LifeDomain
from participants.models import Participant
from participants.selectors import consent_to_share_active, handover_texts_visible
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import (
    BRIDGING_TEAM_ROLES,
    HANDOVER_PARTY_ROLES,
    PERSON_RECORD_ROLES,
)

from .constants import PositiveHealthDimension
from .models import Contact, PositiveHealthMeasurement, Signal
from .selectors import SEVERITY_RANK

RECENT_CONTACTS = 10


@dataclass(frozen=True)
class ContactRow:
    contact: Contact
    life_domains: list[str]


@dataclass(frozen=True)
class ScoreRow:
    label: str
    first: int | None
    latest: int

    @property
    def change(self) -> int | None:
        return None if self.first is None else self.latest - self.first


def contact_rows(contacts: list[Contact]) -> list[ContactRow]:
    labels = dict(LifeDomain.choices)
    return [ContactRow(c, [str(labels.get(d, d)) for d in c.life_domains]) for c in contacts]


def score_rows(measurement: PositiveHealthMeasurement) -> list[tuple[str, int]]:
    """The six scores of one measurement, as (Dutch label, score)."""
    return [(str(d.label), getattr(measurement, d.value)) for d in PositiveHealthDimension]


def health_summary(
    first: PositiveHealthMeasurement | None, latest: PositiveHealthMeasurement | None
) -> dict[str, Any]:
    """Rows for the data table and the chart's data: first vs latest, or just the one."""
    if latest is None or first is None:
        return {"rows": [], "chart": None, "first": None, "latest": None}
    only_one = first.pk == latest.pk
    shown_first = None if only_one else first
    rows = [
        ScoreRow(
            label=str(dimension.label),
            first=getattr(shown_first, dimension.value) if shown_first else None,
            latest=getattr(latest, dimension.value),
        )
        for dimension in PositiveHealthDimension
    ]
    datasets = []
    if shown_first is not None:
        datasets.append(
            {
                "key": "first",
                "label": _("Eerste meting (%(date)s)")
                % {"date": shown_first.measured_on.strftime("%d-%m-%Y")},
                "data": [row.first for row in rows],
            }
        )
    datasets.append(
        {
            "key": "latest",
            "label": (_("Meting (%(date)s)") if only_one else _("Laatste meting (%(date)s)"))
            % {"date": latest.measured_on.strftime("%d-%m-%Y")},
            "data": [row.latest for row in rows],
        }
    )
    chart = {"labels": [row.label for row in rows], "max": 10, "datasets": datasets}
    return {"rows": rows, "chart": chart, "first": shown_first, "latest": latest}


def signals_panel(participant: Participant, membership: Membership) -> dict[str, Any]:
    """Her open signals (crisis first) and the "Signaal melden" button. One query."""
    signals = list(
        Signal.objects.filter(participant=participant, resolved_at__isnull=True)
        .select_related("raised_by")
        .annotate(severity_rank=SEVERITY_RANK)
        .order_by("severity_rank", "-raised_at", "-id")
    )
    return {
        "signals": signals,
        "has_crisis": any(s.severity == "crisis" for s in signals),
        "can_raise": membership.role in BRIDGING_TEAM_ROLES,
    }


def contacts_panel(participant: Participant, membership: Membership) -> dict[str, Any]:
    """Her most recent contacts, and a link to all when there are more, or withdrawn ones
    (listed there apart). Two queries."""
    recent = list(
        Contact.objects.filter(participant=participant)
        .select_related("expert")
        .order_by("-date", "-id")[: RECENT_CONTACTS + 1]
    )
    return {
        "contacts": contact_rows(recent[:RECENT_CONTACTS]),
        "more_contacts": len(recent) > RECENT_CONTACTS,
        "has_withdrawn": Contact.all_objects.filter(
            participant=participant, withdrawn_at__isnull=False
        ).exists(),
        "can_record": membership.role in BRIDGING_TEAM_ROLES,
    }


def positive_health_panel(participant: Participant, membership: Membership) -> dict[str, Any]:
    """Her first and latest Positieve Gezondheid measurement, as a chart and a table.
    At most two queries."""
    measurements = PositiveHealthMeasurement.objects.filter(participant=participant)
    first = measurements.order_by("measured_on", "id").first()
    latest = measurements.order_by("-measured_on", "-id").first() if first else None
    return {
        "health": health_summary(first, latest),
        "can_record": membership.role in BRIDGING_TEAM_ROLES,
    }


# --- The warm-handover package and the GP letter ----------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One measurement in the history: its day, its six scores and their average."""

    measured_on: Any
    scores: list[int]

    @property
    def average(self) -> float:
        return round(sum(self.scores) / len(self.scores), 1)


def health_history(measurements: list[PositiveHealthMeasurement]) -> dict[str, Any]:
    """Every measurement, oldest first, as table rows and as a line chart's data (the
    format ``static/js/dashboard.js`` draws: one line per dimension, dates along)."""
    dimensions = list(PositiveHealthDimension)
    rows = [
        HistoryRow(m.measured_on, [getattr(m, d.value) for d in dimensions]) for m in measurements
    ]
    chart = None
    if rows:
        chart = {
            "type": "line",
            "unit": "",
            "max": 10,
            "labels": [row.measured_on.strftime("%d-%m-%Y") for row in rows],
            "datasets": [
                {"label": str(d.label), "data": [row.scores[i] for row in rows]}
                for i, d in enumerate(dimensions)
            ],
        }
    return {
        "labels": [str(d.label) for d in dimensions],
        "rows": rows,
        "chart": chart,
    }


def contacts_summary(participant: Participant) -> dict[str, Any]:
    """How many contacts (withdrawn ones left out), the first and last day, the minutes
    together and how often each life domain came up. One query, no note read."""
    found = list(
        Contact.objects.filter(participant=participant)
        .order_by("date", "id")
        .values_list("date", "duration_minutes", "life_domains")
    )
    per_domain: dict[str, int] = {}
    for _date, _minutes, domains in found:
        for domain in domains or []:
            per_domain[domain] = per_domain.get(domain, 0) + 1
    labels = dict(LifeDomain.choices)
    return {
        "count": len(found),
        "first": found[0][0] if found else None,
        "last": found[-1][0] if found else None,
        "minutes": sum(minutes or 0 for _date, minutes, _domains in found),
        # In the order of the life domains, those that came up.
        "per_domain": [
            (str(labels[value]), per_domain[value])
            for value in LifeDomain.values
            if value in per_domain
        ],
    }


def open_signals(participant: Participant) -> list[Signal]:
    """Her unresolved signals, crisis first, without their texts. One query."""
    return list(
        Signal.objects.filter(participant=participant, resolved_at__isnull=True)
        .annotate(severity_rank=SEVERITY_RANK)
        .only("pk", "severity", "raised_at", "acknowledged_at", "resolved_at")
        .order_by("severity_rank", "-raised_at", "-id")
    )


def _shared_on_page(participant: Participant, membership: Membership) -> bool:
    """The package on a page: the bridging team sees it; the POH-GGZ and the receiving
    provider only while the participant's consent to share is in force."""
    return participant.pk in handover_texts_visible(membership, [participant.pk])


def _shared_in_letter(participant: Participant, membership: Membership) -> bool:
    """The letter goes to the GP: only while the consent to share is in force."""
    return consent_to_share_active(participant)


def _history(participant: Participant, membership: Membership) -> dict[str, Any]:
    """The whole Positieve Gezondheid history, as a chart and a table. One query."""
    measurements = list(
        PositiveHealthMeasurement.objects.filter(participant=participant).order_by(
            "measured_on", "id"
        )
    )
    return {"history": health_history(measurements)}


def _contacts(participant: Participant, membership: Membership) -> dict[str, Any]:
    """The contacts in figures. One query."""
    return {"summary": contacts_summary(participant)}


def _signals(participant: Participant, membership: Membership) -> dict[str, Any]:
    """The open signals: severity, status and day, linked for those who may open a
    signal's page (the letter shows no links). One query."""
    return {
        "signals": open_signals(participant),
        "can_open": membership.role in PERSON_RECORD_ROLES,
    }


def _when_shared(
    build: registry.PanelContext,
    shared: Callable[[Participant, Membership], bool],
) -> registry.PanelContext:
    """A package panel's context: ``build``'s, only when ``shared`` allows it for this
    reader; else just ``shared: False`` (the panel says it is not shared). At most one
    query more than ``build``."""

    def context(participant: Participant, membership: Membership) -> dict[str, Any]:
        if not shared(participant, membership):
            return {"shared": False}
        return {"shared": True, **build(participant, membership)}

    return context


def register() -> None:
    registry.register_page_panel(
        "groups.signals",
        position=10,
        roles=PERSON_RECORD_ROLES,
        template="groups/_participant_signals.html",
        context=signals_panel,
        place=registry.PanelPlace.TOP,
    )
    registry.register_page_panel(
        "groups.contacts",
        position=10,
        roles=PERSON_RECORD_ROLES,
        template="groups/_participant_contacts.html",
        context=contacts_panel,
    )
    registry.register_page_panel(
        "groups.positive_health",
        position=20,
        roles=PERSON_RECORD_ROLES,
        template="groups/_participant_health.html",
        context=positive_health_panel,
    )
    # The warm-handover package, for both sides of the handover, and the GP's feedback
    # letter (printable, tables only): the same three, each under its own sharing rule.
    for place, prefix, shared in (
        (registry.PanelPlace.HANDOVER, "handover", _shared_on_page),
        (registry.PanelPlace.LETTER, "letter", _shared_in_letter),
    ):
        for name, position, build in (
            ("health", 10, _history),
            ("contacts", 20, _contacts),
            ("signals", 30, _signals),
        ):
            registry.register_page_panel(
                f"groups.{prefix}.{name}",
                position=position,
                roles=HANDOVER_PARTY_ROLES,
                template=f"groups/_{prefix}_{name}.html",
                context=_when_shared(build, shared),
                place=place,
            )
