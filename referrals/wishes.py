"""What the participant wishes of her experience expert, and who may record it.

The wishes are hers, told to the POH-GGZ when referring or to the team at intake:
the language she would rather speak, the gender or age of the expert when it matters to
her, the themes she wants to talk about, and whether she would like to meet on a walk
or at home. The ways of working she prefers otherwise are already on her record
(``Participant.prefers_*``: group, one-on-one, digital) and are read from there
(``suggestions.wished_formats``), not asked twice. The suggestions (``suggestions.py``)
weigh all of them; none is ever a condition for help.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from .constants import ReferralStatus
from .models import Referral
from .services import capacities

# While the expert is still to be found, or accompanies her: after that nobody matches.
WISHES_OPEN = (ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED, ReferralStatus.IN_BRIDGING)
WISH_FIELDS = (
    "wish_language",
    "wish_expert_gender",
    "wish_expert_age_band",
    "wish_themes",
    "wish_formats",
)


def may_record_wishes(membership: object, referral: Referral) -> bool:
    """The referring practice, the region's team lead, the assigned expert and the
    administrator, while the referral is open."""
    return referral.status in WISHES_OPEN and bool(capacities(membership, referral))


@transaction.atomic
def referral_wishes_set(
    *,
    actor: Actor,
    referral: Referral,
    language: str,
    expert_gender: str,
    expert_age_band: str,
    themes: list[str],
    formats: list[str] = (),
) -> Referral:
    """Record the participant's wishes on her referral (all at once, blanks for none)."""
    locked = Referral.objects.select_for_update().select_related("participant").get(pk=referral.pk)
    if not may_record_wishes(actor.membership, locked):
        raise ApplicationError(_("U mag de wensen bij deze verwijzing niet vastleggen."))
    locked.wish_language = language
    locked.wish_expert_gender = expert_gender
    locked.wish_expert_age_band = expert_age_band
    locked.wish_themes = sorted(set(themes))
    locked.wish_formats = sorted(set(formats))
    full_clean_or_raise(locked)
    locked.save(update_fields=[*WISH_FIELDS, "updated_at"])
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"referral.wishes:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked
