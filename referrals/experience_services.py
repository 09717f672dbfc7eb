"""The participant's experience at the warm handover: three marks from 0 to 10.

Two ways in: the sending side types the answers together with the participant
(``experience_record``), or it makes a one-time link (``experience_link_create``) on
which the participant answers herself, without an account (``experience_answer_by_link``).

Who may record or make a link: whoever acts on the referral as its POH (her practice),
its assigned expert, a team lead of its region or an administrator
(``EXPERIENCE_CAPACITIES``, the capacities of ``services.capacities``); never the
receiving provider or a coordinator. Each service runs in one transaction, writes its
audit row and raises ``ApplicationError`` with a Dutch message when a rule is broken,
in which case nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from .constants import ExperienceEnteredBy, ReferralStatus
from .models import Handover, HandoverExperience, HandoverExperienceLink, Referral
from .services import capacities

# The referral's POH, its assigned expert, a team lead of its region, an administrator.
EXPERIENCE_CAPACITIES = frozenset({"poh", "assigned", "lead", "admin"})

# A handover is asked about from its preparation on, and after it, until the referral ends.
EXPERIENCE_STATUSES = frozenset(
    {ReferralStatus.IN_BRIDGING, ReferralStatus.HANDED_OVER, ReferralStatus.CLOSED}
)

# Bytes of randomness in a link's token (43 URL-safe characters).
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """What is stored of a link's token: its SHA-256, hex. The token itself is shown once."""
    return hashlib.sha256(token.encode()).hexdigest()


def experience_refusal(actor: Actor, referral: Referral) -> str | None:
    """Why this actor may not record the experience or make a link, in Dutch; None when
    she may. The page shows the form and the button only when this is None."""
    if not EXPERIENCE_CAPACITIES & capacities(actor.membership, referral):
        return _("U mag de ervaring bij de overdracht van deze verwijzing niet vastleggen.")
    if referral.status not in EXPERIENCE_STATUSES:
        return _("De ervaring bij de overdracht hoort bij een overbrugging of overdracht.")
    if not Handover.objects.filter(referral=referral).exists():
        return _("Bereid eerst de overdracht voor.")
    return None


def _check(actor: Actor, referral: Referral) -> Handover:
    refusal = experience_refusal(actor, referral)
    if refusal:
        raise ApplicationError(refusal)
    return Handover.objects.select_for_update().get(referral=referral)


def _scores(supported: int, contact_known: int, ready: int) -> dict[str, int]:
    return {"supported": supported, "contact_known": contact_known, "ready": ready}


@transaction.atomic
def experience_record(
    *, actor: Actor, referral: Referral, supported: int, contact_known: int, ready: int
) -> HandoverExperience:
    """The sending side records the three answers, typed together with the participant.

    Answers she typed herself (on a link) are hers: they are not overwritten. Answers the
    sending side typed may be corrected by it (the audit log keeps each change)."""
    handover = _check(actor, referral)
    experience = HandoverExperience.objects.filter(handover=handover).first()
    creating = experience is None
    if experience is None:
        experience = HandoverExperience(handover=handover)
    elif experience.entered_by == ExperienceEnteredBy.PARTICIPANT:
        raise ApplicationError(
            _("De deelnemer heeft de vragen zelf beantwoord. Die antwoorden blijven staan.")
        )
    for field, value in _scores(supported, contact_known, ready).items():
        setattr(experience, field, value)
    experience.entered_by = ExperienceEnteredBy.EXPERT
    experience.recorded_by = actor.user
    experience.entered_at = timezone.now()
    full_clean_or_raise(experience)
    experience.save()
    # A link still out there can no longer be answered: the questions are.
    _end_open_links(handover, experience.entered_at)
    actor.audit(
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        event=f"handover_experience.save:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    return experience


@dataclass(frozen=True)
class MadeLink:
    """A new one-time link: the token (shown once, never stored) and its row."""

    token: str
    link: HandoverExperienceLink


def _end_open_links(handover: Handover, now: dt.datetime) -> None:
    HandoverExperienceLink.objects.filter(
        handover=handover, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)


@transaction.atomic
def experience_link_create(*, actor: Actor, referral: Referral) -> MadeLink:
    """A one-time link for the participant, valid ``VALID_DAYS`` days. Earlier unused
    links of this handover end now: only the newest one works."""
    handover = _check(actor, referral)
    if HandoverExperience.objects.filter(handover=handover).exists():
        raise ApplicationError(_("De vragen over de overdracht zijn al beantwoord."))
    now = timezone.now()
    _end_open_links(handover, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = HandoverExperienceLink.objects.create(
        handover=handover,
        token_hash=token_hash(token),
        created_at=now,
        created_by=actor.user,
        expires_at=now + dt.timedelta(days=HandoverExperienceLink.VALID_DAYS),
    )
    actor.audit(
        action=AuditAction.CREATE,
        event=f"handover_experience.link:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    return MadeLink(token=token, link=link)


class LinkUnusable(ApplicationError):
    """A link that exists but cannot be answered (any more): ``reason`` says why
    ("used", "expired", "answered"), the message says it in Dutch."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def link_for_token(token: str) -> HandoverExperienceLink | None:
    """The link of a token, or None for a token that was never made."""
    return HandoverExperienceLink.objects.filter(token_hash=token_hash(token)).first()


def link_refusal(link: HandoverExperienceLink, now: dt.datetime) -> LinkUnusable | None:
    """Why this link cannot be answered now; None when it can."""
    if link.used_at is not None:
        return LinkUnusable(
            "used", _("Deze link is al gebruikt. Uw antwoorden zijn ontvangen. Dank u wel!")
        )
    if link.expires_at <= now:
        return LinkUnusable(
            "expired",
            _(
                "Deze link is verlopen. Vraag uw ervaringsdeskundige om een nieuwe link "
                "als u de vragen nog wilt beantwoorden."
            ),
        )
    if HandoverExperience.objects.filter(handover_id=link.handover_id).exists():
        return LinkUnusable("answered", _("De vragen zijn al beantwoord. Dank u wel!"))
    return None


@transaction.atomic
def experience_answer_by_link(
    *, actor: Actor, token: str, supported: int, contact_known: int, ready: int
) -> HandoverExperience:
    """The participant answers on her one-time link (no account). Single use: the link
    row is locked, so two submissions at once make one answer and one refusal.

    Raises ``LinkUnusable`` for a used, expired or already answered link, and
    ``ApplicationError`` for an unknown token (the page answers 404 before this)."""
    found = link_for_token(token)
    if found is None:
        raise ApplicationError(_("Deze link bestaat niet."))
    link = (
        HandoverExperienceLink.objects.select_for_update()
        .select_related("handover__referral__participant")
        .get(pk=found.pk)
    )
    now = timezone.now()
    refusal = link_refusal(link, now)
    if refusal is not None:
        raise refusal
    experience = HandoverExperience(
        handover=link.handover,
        entered_by=ExperienceEnteredBy.PARTICIPANT,
        entered_at=now,
        recorded_by=None,
        **_scores(supported, contact_known, ready),
    )
    full_clean_or_raise(experience)
    experience.save()
    link.used_at = now
    link.save(update_fields=["used_at"])
    referral = link.handover.referral
    actor.audit(
        action=AuditAction.CREATE,
        event=f"handover_experience.participant:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    return experience
