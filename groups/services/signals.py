"""Care signals (zorgsignalen): raise, acknowledge, resolve, and the notification e-mail.

An experience expert raises a signal on a participant she may see. The POH-GGZ of the
participant's practice hears of it in the app (the Signalen page) and by an e-mail that
says only *that* there is a signal; a self-registered participant has no practice, so
the team leads of the participant's region hear of it instead.

The scope, the access gate and the reads of signals are in ``groups.selectors``; the
capacities in which one may act on a signal are here, with the writes they allow, and
rest on the same region rule (``lead_region_q``), so the two cannot drift apart.

Services are keyword-only, run in one transaction, validate with ``full_clean``, write the
audit row and raise ``ApplicationError`` (Dutch message) when a rule is broken, in which
case nothing is written.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import participant_scope
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, Region
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise
from voorzorg.core.links import absolute_url
from voorzorg.core.outbox import outbox_record

from ..constants import SignalSeverity
from ..models import Signal
from ..selectors import lead_region_q

# --- Who may act on a signal ----------------------------------------------------------------


def signal_capacities(membership: Membership | None, signal: Signal) -> set[str]:
    """In which capacities a membership may acknowledge or resolve this signal.

    "poh" = a POH-GGZ of the participant's practice; "lead" = a team lead of the region
    (see ``lead_region_q``); "admin". The raising expert herself is none of these (unless
    she is the region's team lead); a coordinator never.
    """
    if membership is None:
        return set()
    found: set[str] = set()
    if membership.role == Role.ADMIN:
        found.add("admin")
    practice_id = signal.participant.gp_practice_id
    if (
        membership.role == Role.POH
        and practice_id is not None
        and membership.organisation_id == practice_id
    ):
        found.add("poh")
    if (
        membership.role == Role.EXPERT
        and membership.is_team_lead
        and Signal.objects.filter(lead_region_q(membership), pk=signal.pk).exists()
    ):
        found.add("lead")
    return found


# --- Writes ---------------------------------------------------------------------------------


@transaction.atomic
def signal_raise(
    *, actor: Actor, participant: Participant, severity: str, description: str
) -> Signal:
    """An expert (or admin) raises a care signal; the notification goes out after commit.

    The e-mail is recorded in the outbox in the same transaction (voorzorg.core.outbox):
    a save that rolls back sends nothing, the worker never looks for a signal that is not
    committed yet, and a broker that is down at the commit delays the e-mail until the
    outbox's sweeper enqueues it, instead of losing it. ``notified_at`` keeps it to one.
    """
    from ..tasks import signal_notify

    membership = actor.membership
    if membership is None or membership.role not in BRIDGING_TEAM_ROLES:
        raise ApplicationError(_("Alleen een ervaringsdeskundige kan een zorgsignaal melden."))
    # Defence in depth: the view passed ``participant_get_for``, but a service may be
    # called from elsewhere. The same scope definition, so the two cannot drift apart.
    if not Participant.objects.filter(participant_scope(membership), pk=participant.pk).exists():
        raise ApplicationError(_("U mag geen signaal melden voor deze deelnemer."))
    if severity not in SignalSeverity.values:
        raise ApplicationError(_("Kies hoe ernstig het signaal is."))
    description = description.strip()
    if not description:
        raise ApplicationError(_("Beschrijf wat er aan de hand is."))
    signal = Signal(
        participant=participant,
        raised_by=actor.user,
        raised_at=timezone.now(),
        severity=severity,
        description=description,
    )
    full_clean_or_raise(signal)
    signal.save()
    actor.audit(
        action=AuditAction.CREATE,
        event=f"signal.raise:{signal.pk}",
        person_id=participant.public_id,
    )
    # A mail server hiccup (or, with eager Celery in development, any failure of the
    # task) never turns the expert's saved signal into an error page: the outbox records
    # the failure and tries again.
    outbox_record(task=signal_notify, args=[signal.pk])
    return signal


def _locked(signal: Signal) -> Signal:
    # Lock the row: the POH and the team lead may click at the same moment.
    return (
        Signal.objects.select_for_update(of=("self",))
        .select_related("participant")
        .get(pk=signal.pk)
    )


@transaction.atomic
def signal_acknowledge(*, actor: Actor, signal: Signal, note: str = "") -> Signal:
    """A POH of the practice, a team lead or an admin marks the signal as seen."""
    locked = _locked(signal)
    if locked.resolved_at is not None:
        raise ApplicationError(_("Dit signaal is al afgehandeld."))
    if locked.acknowledged_at is not None:
        raise ApplicationError(_("Dit signaal is al als gezien gemarkeerd."))
    if not signal_capacities(actor.membership, locked):
        raise ApplicationError(_("U mag dit signaal niet als gezien markeren."))
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor.user
    locked.acknowledge_note = note.strip()
    full_clean_or_raise(locked)
    locked.save(
        update_fields=["acknowledged_at", "acknowledged_by", "acknowledge_note", "updated_at"]
    )
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"signal.acknowledge:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked


@transaction.atomic
def signal_resolve(*, actor: Actor, signal: Signal, note: str) -> Signal:
    """Close the signal with a note on what was done. Required: the note.

    Resolving an open signal also marks it as seen, by the same person: whoever resolves
    it has evidently seen it, and "seen" should never be later than "resolved".
    """
    note = note.strip()
    if not note:
        raise ApplicationError(_("Schrijf op wat er met het signaal is gedaan."))
    locked = _locked(signal)
    if locked.resolved_at is not None:
        raise ApplicationError(_("Dit signaal is al afgehandeld."))
    if not signal_capacities(actor.membership, locked):
        raise ApplicationError(_("U mag dit signaal niet afhandelen."))
    now = timezone.now()
    if locked.acknowledged_at is None:
        locked.acknowledged_at = now
        locked.acknowledged_by = actor.user
    locked.resolved_at = now
    locked.resolved_by = actor.user
    locked.resolution_note = note
    full_clean_or_raise(locked)
    locked.save(
        update_fields=[
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "updated_at",
        ]
    )
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"signal.resolve:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked


# --- Notification -------------------------------------------------------------------------


def signal_recipients(signal: Signal) -> list[str]:
    """E-mail addresses to tell about a signal, sorted and without duplicates.

    The POH-GGZ of the participant's practice; for a self-registered participant (no
    practice) the team leads of the participant's region, or, when the participant's
    region is unknown, of the raising expert's region.
    """
    participant = signal.participant
    active = Membership.objects.filter(user__is_active=True)
    if participant.gp_practice_id is not None:
        members = active.filter(role=Role.POH, organisation_id=participant.gp_practice_id)
        return sorted(set(members.values_list("user__email", flat=True)))
    leads = active.filter(role=Role.EXPERT, is_team_lead=True)
    where = Q(referrals__participant=participant)
    if participant.municipality_id is not None:
        where |= Q(municipalities=participant.municipality_id)
    members = leads.filter(
        organisation__municipality__regions__in=Region.objects.filter(where).values("pk")
    )
    if not members.exists():
        # One filter() call: both conditions hold for the same membership of the raiser.
        raisers_regions = Region.objects.filter(
            municipalities__located_organisations__memberships__user=signal.raised_by_id,
            municipalities__located_organisations__memberships__role=Role.EXPERT,
        ).values("pk")
        members = leads.filter(organisation__municipality__regions__in=raisers_regions)
    return sorted(set(members.values_list("user__email", flat=True)))


def signal_notification_message(signal: Signal) -> tuple[str, str]:
    """Subject and body of the e-mail. Deliberately without name or health details.

    E-mail leaves our systems (and sits in inboxes, phones, backups): it carries only the
    pseudonymous participant number, the severity and where to read the rest after
    signing in with two factors.
    """
    with translation.override(settings.LANGUAGE_CODE):
        severity = SignalSeverity(signal.severity).label
        number = signal.participant.public_id
        # Sent from a task, without a request: the site's address comes from SITE_URL.
        path = absolute_url(reverse("groups:signal_detail", args=[signal.pk]))
        subject = _("Zorgsignaal voor deelnemer %(number)s") % {"number": number}
        body = "\n\n".join(
            [
                _(
                    "Er is een zorgsignaal (ernst %(severity)s) voor deelnemer %(number)s; "
                    "log in om het te lezen."
                )
                % {"severity": str(severity).lower(), "number": number},
                _("Na inloggen: %(path)s") % {"path": path},
                _(
                    "Voorzorg is geen spoedhulp. Bij acute nood: bel de huisartsenpost, "
                    "113 (0800-0113), of 112 als er levensgevaar is."
                ),
            ]
        )
    return subject, body


def signal_notification_send(*, signal_id: int) -> int:
    """Send the notification e-mail(s) for a signal; returns how many were sent.

    One message per recipient, so colleagues' addresses are not shared around. Not
    idempotent by itself: the task claims the signal first (see ``groups.tasks``).
    """
    signal = Signal.objects.select_related("participant").get(pk=signal_id)
    recipients = signal_recipients(signal)
    if not recipients:
        return 0
    subject, body = signal_notification_message(signal)
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    return get_connection().send_messages(messages) or 0
