"""What groups show on the participant page (``participants.registry`` page panels).

Registered in ``GroupsConfig.ready()``: the open care signals above the record, and the
recent contacts and the Positieve Gezondheid chart in its wide column. The panels run
after the page's gate (``participant_get_for`` wrote the access-log row); each reads at a
fixed number of queries, however many rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from participants import registry
from participants.constants import LifeDomain
from participants.models import Participant
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES, PERSON_RECORD_ROLES

from .constants import PositiveHealthDimension
from .models import Contact, PositiveHealthMeasurement, Signal
from .services.signals import SEVERITY_RANK

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
