"""The bridging team's intake queue: new referrals of the region, to accept or decline."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.constants import LifeDomain
from participants.models import Participant
from participants.selectors import open_duplicates_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import ExperienceTheme, Role
from voorzorg.accounts.policy import TEAM_LEAD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor, audit_role_refusal

from ..constants import ReferralSource, ReferralStatus
from ..models import Referral
from ..selectors import expert_choices_for, intake_queue_for
from ..suggestions import Suggestion, suggestions_for

PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueRow:
    referral: Referral
    days_since_referral: int
    life_domains: list[str]
    # "Mogelijk dubbel": people in her scope this participant may be, not yet judged.
    possible_duplicates: list[Participant]
    # The top three experts with their reasons (``referrals.suggestions``).
    suggestions: list[Suggestion]
    wished_themes: list[str]

    @property
    def title_id(self) -> str:
        """The id of the card's title (``q-<pk>``), which also names its suggestions."""
        return f"q-{self.referral.pk}"


@role_required(*TEAM_LEAD_ROLES)
def intake_queue(request: HttpRequest) -> HttpResponse:
    """Aanmeldingen: submitted referrals of the team lead's region, oldest and urgent first.

    Only team leads (a flag an admin sets) and admins: an ordinary expert sees the people
    assigned to her, not the whole region's new referrals.
    """
    membership = current_membership(request)
    if membership.role == Role.EXPERT and not membership.is_team_lead:
        audit_role_refusal(request)  # logged like a role check's 403, nobody named
        raise PermissionDenied
    queue = intake_queue_for(membership)
    source = request.GET.get("bron", "")
    if source in ReferralSource.values:
        queue = queue.filter(source=source)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("pagina"))
    referrals = list(page.object_list)
    today = timezone.localdate()
    duplicates = open_duplicates_for(membership, [r.participant_id for r in referrals])
    suggestions = suggestions_for(membership, referrals)
    rows = [
        QueueRow(
            referral=r,
            days_since_referral=(today - r.referral_date).days,
            life_domains=[LifeDomain(d).label for d in r.life_domains if d in LifeDomain.values],
            possible_duplicates=duplicates.get(r.participant_id, []),
            suggestions=suggestions.get(r.pk, []),
            wished_themes=[v.label for v in ExperienceTheme if v in r.wish_themes],
        )
        for r in referrals
    ]
    # NEN 7513: one row per person shown on this page (the possible duplicates too).
    shown = [r.participant.public_id for r in referrals]
    shown += [p.public_id for people in duplicates.values() for p in people]
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="referrals.intake_queue",
        person_ids=list(dict.fromkeys(shown)),
    )
    return render(
        request,
        "referrals/team/intake_queue.html",
        {
            "page": page,
            "rows": rows,
            "expert_choices": (
                expert_choices_for(membership, with_caseload=True) if referrals else []
            ),
            "source": source,
            "sources": ReferralSource.choices,
            "submitted": ReferralStatus.SUBMITTED,
            "title": _("Aanmeldingen"),
        },
    )
