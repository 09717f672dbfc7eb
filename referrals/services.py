"""Writes for referrals: registration, the lifecycle, first contact and the warm handover.

Every service is keyword-only, runs in one transaction, validates with ``full_clean``,
writes the status event and the audit row, tells whom it concerns (``notifications.py``:
inbox rows and e-mails, committed or rolled back with the step), and raises
``ApplicationError`` with a Dutch message when a rule is broken, in which case nothing
is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.constants import ConsentKind
from participants.duplicates import PersonDetails, find_matches
from participants.models import Consent, Participant
from participants.selectors import participant_scope
from participants.services import NOT_DUPLICATE_REASON_MAX, possible_duplicates_note
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region, User
from voorzorg.accounts.policy import PERSON_RECORD_ROLES, REFERRAL_SENDER_ROLES
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from . import notifications
from .constants import OPEN_STATUSES, CloseReason, ReferralSource, ReferralStatus
from .models import Handover, Referral, ReferralEvent, WaitingEpisode
from .selectors import DuplicateCandidate, assignable_experts, duplicate_candidates_for

S = ReferralStatus

# Who may move a referral from one status to another. Capacities:
# "poh" = a POH of the referral's practice; "assigned" = the assigned expert;
# "lead" = a team lead of the referral's region; "admin" = a functional administrator.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.SUBMITTED, S.ACCEPTED): frozenset({"lead", "admin"}),
    (S.SUBMITTED, S.DECLINED): frozenset({"lead", "admin"}),
    (S.SUBMITTED, S.WITHDRAWN): frozenset({"poh", "lead", "admin"}),
    (S.ACCEPTED, S.IN_BRIDGING): frozenset({"assigned", "lead", "admin"}),
    (S.ACCEPTED, S.WITHDRAWN): frozenset({"poh", "lead", "admin"}),
    (S.ACCEPTED, S.CLOSED): frozenset({"assigned", "lead", "admin"}),
    (S.IN_BRIDGING, S.HANDED_OVER): frozenset({"assigned", "lead", "admin"}),
    (S.IN_BRIDGING, S.WITHDRAWN): frozenset({"poh", "lead", "admin"}),
    (S.IN_BRIDGING, S.CLOSED): frozenset({"assigned", "lead", "admin"}),
    (S.HANDED_OVER, S.CLOSED): frozenset({"assigned", "lead", "admin"}),
}


def capacities(membership: Membership | None, referral: Referral) -> set[str]:
    """In which capacities this membership acts on this referral."""
    if membership is None:
        return set()
    found: set[str] = set()
    if membership.role == Role.ADMIN:
        found.add("admin")
    if membership.role == Role.POH and membership.organisation_id == referral.gp_practice_id:
        found.add("poh")
    if membership.role == Role.EXPERT:
        if referral.assigned_expert_id == membership.user_id:
            found.add("assigned")
        if (
            membership.is_team_lead
            and referral.region_id is not None
            and regions_of(membership).filter(pk=referral.region_id).exists()
        ):
            found.add("lead")
    return found


def allowed_transitions(membership: Membership | None, referral: Referral) -> list[str]:
    """The target statuses this membership may move the referral to now."""
    mine = capacities(membership, referral)
    return [to for (frm, to), who in TRANSITIONS.items() if frm == referral.status and who & mine]


def _transition(
    *,
    actor: Actor,
    referral: Referral,
    to: str,
    reason: str = "",
    check: Callable[[Referral], None] | None = None,
    **changes: Any,
) -> Referral:
    """Move a referral to ``to`` if the rules allow it; write the event and audit row.

    ``check`` runs on the locked row once the actor is known to be allowed the step, for
    rules of the step itself (it raises ApplicationError)."""
    # Lock the row: two team leads clicking "accept" at once must not both win.
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    key = (locked.status, to)
    if key not in TRANSITIONS:
        raise ApplicationError(
            _("Een verwijzing met status '%(from)s' kan niet naar '%(to)s'.")
            % {"from": locked.get_status_display(), "to": S(to).label}
        )
    if not TRANSITIONS[key] & capacities(actor.membership, locked):
        raise ApplicationError(_("U mag deze stap niet zetten voor deze verwijzing."))
    if check is not None:
        check(locked)
    previous = locked.status
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.status = to
    locked.status_changed_at = timezone.now()
    full_clean_or_raise(locked)
    locked.save()
    ReferralEvent.objects.create(
        referral=locked,
        at=locked.status_changed_at,
        by=actor.user,
        from_status=previous,
        to_status=to,
        reason=reason,
    )
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"referral.{to}:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked


class PossibleDuplicates(ApplicationError):
    """The person being registered may be someone already known: the registering user
    decides first (continue with one of ``candidates``, or say it is someone else)."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        super().__init__(
            _(
                "Deze persoon is mogelijk al bekend. Kies of de verwijzing bij een bestaande "
                "deelnemer hoort, of geef aan dat het iemand anders is."
            )
        )
        self.candidates = candidates


class OpenReferralExists(ApplicationError):
    """The participant already has an open referral: no second one is made."""

    def __init__(self, referral: Referral) -> None:
        super().__init__(
            _(
                "%(name)s heeft al een lopende verwijzing (%(status)s, verwezen op %(date)s). "
                "Er is geen tweede verwijzing gemaakt."
            )
            % {
                "name": referral.participant.full_name,
                "status": referral.get_status_display().lower(),
                "date": referral.referral_date.strftime("%d-%m-%Y"),
            }
        )
        self.referral = referral


def open_referral_of(participant: Participant) -> Referral | None:
    """The participant's open referral (the newest, should there be several), or None."""
    return (
        Referral.objects.filter(participant=participant, status__in=sorted(OPEN_STATUSES))
        .select_related("participant")
        .order_by("-referral_date", "-id")
        .first()
    )


def person_details(participant_data: dict[str, Any]) -> PersonDetails:
    """What the duplicate check compares, from a new participant's data."""
    return PersonDetails(
        given_name=participant_data.get("given_name") or "",
        family_name=participant_data.get("family_name") or "",
        date_of_birth=participant_data.get("date_of_birth"),
        phone=participant_data.get("phone") or "",
        email=participant_data.get("email") or "",
    )


def region_for_municipality(municipality: Organisation | None) -> Region | None:
    if municipality is None:
        return None
    return Region.objects.filter(municipalities=municipality).order_by("pk").first()


@transaction.atomic
def referral_register(
    *,
    actor: Actor,
    participant: Participant | None = None,
    participant_data: dict[str, Any] | None = None,
    consent_processing: bool = False,
    referral_date: dt.date,
    help_question: str,
    life_domains: list[str],
    urgency: str,
    care_level: str,
    intended_provider: Organisation | None = None,
    waiting_episode: WaitingEpisode | None = None,
    provider_registration_date: dt.date | None = None,
    not_duplicate_reason: str = "",
) -> Referral:
    """A POH registers a referral for an existing or a new participant of her practice.

    With an intended provider and the day the participant was registered there
    (``provider_registration_date``), the referral gets its waiting place at once: a
    waiting episode at that provider, in the same transaction, so the referral shows its
    Treeknorm status from the start. Without the day (unknown yet) no episode is made.

    One person, one record, one open referral:
    - a new participant who may be someone already known in her scope (same name and
      date of birth, phone or e-mail: ``participants.duplicates``) raises
      ``PossibleDuplicates`` with the candidates, unless ``not_duplicate_reason`` says
      why she is someone else (then recorded and logged with the new record);
    - an existing participant with an open referral raises ``OpenReferralExists``.
    """
    membership = actor.membership
    if membership is None or membership.role not in REFERRAL_SENDER_ROLES:
        raise ApplicationError(_("Alleen een POH-GGZ kan een verwijzing registreren."))
    practice = membership.organisation
    if referral_date > timezone.localdate():
        raise ApplicationError(_("De verwijsdatum ligt in de toekomst."))

    if participant is None:
        if not participant_data:
            raise ApplicationError(_("Kies een deelnemer of vul de gegevens van een nieuwe in."))
        if not consent_processing:
            raise ApplicationError(
                _("Zonder toestemming voor verwerking kan de deelnemer niet worden aangemeld.")
            )
        candidates = duplicate_candidates_for(membership, person_details(participant_data))
        not_duplicate_reason = not_duplicate_reason.strip()
        if candidates and not not_duplicate_reason:
            raise PossibleDuplicates(candidates)
        if len(not_duplicate_reason) > NOT_DUPLICATE_REASON_MAX:
            message = _("Houd de reden kort: hoogstens %(max)s tekens.") % {
                "max": NOT_DUPLICATE_REASON_MAX
            }
            raise ApplicationError(message, extra={"not_duplicate_reason": [message]})
        participant = Participant(gp_practice=practice, **participant_data)
        full_clean_or_raise(participant)
        participant.save()
        Consent.objects.create(
            participant=participant,
            kind=ConsentKind.PROCESSING,
            given_on=referral_date,
            recorded_by=actor.user,
        )
        actor.audit(
            action=AuditAction.CREATE,
            event=f"participant.create:{participant.pk}",
            person_id=participant.public_id,
        )
        if candidates:
            possible_duplicates_note(
                actor=actor,
                participant=participant,
                candidates=[(c.participant, c.reasons) for c in candidates],
                reason=not_duplicate_reason,
            )
    elif participant.gp_practice_id != practice.pk:
        raise ApplicationError(_("Deze deelnemer hoort niet bij uw praktijk."))
    else:
        # Locked, so two registrations for her at the same moment make one referral.
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        already = open_referral_of(participant)
        if already is not None:
            raise OpenReferralExists(already)

    if waiting_episode is not None and waiting_episode.participant_id not in (None, participant.pk):
        raise ApplicationError(_("Deze wachtplek hoort bij een andere deelnemer."))
    if intended_provider is not None and intended_provider.kind != OrganisationKind.GGZ_PROVIDER:
        raise ApplicationError(_("Kies een GGZ-aanbieder als beoogde aanbieder."))

    if provider_registration_date is not None:
        waiting_episode = _intended_waiting_place(
            actor=actor,
            participant=participant,
            provider=intended_provider,
            care_level=care_level,
            referral_date=referral_date,
            registration_date=provider_registration_date,
        )

    now = timezone.now()
    referral = Referral(
        participant=participant,
        source=ReferralSource.GP,
        gp_practice=practice,
        referred_by=actor.user,
        region=region_for_municipality(participant.municipality or practice.municipality),
        referral_date=referral_date,
        help_question=help_question,
        life_domains=sorted(set(life_domains)),
        urgency=urgency,
        care_level=care_level,
        intended_provider=intended_provider,
        waiting_episode=waiting_episode,
        status=S.SUBMITTED,
        status_changed_at=now,
    )
    full_clean_or_raise(referral)
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, at=now, by=actor.user, from_status="", to_status=S.SUBMITTED
    )
    actor.audit(
        action=AuditAction.CREATE,
        event=f"referral.create:{referral.pk}",
        person_id=participant.public_id,
    )
    notifications.tell_submitted(referral, by=actor.user)
    return referral


def _intended_waiting_place(
    *,
    actor: Actor,
    participant: Participant,
    provider: Organisation | None,
    care_level: str,
    referral_date: dt.date,
    registration_date: dt.date,
) -> WaitingEpisode:
    """The waiting place at the intended provider a new referral names (the episode's
    own date rules apply: registered on or after the referral, not in the future)."""
    if provider is None:
        raise ApplicationError(
            _("Kies de beoogde GGZ-aanbieder bij de aanmelddatum."),
            extra={"intended_provider": [_("Kies de GGZ-aanbieder waar de deelnemer wacht.")]},
        )
    if not care_level:
        raise ApplicationError(
            _("Kies de gezochte zorgzwaarte: die hoort bij de wachtplek."),
            extra={"care_level": [_("Kies de gezochte zorgzwaarte.")]},
        )
    return episode_create(
        actor=actor,
        participant=participant,
        provider=provider,
        care_level=care_level,
        referral_date=referral_date,
        registration_date=registration_date,
    )


@transaction.atomic
def referral_self_register(
    *,
    actor: Actor,
    participant_data: dict[str, Any],
    help_question: str,
    consent_processing: bool,
) -> Referral:
    """Someone signs up without a GP. Lands in the region's intake queue, source 'self'."""
    if not consent_processing:
        raise ApplicationError(_("Geef toestemming om uw aanmelding te kunnen verwerken."))
    today = timezone.localdate()
    # Possible duplicates among everyone known, not just one user's scope: nothing of
    # them is shown to the public; the intake team sees "mogelijk dubbel" in its queue,
    # and only for people in its own scope.
    matches = find_matches(Participant.objects.all(), person_details(participant_data))
    participant = Participant(**participant_data)
    full_clean_or_raise(participant)
    participant.save()
    # The participant gave consent herself: no staff member recorded it.
    Consent.objects.create(participant=participant, kind=ConsentKind.PROCESSING, given_on=today)
    if matches:
        possible_duplicates_note(
            actor=actor,
            participant=participant,
            candidates=[(m.participant, m.reasons) for m in matches],
        )
    now = timezone.now()
    referral = Referral(
        participant=participant,
        source=ReferralSource.SELF,
        region=region_for_municipality(participant.municipality),
        referral_date=today,
        help_question=help_question,
        status=S.SUBMITTED,
        status_changed_at=now,
    )
    full_clean_or_raise(referral)
    referral.save()
    ReferralEvent.objects.create(referral=referral, at=now, from_status="", to_status=S.SUBMITTED)
    actor.audit(
        action=AuditAction.CREATE,
        event=f"referral.self_register:{referral.pk}",
        person_id=participant.public_id,
    )
    notifications.tell_submitted(referral, by=None)
    return referral


@transaction.atomic
def referral_accept(*, actor: Actor, referral: Referral, expert: User) -> Referral:
    """A team lead accepts a referral and assigns an experience expert of its region.

    Only an expert the actor could pick (``assignable_experts``): whatever a form or a
    client posts, the record never goes to an expert of another region.
    """

    def of_the_region(locked: Referral) -> None:
        if not assignable_experts(actor.membership, locked).filter(user=expert).exists():
            message = _("Kies een ervaringsdeskundige uit de regio van deze verwijzing.")
            raise ApplicationError(message, extra={"expert": [message]})

    accepted = _transition(
        actor=actor,
        referral=referral,
        to=S.ACCEPTED,
        reason=_("Toegewezen aan %(name)s.") % {"name": expert.full_name},
        check=of_the_region,
        assigned_expert=expert,
    )
    notifications.tell_accepted(accepted, by=actor.user)
    return accepted


@transaction.atomic
def referral_decline(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Geef een reden van afwijzing; de POH-GGZ krijgt die te zien."))
    declined = _transition(
        actor=actor, referral=referral, to=S.DECLINED, reason=reason, decline_reason=reason
    )
    notifications.tell_declined(declined, by=actor.user)
    return declined


@transaction.atomic
def referral_record_first_contact(
    *, actor: Actor, referral: Referral, contact_date: dt.date
) -> Referral:
    """The first bridging contact (verkennend gesprek): sets the date, starts bridging."""
    if contact_date > timezone.localdate():
        raise ApplicationError(_("De datum van het eerste contact ligt in de toekomst."))
    if contact_date < referral.referral_date:
        raise ApplicationError(_("Het eerste contact kan niet vóór de verwijsdatum liggen."))
    started = _transition(
        actor=actor,
        referral=referral,
        to=S.IN_BRIDGING,
        reason=_("Eerste contact op %(date)s.") % {"date": contact_date.strftime("%d-%m-%Y")},
        first_contact_date=contact_date,
    )
    notifications.tell_first_contact(started, by=actor.user)
    return started


@transaction.atomic
def referral_withdraw(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Geef een reden voor het intrekken."))
    return _transition(actor=actor, referral=referral, to=S.WITHDRAWN, reason=reason)


@transaction.atomic
def referral_close(
    *, actor: Actor, referral: Referral, close_reason: str, note: str = ""
) -> Referral:
    if close_reason not in CloseReason.values:
        raise ApplicationError(_("Kies een reden van afsluiten."))
    return _transition(
        actor=actor,
        referral=referral,
        to=S.CLOSED,
        reason=note.strip() or CloseReason(close_reason).label,
        close_reason=close_reason,
    )


@transaction.atomic
def handover_save(*, actor: Actor, referral: Referral, **fields: Any) -> Handover:
    """Prepare or update the warm handover of a referral that is in bridging care."""
    if referral.status != S.IN_BRIDGING:
        raise ApplicationError(_("Een overdracht voorbereiden kan alleen tijdens de overbrugging."))
    allowed = TRANSITIONS[(S.IN_BRIDGING, S.HANDED_OVER)]
    if not allowed & capacities(actor.membership, referral):
        raise ApplicationError(_("U mag de overdracht van deze verwijzing niet voorbereiden."))
    handover = Handover.objects.filter(referral=referral).first() or Handover(referral=referral)
    if handover.completed_at:
        raise ApplicationError(_("Deze overdracht is al afgerond."))
    creating = handover.pk is None
    provider_before = handover.provider_id
    acknowledged_before = handover.provider_acknowledged_on
    for field, value in fields.items():
        setattr(handover, field, value)
    if handover.provider_id != provider_before and not creating:
        # Another receiving provider: its confirmation starts again.
        handover.provider_acknowledged_on = None
        handover.provider_acknowledged_by = None
        handover.first_appointment_at = None
    elif handover.provider_acknowledged_on != acknowledged_before:
        if notifications.provider_in_app(handover.provider_id):
            # A provider with staff in the app confirms itself: the sending side cannot
            # type the confirmation for it.
            message = _("Deze aanbieder bevestigt de ontvangst zelf in Voorzorg.")
            raise ApplicationError(message, extra={"provider_acknowledged_on": [message]})
        typed = handover.provider_acknowledged_on is not None
        handover.provider_acknowledged_by = actor.user if typed else None
    full_clean_or_raise(handover)
    handover.save()
    actor.audit(
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        event=f"handover.save:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    if handover.provider_id != provider_before:
        notifications.tell_handover_addressed(referral, handover.provider_id, by=actor.user)
    return handover


@transaction.atomic
def handover_complete(*, actor: Actor, referral: Referral) -> Referral:
    """Complete the warm handover: the referral becomes 'handed_over'.

    Needs what ``Handover.is_ready`` asks (``Handover.COMPLETION_NEEDS``). Sharing
    the summary needs the participant's active consent to share; without it the handover
    still completes, by conversation only, and the GP letter says so.
    """
    handover = Handover.objects.filter(referral=referral).first()
    if handover is None:
        raise ApplicationError(_("Bereid eerst de overdracht voor."))
    if not handover.is_ready:
        raise ApplicationError(
            _("De overdracht is nog niet compleet. Nog nodig: %(missing)s.")
            % {"missing": ", ".join(handover.missing_for_completion)}
        )
    now = timezone.now()
    referral = _transition(
        actor=actor,
        referral=referral,
        to=S.HANDED_OVER,
        reason=_("Warme overdracht aan %(provider)s.") % {"provider": handover.provider},
    )
    Handover.objects.filter(pk=handover.pk).update(completed_at=now, completed_by=actor.user)
    notifications.tell_handed_over(referral, by=actor.user)
    notifications.tell_handover_received(referral, handover.provider_id, by=actor.user)
    return referral


# Waiting episodes (wachtplekken) entered by hand. Imported episodes carry the provider's
# ``external_id`` and belong to the import: editing them here would be overwritten, or
# worse, would make the next import disagree with what the POH saw.
EPISODE_EDITABLE_FIELDS = frozenset(
    {
        "provider",
        "care_level",
        "diagnosis_group",
        "referral_date",
        "registration_date",
        "intake_date",
        "treatment_start_date",
        "closed_date",
        "close_reason",
    }
)


def episode_edit_refusal(episode: WaitingEpisode) -> str | None:
    """Why this episode cannot be changed by hand, in Dutch; None when it can."""
    if episode.external_id:
        return _(
            "Deze wachtplek komt uit het wachtlijstbestand van %(provider)s en wordt bij "
            "de volgende import bijgewerkt. Geef wijzigingen door aan de aanbieder."
        ) % {"provider": episode.provider}
    if episode.participant_id is None:
        return _("Deze wachtplek hoort bij geen deelnemer.")
    return None


def _episode_check_actor(actor: Actor, participant: Participant) -> None:
    # Defence in depth: views already passed ``participant_get_for``, but a service may
    # be called from elsewhere (shell, API). Same scope definition, so they cannot drift.
    membership = actor.membership
    if membership is None or membership.role not in PERSON_RECORD_ROLES:
        raise ApplicationError(_("U mag de wachtplekken van deelnemers niet bijwerken."))
    visible = Participant.objects.filter(participant_scope(membership), pk=participant.pk)
    if not visible.exists():
        raise ApplicationError(_("U mag de wachtplekken van deze deelnemer niet bijwerken."))


def _episode_apply(episode: WaitingEpisode, fields: dict[str, Any]) -> None:
    unknown = set(fields) - EPISODE_EDITABLE_FIELDS
    if unknown:
        # A programming error, not a user's: participant and external_id are never set here.
        raise TypeError(f"Not editable on a waiting episode: {', '.join(sorted(unknown))}")
    for field, value in fields.items():
        setattr(episode, field, value)
    provider = fields.get("provider")
    if provider is not None and provider.kind != OrganisationKind.GGZ_PROVIDER:
        raise ApplicationError(
            _("Kies een GGZ-aanbieder."), extra={"provider": [_("Kies een GGZ-aanbieder.")]}
        )
    full_clean_or_raise(episode)


@transaction.atomic
def episode_create(*, actor: Actor, participant: Participant, **fields: Any) -> WaitingEpisode:
    """Record a waiting episode for a participant, as the provider told it.

    ``fields`` are among ``EPISODE_EDITABLE_FIELDS``. The episode gets no external_id:
    that identifies imported rows only.
    """
    _episode_check_actor(actor, participant)
    episode = WaitingEpisode(participant=participant, external_id="")
    _episode_apply(episode, fields)
    episode.save()
    actor.audit(
        action=AuditAction.CREATE,
        event=f"episode.create:{episode.pk}",
        person_id=participant.public_id,
    )
    return episode


@transaction.atomic
def episode_update(*, actor: Actor, episode: WaitingEpisode, **fields: Any) -> WaitingEpisode:
    """Change a hand-entered waiting episode (e.g. the intake date became known).

    Refuses imported episodes: they follow the provider's file.
    """
    # Lock the row: the POH and the expert may both be typing the new intake date.
    locked = (
        # of=self: the participant join is nullable, and PostgreSQL cannot lock that side.
        WaitingEpisode.objects.select_for_update(of=("self",))
        .select_related("participant", "provider")
        .get(pk=episode.pk)
    )
    refusal = episode_edit_refusal(locked)
    if refusal:
        raise ApplicationError(refusal)
    _episode_check_actor(actor, locked.participant)
    _episode_apply(locked, fields)
    locked.save()
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"episode.update:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked
