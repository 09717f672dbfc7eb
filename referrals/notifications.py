"""Who hears of what in a referral's life, through ``voorzorg.notifications.notify``.

Called by the services in ``services.py`` inside their transaction, so a step that rolls
back tells nobody. Each event notifies each recipient once (the dedupe key is the
referral and the kind), and never the person who took the step.

- a new referral (from a POH-GGZ, or self-registered): the intake team of its region,
  i.e. the team leads, who see the intake queue (``selectors.intake_queue_for``); when the
  region has no active team lead, its administrators, who see that queue too;
- accepted, declined, assigned, first contact, warm handover completed: the POH-GGZ who
  referred (or, when she no longer works there, the practice's POH-GGZ); a
  self-registered referral has none;
- a new assignment: the assigned experience expert.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, User
from voorzorg.notifications.kinds import NotificationKind as K
from voorzorg.notifications.services import notify

from .models import Referral


def _active(memberships) -> list[Membership]:
    """The roles of active people, in a fixed order (user, then membership)."""
    return list(
        memberships.filter(user__is_active=True).select_related("user").order_by("user_id", "pk")
    )


def intake_team(referral: Referral) -> list[Membership]:
    """The roles whose intake queue this referral lands in: the region's team leads, or,
    when it has none, the region's administrators. Nobody without a region."""
    if referral.region_id is None:
        return []
    # Organisations working in the region: as ``voorzorg.accounts.selectors.regions_of``
    # reads it (a municipality is its own; others by their municipality).
    in_region = Q(organisation__municipality__regions=referral.region_id) | Q(
        organisation__kind=OrganisationKind.MUNICIPALITY, organisation__regions=referral.region_id
    )
    leads = Membership.objects.filter(in_region, role=Role.EXPERT, is_team_lead=True).distinct()
    found = _active(leads)
    if found:
        return found
    return _active(Membership.objects.filter(in_region, role=Role.ADMIN).distinct())


def referrer(referral: Referral) -> list[Membership]:
    """The POH-GGZ role to tell about her referral: the one who referred, while she is
    still a POH-GGZ of the practice and active; else the practice's POH-GGZ."""
    if referral.gp_practice_id is None:
        return []
    pohs = Membership.objects.filter(role=Role.POH, organisation_id=referral.gp_practice_id)
    if referral.referred_by_id is not None:
        still_there = _active(pohs.filter(user_id=referral.referred_by_id))
        if still_there:
            return still_there
    return _active(pohs)


def assigned_expert(referral: Referral) -> list[Membership]:
    """The assigned expert's role in the referral's region (any expert role of hers when
    none lies there): where she sees her new participant."""
    if referral.assigned_expert_id is None:
        return []
    hers = Membership.objects.filter(user_id=referral.assigned_expert_id, role=Role.EXPERT)
    if referral.region_id is not None:
        in_region = _active(
            hers.filter(organisation__municipality__regions=referral.region_id).distinct()
        )
        if in_region:
            return in_region[:1]
    return _active(hers)[:1]


def _tell(
    kind: K,
    referral: Referral,
    recipients: list[Membership],
    by: User | None,
    *,
    link: str = "",
    key: str = "",
    **params: str,
) -> None:
    """Tell ``recipients`` of ``kind`` about this referral, once per recipient and event:
    the event is the referral and the kind, or ``key`` when one referral has several."""
    notify(
        kind=kind,
        recipients=recipients,
        link=link or reverse("referrals:detail", args=[referral.pk]),
        person_id=referral.participant.public_id,
        params=params,
        dedupe_key=(key or f"referral:{referral.pk}:{kind}")[:100],
        by=by,
    )


def tell_submitted(referral: Referral, *, by: User | None) -> None:
    _tell(K.REFERRAL_NEW, referral, intake_team(referral), by)


def tell_accepted(referral: Referral, *, by: User | None) -> None:
    """Accepting assigns an expert in the same step: the POH-GGZ hears of both, the
    expert of her new participant."""
    expert = referral.assigned_expert
    _tell(K.REFERRAL_ACCEPTED, referral, referrer(referral), by)
    _tell(K.REFERRAL_ASSIGNED, referral, referrer(referral), by, expert=expert.full_name)
    _tell(K.ASSIGNMENT_NEW, referral, assigned_expert(referral), by)


def tell_declined(referral: Referral, *, by: User | None) -> None:
    _tell(K.REFERRAL_DECLINED, referral, referrer(referral), by)


def tell_first_contact(referral: Referral, *, by: User | None) -> None:
    _tell(K.FIRST_CONTACT, referral, referrer(referral), by)


def tell_handed_over(referral: Referral, *, by: User | None) -> None:
    # The GP's feedback letter: what the POH-GGZ wants to read next.
    link = reverse("referrals:gp_letter", args=[referral.pk])
    _tell(K.HANDOVER_COMPLETED, referral, referrer(referral), by, link=link)


def _provider_roles(organisation_id: int):
    return Membership.objects.filter(role=Role.PROVIDER, organisation_id=organisation_id)


def provider_staff(organisation_id: int | None) -> list[Membership]:
    """The active staff of a GGZ provider in Voorzorg (their provider roles there)."""
    if organisation_id is None:
        return []
    return _active(_provider_roles(organisation_id))


def provider_in_app(organisation_id: int | None) -> bool:
    """Whether a GGZ provider has staff in Voorzorg, who then confirm handovers themselves."""
    if organisation_id is None:
        return False
    return _provider_roles(organisation_id).filter(user__is_active=True).exists()


def _provider_link(referral: Referral) -> str:
    return reverse("referrals:provider_detail", args=[referral.pk])


def tell_handover_needed(
    referral: Referral, *, stage: str, day: dt.date, provider: str, by: User | None
) -> None:
    """The provider's intake or treatment start became known (an import, a link): the
    assigned expert and the POH-GGZ hear that the warm handover is due, once per stage
    and day. ``stage`` is a code (``intake``, ``treatment_start``), shown in the reader's
    language (the kind's ``param_labels``)."""
    _tell(
        K.HANDOVER_NEEDED,
        referral,
        [*assigned_expert(referral), *referrer(referral)],
        by,
        key=f"referral:{referral.pk}:{K.HANDOVER_NEEDED}:{stage}:{day}",
        stage=stage,
        date=day.strftime("%d-%m-%Y"),
        provider=provider,
    )


def tell_handover_addressed(referral: Referral, provider_id: int, *, by: User | None) -> None:
    """A handover to this provider was prepared: its staff are asked to confirm."""
    _tell(
        K.HANDOVER_ADDRESSED,
        referral,
        provider_staff(provider_id),
        by,
        link=_provider_link(referral),
        key=f"referral:{referral.pk}:{K.HANDOVER_ADDRESSED}:{provider_id}",
    )


def tell_handover_confirmed(referral: Referral, *, provider: str, by: User | None) -> None:
    _tell(
        K.HANDOVER_CONFIRMED,
        referral,
        [*assigned_expert(referral), *referrer(referral)],
        by,
        link=reverse("referrals:handover", args=[referral.pk]),
        provider=provider,
    )


def tell_handover_received(referral: Referral, provider_id: int, *, by: User | None) -> None:
    _tell(
        K.HANDOVER_RECEIVED,
        referral,
        provider_staff(provider_id),
        by,
        link=_provider_link(referral),
    )


def tell_handover_message(
    referral: Referral, *, message_id: int, author: str, provider_id: int | None, by: User
) -> None:
    """A message in the handover's thread: everyone on both sides hears of it (the
    author excepted): the assigned expert, the POH-GGZ and the provider's staff. Each
    reads it on her own page of the referral."""
    key = f"handover-message:{message_id}"
    sending = [*assigned_expert(referral), *referrer(referral)]
    sending_page = reverse("referrals:detail", args=[referral.pk])
    for recipients, page in (
        (sending, sending_page),
        (provider_staff(provider_id), _provider_link(referral)),
    ):
        _tell(
            K.HANDOVER_MESSAGE,
            referral,
            recipients,
            by,
            link=page + "#berichten",
            key=key,
            author=author,
        )
