"""Reads about participants that other apps use, the AVG export and the retention query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from groups.constants import EnrolmentStatus
from groups.models import Attendance, Contact, Enrolment, PositiveHealthMeasurement, Signal
from referrals.constants import OPEN_STATUSES
from referrals.models import Referral, WaitingEpisode
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.core.dates import local_midnight

from .constants import ConsentKind, LifeDomain
from .models import Consent, Participant

# Bump when a field is renamed or removed, so a receiving system can tell the versions apart.
EXPORT_FORMAT = "voorzorg-avg-inzage"
EXPORT_VERSION = 1
POSITIVE_HEALTH_SCORES = (
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
)


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


# --- AVG export (inzage, dataportabiliteit) ---------------------------------------------


def _name(user: Any) -> str | None:
    return user.full_name if user is not None else None


def _org(organisation: Any) -> str | None:
    return organisation.name if organisation is not None else None


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    """Local time, so the printed page and the JSON (ISO 8601 with offset) agree."""
    return timezone.localtime(value) if value is not None else None


def _choice(obj: Any, field: str) -> dict[str, Any]:
    """A choice field as its code (machine-readable) and its Dutch label (readable)."""
    code = getattr(obj, field)
    return {field: code, f"{field}_label": getattr(obj, f"get_{field}_display")() if code else ""}


def _domains(codes: list[str]) -> dict[str, Any]:
    labels = [str(LifeDomain(c).label) if c in LifeDomain.values else c for c in codes]
    return {"life_domains": list(codes), "life_domains_labels": labels}


def participant_export(participant: Participant, membership: Membership | None) -> dict[str, Any]:
    """Everything Voorzorg holds about one participant, and nothing about anyone else.

    For ``membership``: the handover's summary and life-domain status only where
    ``handover_texts_visible`` allows (the administrator's copy is complete; the POH's
    follows the consent to share, like every other view of the handover).

    The one source of the JSON download and the printable page. Group data stops at the
    participant's own enrolments and attendance: no other members, no session notes (a
    group note is about the whole group). Staff names are included: the participant may
    know who handled their data. A fixed number of queries, whatever the amount of data.
    Callers pass the participant through an access gate and write the EXPORT audit row.
    """
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
        )
        .prefetch_related("events__by")
        .order_by("referral_date", "id")
    )
    # The participant's own waiting places, and those a referral points to (an imported
    # episode the POH recognised as this person's wait has no participant link itself).
    texts = handover_texts_visible(membership, [p.pk])
    episodes = (
        WaitingEpisode.objects.filter(Q(participant=p) | Q(referrals__participant=p))
        .select_related("provider", "municipality")
        .distinct()
        .order_by("registration_date", "id")
    )
    return {
        "export": {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generated_at": timezone.localtime(),
        },
        "participant": {
            "public_id": p.public_id,
            "given_name": p.given_name,
            "family_name": p.family_name,
            "date_of_birth": p.date_of_birth,
            "phone": p.phone,
            "email": p.email,
            "postcode4": p.postcode4,
            "municipality": _org(p.municipality),
            "gp_practice": _org(p.gp_practice),
            **_choice(p, "target_group"),
            "prefers_group": p.prefers_group,
            "prefers_one_on_one": p.prefers_one_on_one,
            "prefers_digital": p.prefers_digital,
            "registered_at": _moment(p.created_at),
            "erased_at": _moment(p.erased_at),
        },
        "consents": [
            {
                **_choice(c, "kind"),
                "given_on": c.given_on,
                "recorded_by": _name(c.recorded_by),
                "withdrawn_on": c.withdrawn_on,
                "withdrawn_by": _name(c.withdrawn_by),
            }
            for c in p.consents.select_related("recorded_by", "withdrawn_by").order_by(
                "given_on", "id"
            )
        ],
        "referrals": [_referral(r, texts=p.pk in texts) for r in referrals],
        "waiting_episodes": [
            {
                "id": e.pk,
                "provider": _org(e.provider),
                "external_id": e.external_id,
                "location": e.location,
                "birth_year": e.birth_year,
                "municipality": _org(e.municipality),
                **_choice(e, "care_level"),
                **_choice(e, "diagnosis_group"),
                "referral_date": e.referral_date,
                "registration_date": e.registration_date,
                "intake_date": e.intake_date,
                "treatment_start_date": e.treatment_start_date,
                "closed_date": e.closed_date,
                **_choice(e, "close_reason"),
            }
            for e in episodes
        ],
        "group_enrolments": [
            {
                "group": e.group.name,
                **_choice(e.group, "kind"),
                **_choice(e, "status"),
                "start_date": e.start_date,
                "end_date": e.end_date,
                **_choice(e, "leaving_reason"),
            }
            for e in Enrolment.objects.filter(participant=p)
            .select_related("group")
            .order_by("start_date", "id")
        ],
        "attendance": [
            {
                "group": a.session.group.name,
                "session_starts_at": _moment(a.session.starts_at),
                "topic": a.session.topic,
                **_choice(a, "status"),
            }
            for a in Attendance.objects.filter(participant=p)
            .select_related("session__group")
            .order_by("session__starts_at", "id")
        ],
        "contacts": [
            {
                "date": c.date,
                "expert": _name(c.expert),
                "duration_minutes": c.duration_minutes,
                **_choice(c, "mode"),
                **_domains(c.life_domains),
                **_choice(c, "partner"),
                "partner_organisation": c.partner_organisation,
                "note": c.note,
            }
            for c in Contact.objects.filter(participant=p)
            .select_related("expert")
            .order_by("date", "id")
        ],
        "positive_health": [
            {
                "measured_on": m.measured_on,
                "recorded_by": _name(m.recorded_by),
                **{name: getattr(m, name) for name in POSITIVE_HEALTH_SCORES},
            }
            for m in PositiveHealthMeasurement.objects.filter(participant=p)
            .select_related("recorded_by")
            .order_by("measured_on", "id")
        ],
        "signals": [
            {
                "raised_at": _moment(s.raised_at),
                "raised_by": _name(s.raised_by),
                **_choice(s, "severity"),
                "description": s.description,
                "acknowledged_at": _moment(s.acknowledged_at),
                "acknowledged_by": _name(s.acknowledged_by),
                "acknowledge_note": s.acknowledge_note,
                "resolved_at": _moment(s.resolved_at),
                "resolved_by": _name(s.resolved_by),
                "resolution_note": s.resolution_note,
            }
            for s in Signal.objects.filter(participant=p)
            .select_related("raised_by", "acknowledged_by", "resolved_by")
            .order_by("raised_at", "id")
        ],
    }


def _referral(r: Referral, *, texts: bool) -> dict[str, Any]:
    handover = getattr(r, "handover", None)
    return {
        "id": r.pk,
        **_choice(r, "source"),
        "gp_practice": _org(r.gp_practice),
        "referred_by": _name(r.referred_by),
        "region": r.region.name if r.region else None,
        "referral_date": r.referral_date,
        "help_question": r.help_question,
        **_domains(r.life_domains),
        **_choice(r, "urgency"),
        **_choice(r, "care_level"),
        "intended_provider": _org(r.intended_provider),
        "waiting_episode_id": r.waiting_episode_id,
        **_choice(r, "status"),
        "assigned_expert": _name(r.assigned_expert),
        "decline_reason": r.decline_reason,
        **_choice(r, "close_reason"),
        "first_contact_date": r.first_contact_date,
        "status_changed_at": _moment(r.status_changed_at),
        # The full status history, oldest first (the prefetch keeps the model's ordering).
        "events": [
            {
                "at": _moment(e.at),
                "by": _name(e.by),
                **_choice(e, "from_status"),
                **_choice(e, "to_status"),
                "reason": e.reason,
            }
            for e in r.events.all()
        ],
        "handover": None
        if handover is None
        else {
            "provider": _org(handover.provider),
            "meeting_at": _moment(handover.meeting_at),
            "attends_participant": handover.attends_participant,
            "attends_expert": handover.attends_expert,
            "attends_poh": handover.attends_poh,
            "provider_contact": handover.provider_contact,
            "summary": handover.summary if texts else "",
            "life_domain_status": handover.life_domain_status if texts else "",
            "open_signals_checked": handover.open_signals_checked,
            "provider_acknowledged_on": handover.provider_acknowledged_on,
            "completed_at": _moment(handover.completed_at),
            "completed_by": _name(handover.completed_by),
        },
    }


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
    mine = {"participant": OuterRef("pk")}
    open_referral = Referral.objects.filter(**mine, status__in=sorted(OPEN_STATUSES))
    # A referral without status_changed_at (older data) counts from its last change.
    recent_referral = Referral.objects.filter(**mine).filter(
        Q(status_changed_at__gte=after_cutoff)
        | Q(status_changed_at__isnull=True, updated_at__gte=after_cutoff)
    )
    current_or_recent_place = Enrolment.objects.filter(**mine).filter(
        Q(status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITING]) | Q(end_date__gt=cutoff)
    )
    recent_contact = Contact.objects.filter(**mine, date__gt=cutoff)
    recent_measurement = PositiveHealthMeasurement.objects.filter(**mine, measured_on__gt=cutoff)
    open_or_recent_signal = Signal.objects.filter(**mine).filter(
        Q(resolved_at__isnull=True) | Q(raised_at__gte=after_cutoff)
    )
    return (
        Participant.objects.filter(erased_at__isnull=True, created_at__lt=after_cutoff)
        .exclude(Exists(open_referral))
        .exclude(Exists(recent_referral))
        .exclude(Exists(current_or_recent_place))
        .exclude(Exists(recent_contact))
        .exclude(Exists(recent_measurement))
        .exclude(Exists(open_or_recent_signal))
        .order_by("pk")
    )
