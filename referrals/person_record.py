"""What referrals add to the person record (``participants.registry``).

Registered in ``ReferralsConfig.ready()``: the participants an actor may see because of a
referral she may see; the referrals and waiting episodes in the AVG export; the erasure
of the free texts of her referrals, their events, handover and its thread (and of her
one-time links for the experience at handover; her marks stay); the refusal to erase
while a referral is open; the referrals that keep the record from expiring; and the
referrals and waiting places that move when two records of one person are merged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from participants import registry
from participants.constants import ERASED
from participants.dossier import choice, life_domains, local_moment, name_of, org_name
from participants.models import Participant
from participants.registry import Link, MergeHandler, Refusal
from participants.selectors import handover_texts_visible
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.audit.versions import Version, version_export, versions_from_rows

from .constants import OPEN_STATUSES
from .models import (
    Handover,
    HandoverExperienceLink,
    HandoverMessage,
    Referral,
    ReferralEvent,
    WaitingEpisode,
)
from .selectors import REFERRAL_VERSIONS, referral_scope

NAME = "referrals"


def with_a_referral_she_may_see(membership: Membership) -> Q:
    """Scope contribution (experts, admins, a provider's staff): people with a referral
    in her scope."""
    visible = Referral.objects.filter(referral_scope(membership)).values("participant_id")
    return Q(pk__in=visible)


def dossier_section(participant: Participant, membership: Membership | None) -> dict[str, Any]:
    """The participant's referrals (with events and handover) and waiting episodes."""
    p = participant
    referrals = list(
        Referral.objects.filter(participant=p)
        .select_related(
            "gp_practice",
            "referred_by",
            "region",
            "intended_provider",
            "assigned_expert",
            "handover__provider",
            "handover__completed_by",
            "handover__provider_acknowledged_by",
            "handover__experience__recorded_by",
        )
        .prefetch_related(
            "events__by",
            "handover_messages__author",
            "assignments__expert",
            "assignments__previous_expert",
        )
        .order_by("referral_date", "id")
    )
    texts = p.pk in handover_texts_visible(membership, [p.pk])
    # The participant's own waiting places, and those a referral points to (an imported
    # episode the POH recognised as this person's wait has no participant link itself).
    episodes = (
        WaitingEpisode.objects.filter(Q(participant=p) | Q(referrals__participant=p))
        .select_related("provider", "municipality")
        .distinct()
        .order_by("registration_date", "id")
    )
    versions = _versions_by_referral([r.pk for r in referrals])
    return {
        "referrals": [_referral(r, texts=texts, versions=versions[r.pk]) for r in referrals],
        "waiting_episodes": [
            {
                "id": e.pk,
                "provider": org_name(e.provider),
                "external_id": e.external_id,
                "location": e.location,
                "birth_year": e.birth_year,
                "municipality": org_name(e.municipality),
                **choice(e, "care_level"),
                **choice(e, "diagnosis_group"),
                "referral_date": e.referral_date,
                "registration_date": e.registration_date,
                "intake_date": e.intake_date,
                "treatment_start_date": e.treatment_start_date,
                "closed_date": e.closed_date,
                **choice(e, "close_reason"),
            }
            for e in episodes
        ],
    }


def _versions_by_referral(pks: list[int]) -> dict[int, list[Version]]:
    """Every kept version of these referrals, oldest first, in a fixed number of queries."""
    rows = (
        Referral.history.filter(id__in=pks)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    found: dict[int, list[Version]] = defaultdict(list)
    for version in versions_from_rows(Referral, rows, display=REFERRAL_VERSIONS):
        found[version.record_id].append(version)
    return found


def _referral(r: Referral, *, texts: bool, versions: list[Version]) -> dict[str, Any]:
    handover = getattr(r, "handover", None)
    return {
        "id": r.pk,
        **choice(r, "source"),
        "gp_practice": org_name(r.gp_practice),
        "referred_by": name_of(r.referred_by),
        "region": r.region.name if r.region else None,
        "referral_date": r.referral_date,
        "help_question": r.help_question,
        **life_domains(r.life_domains),
        **choice(r, "wish_language"),
        **choice(r, "wish_expert_gender"),
        **choice(r, "wish_expert_age_band"),
        "wish_themes": list(r.wish_themes),
        "wish_formats": list(r.wish_formats),
        **choice(r, "urgency"),
        **choice(r, "care_level"),
        "intended_provider": org_name(r.intended_provider),
        "waiting_episode_id": r.waiting_episode_id,
        **choice(r, "status"),
        "assigned_expert": name_of(r.assigned_expert),
        "decline_reason": r.decline_reason,
        **choice(r, "close_reason"),
        "first_contact_date": r.first_contact_date,
        "status_changed_at": local_moment(r.status_changed_at),
        # The full status history, oldest first (the prefetch keeps the model's ordering).
        "events": [
            {
                "at": local_moment(e.at),
                "by": name_of(e.by),
                **choice(e, "from_status"),
                **choice(e, "to_status"),
                "reason": e.reason,
            }
            for e in r.events.all()
        ],
        "handover": None
        if handover is None
        else {
            "provider": org_name(handover.provider),
            "meeting_at": local_moment(handover.meeting_at),
            "attends_participant": handover.attends_participant,
            "attends_expert": handover.attends_expert,
            "attends_poh": handover.attends_poh,
            "provider_contact": handover.provider_contact,
            "summary": handover.summary if texts else "",
            "life_domain_status": handover.life_domain_status if texts else "",
            "open_signals_checked": handover.open_signals_checked,
            "participant_words": handover.participant_words if texts else "",
            "provider_acknowledged_on": handover.provider_acknowledged_on,
            "provider_acknowledged_by": name_of(handover.provider_acknowledged_by),
            "first_appointment_at": local_moment(handover.first_appointment_at),
            "completed_at": local_moment(handover.completed_at),
            "completed_by": name_of(handover.completed_by),
            "experience": _experience(handover),
        },
        # Who accompanied her, and each time she asked for another expert and why.
        "assignments": [
            {
                "at": local_moment(a.at),
                "expert": name_of(a.expert),
                "previous_expert": name_of(a.previous_expert),
                **choice(a, "change_reason"),
            }
            for a in r.assignments.all()
        ],
        # The thread between the receiving provider and the sending side, oldest first.
        "handover_messages": [
            {
                "at": local_moment(m.created_at),
                "by": name_of(m.author),
                "role": m.role,
                "role_label": str(dict(Role.choices).get(m.role, m.role)),
                "organisation": m.organisation_name,
                "text": m.text,
            }
            for m in r.handover_messages.all()
        ],
        # Every kept version, oldest first: corrections with their reasons, status steps.
        "versions": [version_export(v) for v in versions],
    }


def _experience(handover: Handover) -> dict[str, Any] | None:
    """Her three marks at the handover (0-10), who typed them and when."""
    experience = getattr(handover, "experience", None)
    if experience is None:
        return None
    return {
        **{question: getattr(experience, question) for question in experience.QUESTIONS},
        **choice(experience, "entered_by"),
        "entered_at": local_moment(experience.entered_at),
        "recorded_by": name_of(experience.recorded_by),
    }


# Her wishes of her expert (gender, age, themes) say something about her: emptied too.
ERASED_WISHES = {
    "wish_language": "",
    "wish_expert_gender": "",
    "wish_expert_age_band": "",
    "wish_themes": [],
    "wish_formats": [],
}


def erase(participant: Participant) -> None:
    """Empty the free texts of the participant's referrals, their events, handover and
    the handover's thread (the messages between the provider and the sending side).

    Bulk updates: one statement per table, and no per-row validation, which would refuse
    the emptied required texts (a help question is required when registering). Dates,
    statuses, provider and region stay: the figures count them.
    """
    referrals = Referral.objects.filter(participant=participant)
    referrals.update(help_question="", life_domains=[], **ERASED_WISHES)
    # A declined referral must keep a non-empty reason (constraint referral_declined_has_reason).
    referrals.exclude(decline_reason="").update(decline_reason=ERASED)
    ReferralEvent.objects.filter(referral__participant=participant).update(reason="")
    # Earlier versions hold the same texts (a help question before its correction), and
    # the reasons given for corrections are free text about the person.
    history = Referral.history.filter(
        Q(participant_id=participant.pk) | Q(id__in=referrals.values("pk"))
    )
    history.update(help_question="", life_domains=[], history_change_reason="", **ERASED_WISHES)
    history.exclude(decline_reason="").update(decline_reason=ERASED)
    Handover.objects.filter(referral__participant=participant).update(
        summary="", life_domain_status="", provider_contact="", participant_words=""
    )
    # The thread about her handover: who wrote when stays, what was written goes.
    HandoverMessage.objects.filter(referral__participant=participant).update(text="")
    # Her one-time links for the experience at handover stop working. Her marks stay:
    # numbers without free text, which the figures count (as a contact's date stays).
    HandoverExperienceLink.objects.filter(handover__referral__participant=participant).delete()


def erasure_refusal(participant: Participant) -> Refusal | None:
    """Never while a referral is open: someone still has to act on it. The open
    referrals are listed beside the refusal, each linking to its page."""
    open_referrals = list(participant.referrals.filter(status__in=sorted(OPEN_STATUSES)))
    if not open_referrals:
        return None
    return Refusal(
        _(
            "Deze deelnemer heeft nog een lopende verwijzing (aangemeld, geaccepteerd of in "
            "overbrugging). Rond die eerst af: sluit de verwijzing af of trek haar in, en "
            "wis de gegevens daarna."
        ),
        blocking=tuple(
            Link(
                label=f"{_('Verwijzing van')} {date_format(r.referral_date, 'd-m-Y')}"
                f" — {r.get_status_display()}",
                url=reverse("referrals:detail", args=[r.pk]),
            )
            for r in open_referrals
        ),
    )


def retention_hold(cutoff: dt.date, after_cutoff: dt.datetime) -> QuerySet[Referral]:
    """An open referral, or one whose status changed after the cutoff, keeps the record."""
    # A referral without status_changed_at (older data) counts from its last change.
    return Referral.objects.filter(participant=OuterRef("pk")).filter(
        Q(status__in=sorted(OPEN_STATUSES))
        | Q(status_changed_at__gte=after_cutoff)
        | Q(status_changed_at__isnull=True, updated_at__gte=after_cutoff)
    )


MOVED_REFERRALS = "referrals.referral"
MOVED_EPISODES = "referrals.waitingepisode"


def merge_move(merged: Participant, kept: Participant) -> dict[str, list[int]]:
    """Her referrals (with their events and handover, which hang on the referral) and her
    waiting places move to the kept record. A referral keeps its own practice and region."""
    moved = {}
    for key, model in ((MOVED_REFERRALS, Referral), (MOVED_EPISODES, WaitingEpisode)):
        ids = sorted(model.objects.filter(participant=merged).values_list("pk", flat=True))
        model.objects.filter(pk__in=ids).update(participant=kept)
        moved[key] = ids
    return moved


def merge_restore(moved: dict[str, list[int]], merged: Participant, kept: Participant) -> None:
    for key, model in ((MOVED_REFERRALS, Referral), (MOVED_EPISODES, WaitingEpisode)):
        model.objects.filter(pk__in=moved.get(key, []), participant=kept).update(participant=merged)


def merge_count(participant: Participant) -> dict[str, int]:
    return {
        _("Verwijzingen"): Referral.objects.filter(participant=participant).count(),
        _("Wachtplekken"): WaitingEpisode.objects.filter(participant=participant).count(),
    }


def register() -> None:
    registry.register_scope(
        NAME, roles=BRIDGING_TEAM_ROLES, contribution=with_a_referral_she_may_see
    )
    # A GGZ provider's staff: the people of the referrals addressed to their organisation.
    registry.register_scope(
        f"{NAME}.provider", roles={Role.PROVIDER}, contribution=with_a_referral_she_may_see
    )
    registry.register_dossier_section(NAME, position=10, build=dossier_section)
    registry.register_erasure(NAME, erase)
    registry.register_erasure_refusal(NAME, erasure_refusal)
    registry.register_retention_hold(NAME, retention_hold)
    registry.register_merge(
        NAME, MergeHandler(move=merge_move, restore=merge_restore, count=merge_count)
    )
