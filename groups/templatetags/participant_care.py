"""The participant page's contacts and Positieve Gezondheid, as one inclusion tag.

A tag rather than view code so the referrals app, which owns the participant page, does
not import the groups app (groups builds on referrals, not the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.translation import gettext as _

from participants.constants import LifeDomain
from participants.models import Participant
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.accounts.selectors import current_membership

from ..constants import PositiveHealthDimension
from ..models import Contact, PositiveHealthMeasurement

register = template.Library()

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


@register.inclusion_tag("groups/_participant_care.html", takes_context=True)
def participant_contacts_and_health(
    context: template.Context, participant: Participant
) -> dict[str, Any]:
    """Recent contacts and the Positieve Gezondheid chart for the participant page.

    No access gate here: the participant page already passed ``participant_get_for``
    and wrote the audit row. A fixed number of queries, however many rows there are.
    """
    request = context["request"]
    membership = current_membership(request)
    recent = list(
        Contact.objects.filter(participant=participant)
        .select_related("expert")
        .order_by("-date", "-id")[: RECENT_CONTACTS + 1]
    )
    measurements = PositiveHealthMeasurement.objects.filter(participant=participant)
    first = measurements.order_by("measured_on", "id").first()
    latest = measurements.order_by("-measured_on", "-id").first() if first else None
    return {
        "participant": participant,
        "contacts": contact_rows(recent[:RECENT_CONTACTS]),
        "more_contacts": len(recent) > RECENT_CONTACTS,
        "health": health_summary(first, latest),
        "can_record": membership is not None and membership.role in BRIDGING_TEAM_ROLES,
        "request": request,
    }
