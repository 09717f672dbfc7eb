"""Writes that register a referral: by the POH-GGZ (``referral_register``, for a
participant she knows or a new one, with the waiting place at the intended provider) and
by the person herself on the public form (``referral_self_register``). Both check for
possible duplicates first (``PossibleDuplicates``) and refuse a second open referral
(``OpenReferralExists``).

Like ``services.py``: keyword-only, one transaction, ``full_clean``, the first status
event and the audit row, the notifications inside it, ``ApplicationError`` with a Dutch
message when a rule is broken (nothing is written then).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.constants import ConsentKind
from participants.duplicates import PersonDetails, find_matches
from participants.models import Consent, Participant
from participants.services import NOT_DUPLICATE_REASON_MAX, possible_duplicates_note
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation, Region
from voorzorg.accounts.policy import REFERRAL_SENDER_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from . import notifications
from .constants import OPEN_STATUSES, ReferralSource, ReferralStatus
from .episode_services import episode_create
from .models import Referral, ReferralEvent, WaitingEpisode
from .selectors import DuplicateCandidate, duplicate_candidates_for

S = ReferralStatus


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


def region_for_municipality(municipality: Organisation | int | None) -> Region | None:
    """The region the municipality (or its id) lies in: the first by id, or None."""
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
        # By id: the practice's municipality itself is not needed, only its region.
        region=region_for_municipality(participant.municipality_id or practice.municipality_id),
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
