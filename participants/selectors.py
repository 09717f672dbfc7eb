"""Reads about participants that other apps use: the scope and the access gates of the
person record, the consent rule, and the retention query.

Scope per role (docs/domain.md, "Who uses the app"), each part contributed by the app
whose rows it rests on (``participants.registry``):
- POH-GGZ: the people of her own GP practice (here);
- experience expert: people with a referral she may see (``referrals``), and people with
  a current place in a group she facilitates (``groups``);
- coordinator: no person at all;
- admin (functioneel beheerder): people with a referral in her region(s) (``referrals``)
  or living in one of their municipalities (here). Outside it, one participant at a time
  by emergency access (break-the-glass, ``voorzorg.audit``; here): a grant she gives
  herself with a reason, for a limited time, reviewed afterwards by another admin; every
  row logged under it is marked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, Q, QuerySet
from django.utils.translation import gettext_lazy

from voorzorg.accounts.models import Membership, Organisation
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.gate import get_for
from voorzorg.audit.models import AuditAction
from voorzorg.audit.selectors import break_glass_person_ids
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import Display, Version, versions_of
from voorzorg.core.dates import local_midnight

from . import registry
from .constants import ConsentKind, DuplicateStatus
from .models import Consent, Participant, PossibleDuplicate

_NOTHING = Q(pk__in=[])


# --- Scope and access gates -----------------------------------------------------------------


def participant_scope(membership: Membership | None, *, include_merged: bool = False) -> Q:
    """The participants a membership may see, as a filter on ``Participant``.

    The OR of the scope contributions registered for the role she acts in
    (``participants.registry``); nothing for a role no app contributes to. A record
    merged into another (``Participant.merged_into``) is left out: its person is the
    other record now. ``include_merged`` keeps it, for the access log's pages, which
    still answer who looked at that number.
    """
    if membership is None:
        return _NOTHING
    scope = _NOTHING
    for contribution in registry.scope_contributions(membership.role):
        scope |= contribution(membership)
    if include_merged:
        return scope
    return scope & Q(merged_into__isnull=True)


def participants_for(
    membership: Membership | None, *, include_merged: bool = False
) -> QuerySet[Participant]:
    """The participants a membership may see."""
    return Participant.objects.filter(participant_scope(membership, include_merged=include_merged))


def participants_in_own_scope(membership: Membership | None) -> QuerySet[Participant]:
    """The participants she may change: her scope without emergency access. A grant lets
    an administrator read a record in an emergency, never correct or merge it."""
    if membership is None:
        return Participant.objects.none()
    return participants_for(membership).exclude(public_id__in=break_glass_person_ids(membership))


EMERGENCY_READ_ONLY = gettext_lazy(
    "Met noodtoegang kunt u dit dossier inzien, maar niet wijzigen. Vraag de POH-GGZ van "
    "de praktijk of een beheerder van haar regio om de correctie."
)


def of_her_practice(membership: Membership) -> Q:
    """Scope contribution (POH-GGZ): the people of her GP practice."""
    return Q(gp_practice=membership.organisation_id)


def living_in_her_regions(membership: Membership) -> Q:
    """Scope contribution (admin): the people living in a municipality of her regions."""
    living_there = Organisation.objects.filter(regions__in=regions_of(membership)).values("pk")
    return Q(municipality__in=living_there)


def under_emergency_access(membership: Membership) -> Q:
    """Scope contribution (admin): whoever she holds emergency access to right now."""
    return Q(public_id__in=break_glass_person_ids(membership))


def participant_get_for(actor: Actor, pk: int, *, event: str = "participant.view") -> Participant:
    """The access gate for one participant: 404 outside scope, audited either way.

    An admin's active emergency-access grant is part of her scope, so it lets her in
    here, and the audit row points to the grant (``audit_log``); refused, she is offered
    emergency access on the "not found" page.
    """
    scoped = participants_for(actor.membership).select_related("gp_practice", "municipality")
    return get_for(
        actor,
        scoped,
        pk,
        event=f"{event}:{pk}",
        person_of=lambda p: p.public_id,
        offer_break_glass=True,
    )


def participant_get_by_number_for(
    actor: Actor, public_id: str, *, event: str = "participant.view", include_merged: bool = False
) -> Participant:
    """The same gate, by participant number (VZ-...): 404 outside scope, audited either way.

    A refused look-up logs no number: the number typed may belong to nobody, or to
    someone the user may not know of. ``include_merged``: also a record merged into
    another (the access overview of that number).
    """
    scoped = participants_for(actor.membership, include_merged=include_merged).select_related(
        "gp_practice", "municipality"
    )
    return get_for(
        actor,
        scoped,
        public_id.strip().upper(),
        field="public_id",
        event=event,
        person_of=lambda p: p.public_id,
    )


# Her versions never name the record she was merged into: when the merge was a mistake
# and undone, that is someone else, perhaps of another practice.
PARTICIPANT_VERSIONS = Display(hidden=frozenset({"merged_into"}))


def participant_history_for(actor: Actor, participant: Participant) -> list[Version]:
    """The versions of her details, newest first, for a reader who passed her gate.

    Earlier versions are person data like the record itself: reading them writes its
    own access-log row (R, ``participant.history``). A fixed number of queries.
    """
    actor.audit(
        action=AuditAction.READ,
        event=f"participant.history:{participant.pk}",
        person_id=participant.public_id,
    )
    return versions_of(participant, display=PARTICIPANT_VERSIONS)


# --- Possible duplicates -----------------------------------------------------------------


def open_duplicates_for(
    membership: Membership | None, participant_ids: Iterable[int]
) -> dict[int, list[Participant]]:
    """Participant pk -> the people she may be, not yet judged ("mogelijk dubbel", from a
    self-registration), limited to those ``membership`` may see: a candidate outside her
    scope is never shown, nor counted. One query."""
    ids = list(participant_ids)
    if membership is None or not ids:
        return {}
    rows = (
        PossibleDuplicate.objects.filter(
            participant__in=ids,
            status=DuplicateStatus.OPEN,
            candidate__in=participants_for(membership).values("pk"),
        )
        .select_related("candidate")
        .order_by("participant_id", "candidate_id")
    )
    found: dict[int, list[Participant]] = {}
    for row in rows:
        found.setdefault(row.participant_id, []).append(row.candidate)
    return found


# --- Consent -------------------------------------------------------------------------------


def consent_to_share_ids(participant_ids: Iterable[int]) -> set[int]:
    """Pks of those participants whose consent to share at the handover is in force."""
    return set(
        Consent.objects.filter(
            participant__in=list(participant_ids),
            kind=ConsentKind.SHARE_AT_HANDOVER,
            withdrawn_on__isnull=True,
        ).values_list("participant_id", flat=True)
    )


def consent_to_share_active(participant: Participant) -> bool:
    return participant.pk in consent_to_share_ids([participant.pk])


def handover_texts_visible(
    membership: Membership | None, participant_ids: Iterable[int]
) -> set[int]:
    """Pks of the participants whose handover summary and life-domain status this reader
    may see: the one consent rule for the pages, the REST API, FHIR and the AVG export.

    The summary and the life-domain status go beyond the referral's own data, so they
    leave the bridging team (experts, functional administrator) only while the
    participant's consent to share is in force. Read on every request, so a withdrawn
    consent hides them at once; nothing is deleted. At most one query.
    """
    ids = set(participant_ids)
    if membership is None or not ids:
        return set()
    if membership.role in BRIDGING_TEAM_ROLES:
        return ids
    return consent_to_share_ids(ids)


# --- Retention ----------------------------------------------------------------------------


def participants_expired(*, today: dt.date, retention_days: int) -> QuerySet[Participant]:
    """Participants whose retention period has run out on ``today`` (not yet erased).

    The clock starts at the participant's last sign of bridging care: the closure of
    their last referral (its last status change: declined, withdrawn, handed over or
    closed), and any later contact, group place, measurement or signal. Expired when
    that day is at least ``retention_days`` before ``today`` (day counting on local
    dates: closed on 1 March 2025, 730 days, erased from 1 March 2027). Never while a
    referral is open, the person holds a group place (taking part or waiting), or a
    care signal is still unresolved: someone still has to act on those.
    """
    cutoff = today - dt.timedelta(days=retention_days)
    # A moment's local date is after the cutoff exactly when it is at or after this.
    after_cutoff = local_midnight(cutoff + dt.timedelta(days=1))
    expired = Participant.objects.filter(erased_at__isnull=True, created_at__lt=after_cutoff)
    # Each app's holds (``participants.registry``), correlated on participant=OuterRef("pk").
    for hold in registry.retention_holds():
        expired = expired.exclude(Exists(hold(cutoff, after_cutoff)))
    return expired.order_by("pk")
