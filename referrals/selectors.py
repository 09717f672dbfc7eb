"""Reads of referrals and waiting episodes that leave the app, and their access gates.

Who may see which participant is the person-record kernel's (``participants.selectors``);
this app contributes "a participant with a referral I may see" (``person_record.py``).
Referral scope per role (docs/domain.md, "Who uses the app"):
- POH-GGZ: people and referrals of her own GP practice;
- experience expert: referrals assigned to her; a team lead also her region's referrals;
- coordinator: no person at all;
- provider (staff of a GGZ provider): the referrals addressed to her organisation (its
  intended provider, its linked waiting place's provider or its handover's receiving
  provider) once the bridging team took them on (``PROVIDER_VISIBLE_STATUSES``);
- admin (functioneel beheerder): like a team lead, the region(s) of her organisation:
  referrals of those regions. Outside it, one participant at a time by emergency access
  (break-the-glass, ``voorzorg.audit``): a grant she gives herself with a reason, for a
  limited time, reviewed afterwards by another admin; every row logged under it is marked.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan
from django.utils.translation import ngettext

from participants.constants import LifeDomain
from participants.duplicates import PersonDetails, find_matches_for
from participants.models import Participant
from participants.selectors import handover_texts_visible, participants_for
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Region
from voorzorg.accounts.norms import norm_expression, norms_by_municipality, norms_for
from voorzorg.accounts.policy import TEAM_LEAD_ROLES
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.gate import get_for
from voorzorg.audit.models import AuditAction
from voorzorg.audit.selectors import break_glass_person_ids
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import Display, Version, versions_of
from voorzorg.core.dbfunctions import DaysBetween
from voorzorg.core.treeknorm import DEFAULT_NORMS, Norms, OpenWait, open_wait_at

from .caseloads import caseload_of_user
from .constants import OPEN_STATUSES, ReferralStatus, Urgency
from .models import Handover, HandoverMessage, Referral, WaitingEpisode

_NOTHING = Q(pk__in=[])

# What a GGZ provider's staff see of the referrals addressed to them: from the moment the
# bridging team took the person on. A referral still waiting for the team's decision, or
# declined or withdrawn, never reached the provider's side.
PROVIDER_VISIBLE_STATUSES = frozenset(
    {
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_BRIDGING,
        ReferralStatus.HANDED_OVER,
        ReferralStatus.CLOSED,
    }
)


# A referral whose person has reached the provider (an intake or a treatment start on its
# linked waiting place) needs its warm handover while it is still open with the team.
HANDOVER_NEEDED_STATUSES = frozenset({ReferralStatus.ACCEPTED, ReferralStatus.IN_BRIDGING})


def handover_needed_q(today: dt.date, prefix: str = "") -> Q:
    """ "Overdracht nodig": an open referral (accepted or in bridging care) whose linked
    waiting place has an intake or a treatment start on or before ``today``. It stays
    until the handover is completed or the referral is closed (with a reason) or
    withdrawn: both change the status. The one rule for the worklist, the referral page
    and the notifications' moment."""
    return Q(**{f"{prefix}status__in": HANDOVER_NEEDED_STATUSES}) & (
        Q(**{f"{prefix}waiting_episode__intake_date__lte": today})
        | Q(**{f"{prefix}waiting_episode__treatment_start_date__lte": today})
    )


def addressed_to_q(organisation_id: int, prefix: str = "") -> Q:
    """Referrals addressed to a GGZ provider: it is the intended provider, the provider of
    the linked waiting place, or the receiving provider of the handover."""
    return (
        Q(**{f"{prefix}intended_provider": organisation_id})
        | Q(**{f"{prefix}waiting_episode__provider": organisation_id})
        | Q(**{f"{prefix}handover__provider": organisation_id})
    )


def referral_scope(membership: Membership | None) -> Q:
    """The referrals a membership may see, as a filter. Nothing for unknown roles."""
    if membership is None:
        return _NOTHING
    if membership.role == Role.ADMIN:
        # Her regions, and whoever she holds emergency access to right now.
        return Q(region__in=regions_of(membership)) | Q(
            participant__public_id__in=break_glass_person_ids(membership)
        )
    if membership.role == Role.POH:
        return Q(gp_practice=membership.organisation_id)
    if membership.role == Role.EXPERT:
        scope = Q(assigned_expert=membership.user_id)
        if membership.is_team_lead:
            scope |= Q(region__in=regions_of(membership))
        return scope
    if membership.role == Role.PROVIDER:
        addressed = Referral.objects.filter(
            addressed_to_q(membership.organisation_id),
            status__in=PROVIDER_VISIBLE_STATUSES,
        ).values("pk")
        # A subquery, so the OR's joins never multiply the rows it filters.
        return Q(pk__in=addressed)
    return _NOTHING


def referral_get_for(actor: Actor, pk: int, *, event: str = "referral.view") -> Referral:
    """The access gate for one referral: 404 outside scope, audited either way; an admin
    refused here is offered emergency access (``voorzorg.audit.gate``)."""
    scoped = Referral.objects.filter(referral_scope(actor.membership)).select_related(
        "participant",
        "gp_practice",
        "assigned_expert",
        "intended_provider",
        "region",
        "waiting_episode__provider",
        "referred_by",
    )
    return get_for(
        actor,
        scoped,
        pk,
        event=f"{event}:{pk}",
        person_of=lambda r: r.participant.public_id,
        offer_break_glass=True,
    )


# A referral's versions: what changed, without the bookkeeping of a status step.
REFERRAL_VERSIONS = Display(
    hidden=frozenset({"participant", "status_changed_at"}),
    value_labels={"life_domains": dict(LifeDomain.choices)},
)


def referral_history_for(actor: Actor, referral: Referral) -> list[Version]:
    """The versions of a referral that passed its gate, newest first: corrections and
    status steps. Reading them writes its own access-log row (R, ``referral.history``)."""
    actor.audit(
        action=AuditAction.READ,
        event=f"referral.history:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    return versions_of(referral, display=REFERRAL_VERSIONS)


def episode_scope(membership: Membership | None) -> Q:
    """The waiting episodes a membership may see: those of the participants she may see.

    Imported episodes not (yet) linked to a participant are nobody's here: they feed the
    indicators only. A provider's staff see only their own organisation's places.
    """
    scope = Q(participant__in=participants_for(membership))
    if membership is not None and membership.role == Role.PROVIDER:
        scope &= Q(provider=membership.organisation_id)
    return scope


def episode_get_for(actor: Actor, pk: int, *, event: str = "episode.view") -> WaitingEpisode:
    """The access gate for one waiting episode: 404 outside scope, audited either way."""
    scoped = WaitingEpisode.objects.filter(episode_scope(actor.membership)).select_related(
        "participant", "provider", "municipality"
    )
    return get_for(
        actor, scoped, pk, event=f"{event}:{pk}", person_of=lambda e: e.participant.public_id
    )


def referral_queryset_for(membership: Membership | None) -> QuerySet[Referral]:
    """Visible referrals with what list pages show, in one query."""
    return (
        Referral.objects.filter(referral_scope(membership))
        .select_related("participant", "assigned_expert", "waiting_episode", "intended_provider")
        .order_by("-referral_date", "-id")
    )


def intake_queue_for(membership: Membership | None) -> QuerySet[Referral]:
    """Submitted referrals a team lead or an admin should pick up: those of her regions.

    Urgent first, then oldest referral first: the one-week aim for a first contact
    runs from the referral date.
    """
    if membership is None:
        return Referral.objects.none()
    if membership.role == Role.ADMIN:
        # Her regions only, like a team lead: emergency access opens one record, not
        # a place in another region's queue.
        scope = Q(region__in=regions_of(membership))
    elif membership.role == Role.EXPERT and membership.is_team_lead:
        scope = Q(region__in=regions_of(membership))
    else:
        return Referral.objects.none()
    return (
        Referral.objects.filter(scope, status=ReferralStatus.SUBMITTED)
        .select_related("participant__municipality", "gp_practice", "region", "referred_by")
        .annotate(urgent_first=Case(When(urgency=Urgency.HIGH, then=0), default=1))
        .order_by("urgent_first", "referral_date", "id")
    )


def episode_over_norm_q(peildatum: dt.date, prefix: str = "") -> Q:
    """Episodes whose open wait at the peildatum is over their norm, as a database filter.

    The same definition as ``open_wait_of`` (tests cross-check), each episode against
    its own norm: the SQL form of the one rule (``voorzorg.accounts.norms``), which the
    indicator engine uses too.
    """
    p = prefix
    today = Value(peildatum, output_field=DateField())
    municipality = f"{p}municipality_id"
    not_closed = Q(**{f"{p}closed_date__isnull": True}) | Q(**{f"{p}closed_date__gt": peildatum})
    for_intake = (
        Q(**{f"{p}registration_date__lte": peildatum})
        & (Q(**{f"{p}intake_date__isnull": True}) | Q(**{f"{p}intake_date__gt": peildatum}))
        # Over the norm when days > norm days (docs/indicators.md).
        & Q(
            GreaterThan(
                DaysBetween(today, F(f"{p}registration_date")),
                norm_expression("aanmeld", municipality=municipality),
            )
        )
    )
    for_treatment = (
        Q(**{f"{p}intake_date__lte": peildatum})
        & (
            Q(**{f"{p}treatment_start_date__isnull": True})
            | Q(**{f"{p}treatment_start_date__gt": peildatum})
        )
        & Q(
            GreaterThan(
                DaysBetween(today, F(f"{p}intake_date")),
                norm_expression("behandel", municipality=municipality),
            )
        )
    )
    return not_closed & (for_intake | for_treatment)


def open_wait_of(
    episode: WaitingEpisode, *, peildatum: dt.date, norms: Norms | None = None
) -> OpenWait | None:
    """The episode's open wait at the peildatum, judged against the episode's own norm
    (its municipality's region's, else the NZa defaults): what the dashboard counts.

    ``norms``: the episode's, from ``open_waits_of``'s batch for a list; left out, it is
    read here (one query when the episode has a municipality).
    """
    if norms is None:
        norms = norms_for(municipality=episode.municipality_id)
    return open_wait_at(
        registration=episode.registration_date,
        intake=episode.intake_date,
        treatment_start=episode.treatment_start_date,
        closed=episode.closed_date,
        peildatum=peildatum,
        aanmeld_norm_days=norms.aanmeld,
        behandel_norm_days=norms.behandel,
    )


def open_waits_of(
    episodes: Iterable[WaitingEpisode], *, peildatum: dt.date
) -> dict[int, OpenWait | None]:
    """Episode id -> its open wait (``open_wait_of``) for a list: the norms of all of
    them in one query (none when no episode has a municipality), so no query per row."""
    episodes = list(episodes)
    norms = norms_by_municipality(e.municipality_id for e in episodes)
    return {
        e.pk: open_wait_of(
            e, peildatum=peildatum, norms=norms.get(e.municipality_id, DEFAULT_NORMS)
        )
        for e in episodes
    }


def assignable_experts(
    membership: Membership | None, referral: Referral | None = None
) -> QuerySet[Membership]:
    """The experience experts this team lead (or admin) may assign: active experts whose
    organisation works in the referral's region, or, without a referral or for one that
    has no region yet, in one of her own regions. The one rule for the page, the API and
    the accept service: an expert of another region never gets a person's record."""
    if membership is None or membership.role not in TEAM_LEAD_ROLES:
        return Membership.objects.none()
    if referral is not None and referral.region_id is not None:
        regions = Region.objects.filter(pk=referral.region_id)
    else:
        regions = regions_of(membership)
    in_region = Q(organisation__municipality__regions__in=regions) | Q(
        organisation__kind=OrganisationKind.MUNICIPALITY, organisation__regions__in=regions
    )
    return Membership.objects.filter(in_region, role=Role.EXPERT, user__is_active=True)


def expert_choices_for(
    membership: Membership | None,
    referral: Referral | None = None,
    *,
    with_caseload: bool = False,
) -> list[tuple[int, str]]:
    """(user id, label) of ``assignable_experts``, by name, each expert once.

    ``with_caseload`` adds to each label how many participants she accompanies now
    (``CASELOAD_STATUSES``), counted in the same query for all experts.
    """
    rows = (
        assignable_experts(membership, referral)
        .select_related("user", "organisation")
        .order_by("user__full_name", "user_id", "pk")
    )
    if with_caseload:
        rows = rows.annotate(caseload=caseload_of_user())
    choices: dict[int, str] = {}
    for m in rows:
        label = f"{m.user.full_name} ({m.organisation.name})"
        if with_caseload:
            label = ngettext(
                "%(label)s – %(n)d deelnemer", "%(label)s – %(n)d deelnemers", m.caseload
            ) % {"label": label, "n": m.caseload}
        choices.setdefault(m.user_id, label)
    return list(choices.items())


def handover_as_shown(handover: Handover | None, membership: Membership | None) -> Handover | None:
    """The handover as this reader may see it: without its summary, life-domain status and
    the participant's own words where ``handover_texts_visible`` (the one consent rule)
    says so. An in-memory copy: nothing is deleted, the team still has its notes.
    ``texts_hidden`` on the result says whether they were left out (a page says why)."""
    if handover is None:
        return None
    participant_id = handover.referral.participant_id
    if participant_id in handover_texts_visible(membership, [participant_id]):
        handover.texts_hidden = False
        return handover
    shown = copy.copy(handover)
    shown.summary = ""
    shown.life_domain_status = ""
    shown.participant_words = ""
    shown.texts_hidden = True
    return shown


def handover_needed(referral: Referral, today: dt.date) -> bool:
    """Whether this referral needs its warm handover now (``handover_needed_q``): the one
    rule, as the worklist reads it. One query."""
    return Referral.objects.filter(handover_needed_q(today), pk=referral.pk).exists()


def handover_thread(referral: Referral) -> list[HandoverMessage]:
    """The messages about a referral's handover, oldest first, with their authors and the
    role each wrote in, in words (``role_label``): for a page whose gate already let the
    reader through. One query."""
    found = list(HandoverMessage.objects.filter(referral=referral).select_related("author"))
    for message in found:
        try:
            message.role_label = str(Role(message.role).label)
        except ValueError:
            message.role_label = message.role
    return found


# --- Possible duplicates at registration -----------------------------------------------------


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing participant who may be the person being registered: why, and where
    she stands now (her open referral, if any; ``referral_visible``: the reader may
    open that referral's page)."""

    participant: Participant
    reasons: tuple[str, ...]
    reason_labels: tuple[str, ...]
    open_referral: Referral | None
    referral_visible: bool

    @property
    def in_bridging_care(self) -> bool:
        return (
            self.open_referral is not None
            and self.open_referral.status == ReferralStatus.IN_BRIDGING
        )


def duplicate_candidates_for(
    membership: Membership | None, details: PersonDetails
) -> list[DuplicateCandidate]:
    """The participants within ``membership``'s scope who may be the person of
    ``details`` (``participants.duplicates``), each with her open referral. Two queries
    however many candidates; none outside her scope, not even counted."""
    matches = find_matches_for(membership, details)
    if not matches:
        return []
    open_referrals = (
        Referral.objects.filter(
            participant__in=[m.participant.pk for m in matches],
            status__in=sorted(OPEN_STATUSES),
        )
        .annotate(
            visible=Case(
                When(referral_scope(membership), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("participant_id", "-referral_date", "-id")
    )
    newest: dict[int, Referral] = {}
    for referral in open_referrals:
        newest.setdefault(referral.participant_id, referral)
    return [
        DuplicateCandidate(
            participant=m.participant,
            reasons=m.reasons,
            reason_labels=tuple(m.reason_labels),
            open_referral=newest.get(m.participant.pk),
            referral_visible=bool(getattr(newest.get(m.participant.pk), "visible", False)),
        )
        for m in matches
    ]
