"""Writes for one-on-one contacts and Positieve Gezondheid measurements.

Keyword-only, one transaction each, ``full_clean`` before saving, an audit CREATE row
with the person's public id, and ``ApplicationError`` with a Dutch message (and, where a
field is to blame, ``extra={field: [message]}``) when a rule is broken: then nothing is
written at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.constants import LifeDomain
from participants.models import Participant
from participants.selectors import participant_scope
from referrals.constants import ReferralStatus
from referrals.models import Referral
from referrals.services import TRANSITIONS, capacities, referral_record_first_contact
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from ..constants import NetworkPartner, PositiveHealthDimension
from ..models import Contact, PositiveHealthMeasurement

SCORE_MIN = 0
SCORE_MAX = 10
DIMENSIONS: tuple[str, ...] = tuple(PositiveHealthDimension.values)


def _refuse(message: str, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]} if field else None)


def _check_actor(actor: Actor, participant: Participant, *, refusal: str) -> None:
    # Defence in depth: views already passed ``participant_get_for``, but a service may be
    # called from elsewhere (shell, API, a task). Same scope definition, so they cannot drift.
    membership = actor.membership
    if membership is None or membership.role not in BRIDGING_TEAM_ROLES:
        raise ApplicationError(refusal)
    visible = Participant.objects.filter(participant_scope(membership), pk=participant.pk)
    if not visible.exists():
        raise ApplicationError(refusal)


def _referrals_starting_with(actor: Actor, participant: Participant) -> list[Referral]:
    """Accepted referrals of the participant that this actor may move to 'in bridging'.

    Locked: two contacts saved at the same moment must not both try to start bridging.
    On PostgreSQL the second waits, then re-reads the row, no longer finds it 'accepted'
    and simply records an ordinary contact.
    """
    may = TRANSITIONS[(ReferralStatus.ACCEPTED, ReferralStatus.IN_BRIDGING)]
    accepted = (
        Referral.objects.select_for_update()
        .filter(participant=participant, status=ReferralStatus.ACCEPTED)
        .order_by("referral_date", "id")
    )
    return [r for r in accepted if may & capacities(actor.membership, r)]


def _clean_life_domains(life_domains: Iterable[str]) -> list[str]:
    chosen = sorted(set(life_domains))
    unknown = [d for d in chosen if d not in LifeDomain.values]
    if unknown:
        raise _refuse(_("Kies leefgebieden uit de lijst."), "life_domains")
    return chosen


@transaction.atomic
def contact_record(
    *,
    actor: Actor,
    participant: Participant,
    date: dt.date,
    duration_minutes: int,
    mode: str,
    life_domains: Iterable[str],
    partner: str = "",
    partner_organisation: str = "",
    note: str = "",
) -> Contact:
    """Record a one-on-one contact of the acting expert with ``participant``.

    The first contact of an accepted referral is its first bridging contact: when the
    participant has a referral in status 'accepted' that this actor may start (its
    assigned expert, a team lead of its region, an admin), the referral moves to
    'in bridging' with ``first_contact_date = date``, in this same transaction. When
    that is refused (e.g. the contact lies before the referral date), the contact is
    not saved either: the two must never disagree.
    """
    _check_actor(
        actor, participant, refusal=_("U mag geen contacten vastleggen voor deze deelnemer.")
    )
    if date > timezone.localdate():
        raise _refuse(_("De datum van het contact ligt in de toekomst."), "date")
    partner = partner or ""
    partner_organisation = partner_organisation.strip()
    if partner and partner not in NetworkPartner.values:
        raise _refuse(_("Kies een netwerkpartner uit de lijst."), "partner")
    if partner_organisation and not partner:
        raise _refuse(_("Kies ook naar welke soort partner u heeft doorverwezen."), "partner")

    contact = Contact(
        participant=participant,
        expert=actor.user,
        date=date,
        duration_minutes=duration_minutes,
        mode=mode,
        life_domains=_clean_life_domains(life_domains),
        partner=partner,
        partner_organisation=partner_organisation,
        note=note.strip(),
    )
    full_clean_or_raise(contact)

    for referral in _referrals_starting_with(actor, participant):
        # Checked here as well as in the referral service, to name the field to blame.
        if date < referral.referral_date:
            raise _refuse(
                _(
                    "Dit zou het eerste contact zijn, maar het ligt vóór de verwijsdatum "
                    "(%(date)s). Controleer de datum."
                )
                % {"date": referral.referral_date.strftime("%d-%m-%Y")},
                "date",
            )
        referral_record_first_contact(actor=actor, referral=referral, contact_date=date)

    contact.save()
    actor.audit(
        action=AuditAction.CREATE,
        event=f"contact.create:{contact.pk}",
        person_id=participant.public_id,
    )
    return contact


def _score_errors(scores: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = set(scores) - set(DIMENSIONS)
    if unknown:
        # A programming error, not a user's: the form only sends the six dimensions.
        raise TypeError(f"Unknown Positieve Gezondheid dimension: {', '.join(sorted(unknown))}")
    for dimension in DIMENSIONS:
        value = scores.get(dimension)
        label = PositiveHealthDimension(dimension).label
        if value is None:
            errors[dimension] = [_("Vul een score in voor %(label)s.") % {"label": label}]
        # bool is an int in Python; True is not a score.
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[dimension] = [_("Vul een heel getal van 0 tot en met 10 in.")]
        elif not SCORE_MIN <= value <= SCORE_MAX:
            errors[dimension] = [
                _("De score voor %(label)s moet tussen 0 en 10 liggen (0 en 10 mogen ook).")
                % {"label": label}
            ]
    return errors


@transaction.atomic
def positive_health_record(
    *,
    actor: Actor,
    participant: Participant,
    measured_on: dt.date,
    scores: dict[str, int],
) -> PositiveHealthMeasurement:
    """Record a Positieve Gezondheid measurement: the six scores, each 0-10, on one day.

    ``scores`` has one integer per dimension (``PositiveHealthDimension`` values).
    """
    _check_actor(
        actor,
        participant,
        refusal=_("U mag geen metingen Positieve Gezondheid vastleggen voor deze deelnemer."),
    )
    errors = _score_errors(scores)
    if measured_on > timezone.localdate():
        errors["measured_on"] = [_("De datum van de meting ligt in de toekomst.")]
    if errors:
        raise ApplicationError(
            _("De meting is niet opgeslagen: controleer de scores en de datum."), extra=errors
        )
    measurement = PositiveHealthMeasurement(
        participant=participant,
        measured_on=measured_on,
        recorded_by=actor.user,
        **{dimension: scores[dimension] for dimension in DIMENSIONS},
    )
    full_clean_or_raise(measurement)
    measurement.save()
    actor.audit(
        action=AuditAction.CREATE,
        event=f"positive_health.create:{measurement.pk}",
        person_id=participant.public_id,
    )
    return measurement
