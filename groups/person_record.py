"""What groups add to the person record (``participants.registry``).

Registered in ``GroupsConfig.ready()``: the participants an experience expert may see
because she facilitates their group; the group places, attendance, contacts, Positieve
Gezondheid measurements and care signals in the AVG export; the erasure of the free
texts of contacts and signals; the care that keeps the record from expiring; and the
rows that move when two records of one person are merged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from participants import registry
from participants.constants import ERASED
from participants.dossier import choice, life_domains, local_moment, name_of
from participants.models import Participant
from participants.registry import MergeHandler
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.versions import Display, Version, version_export, versions_from_rows

from .constants import EnrolmentStatus
from .models import Attendance, Contact, Enrolment, PositiveHealthMeasurement, Signal, Withdrawable
from .selectors import CONTACT_VERSIONS, MEASUREMENT_VERSIONS

NAME = "groups"
POSITIVE_HEALTH_SCORES = (
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
)
CURRENT_PLACE = (EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITING)


def in_a_group_she_facilitates(membership: Membership) -> Q:
    """Scope contribution (experts): people with a current place (taking part or waiting)
    in a group she facilitates. An ended place ends what the facilitators may know."""
    places = Enrolment.objects.filter(
        group__facilitators=membership.user_id, status__in=CURRENT_PLACE
    ).values("participant_id")
    return Q(pk__in=places)


def _versions_by_record(
    model: type[Withdrawable], pks: list[int], display: Display
) -> dict[int, list[Version]]:
    """Every kept version of these records, oldest first, in a fixed number of queries."""
    rows = (
        model.history.filter(id__in=pks)  # type: ignore[attr-defined]
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    found: dict[int, list[Version]] = defaultdict(list)
    for version in versions_from_rows(model, rows, display=display):
        found[version.record_id].append(version)
    return found


def _withdrawn(record: Withdrawable) -> dict[str, Any]:
    return {
        "withdrawn_at": local_moment(record.withdrawn_at),
        "withdrawn_by": name_of(record.withdrawn_by),
        "withdrawn_reason": record.withdrawn_reason,
    }


def dossier_section(participant: Participant, membership: Membership | None) -> dict[str, Any]:
    """Her own group places and attendance (no other members, no session notes), her
    contacts and measurements (withdrawn ones too, marked, with every kept version) and
    care signals."""
    p = participant
    contacts = list(
        Contact.all_objects.filter(participant=p)
        .select_related("expert", "withdrawn_by")
        .order_by("date", "id")
    )
    measurements = list(
        PositiveHealthMeasurement.all_objects.filter(participant=p)
        .select_related("recorded_by", "withdrawn_by")
        .order_by("measured_on", "id")
    )
    contact_versions = _versions_by_record(Contact, [c.pk for c in contacts], CONTACT_VERSIONS)
    measurement_versions = _versions_by_record(
        PositiveHealthMeasurement, [m.pk for m in measurements], MEASUREMENT_VERSIONS
    )
    return {
        "group_enrolments": [
            {
                "group": e.group.name,
                **choice(e.group, "kind"),
                **choice(e, "status"),
                "start_date": e.start_date,
                "end_date": e.end_date,
                **choice(e, "leaving_reason"),
            }
            for e in Enrolment.objects.filter(participant=p)
            .select_related("group")
            .order_by("start_date", "id")
        ],
        "attendance": [
            {
                "group": a.session.group.name,
                "session_starts_at": local_moment(a.session.starts_at),
                "topic": a.session.topic,
                **choice(a, "status"),
            }
            for a in Attendance.objects.filter(participant=p)
            .select_related("session__group")
            .order_by("session__starts_at", "id")
        ],
        "contacts": [
            {
                "date": c.date,
                "expert": name_of(c.expert),
                "duration_minutes": c.duration_minutes,
                **choice(c, "mode"),
                **life_domains(c.life_domains),
                **choice(c, "partner"),
                "partner_organisation": c.partner_organisation,
                "note": c.note,
                **_withdrawn(c),
                "versions": [version_export(v) for v in contact_versions[c.pk]],
            }
            for c in contacts
        ],
        "positive_health": [
            {
                "measured_on": m.measured_on,
                "recorded_by": name_of(m.recorded_by),
                **{name: getattr(m, name) for name in POSITIVE_HEALTH_SCORES},
                **_withdrawn(m),
                "versions": [version_export(v) for v in measurement_versions[m.pk]],
            }
            for m in measurements
        ],
        "signals": [
            {
                "raised_at": local_moment(s.raised_at),
                "raised_by": name_of(s.raised_by),
                **choice(s, "severity"),
                "description": s.description,
                "acknowledged_at": local_moment(s.acknowledged_at),
                "acknowledged_by": name_of(s.acknowledged_by),
                "acknowledge_note": s.acknowledge_note,
                "resolved_at": local_moment(s.resolved_at),
                "resolved_by": name_of(s.resolved_by),
                "resolution_note": s.resolution_note,
            }
            for s in Signal.objects.filter(participant=p)
            .select_related("raised_by", "acknowledged_by", "resolved_by")
            .order_by("raised_at", "id")
        ],
    }


def erase(participant: Participant) -> None:
    """Empty the free texts of her contacts and care signals (bulk updates), withdrawn
    contacts and earlier versions included.

    Group places, attendance, scores, signal times and the kind of network partner a
    contact referred to (a code, no text) stay: the figures count them. The partner
    organisation's name is free text and goes.
    """
    contacts = Contact.all_objects.filter(participant=participant)
    texts = {"note": "", "life_domains": [], "partner_organisation": ""}
    contacts.update(**texts)
    # A withdrawn record must keep a reason (constraint *_withdrawn_has_reason).
    contacts.exclude(withdrawn_reason="").update(withdrawn_reason=ERASED)
    measurements = PositiveHealthMeasurement.all_objects.filter(participant=participant)
    measurements.exclude(withdrawn_reason="").update(withdrawn_reason=ERASED)
    # Earlier versions hold the same texts (a note before its correction), and the
    # reasons of corrections and withdrawals are free text about the person.
    contact_history = Contact.history.filter(
        Q(participant_id=participant.pk) | Q(id__in=contacts.values("pk"))
    )
    contact_history.update(**texts, history_change_reason="")
    contact_history.exclude(withdrawn_reason="").update(withdrawn_reason=ERASED)
    measurement_history = PositiveHealthMeasurement.history.filter(
        Q(participant_id=participant.pk) | Q(id__in=measurements.values("pk"))
    )
    measurement_history.update(history_change_reason="")
    measurement_history.exclude(withdrawn_reason="").update(withdrawn_reason=ERASED)
    signals = Signal.objects.filter(participant=participant)
    signals.update(description="", acknowledge_note="")
    # A resolved signal must keep a non-empty note (constraint signal_resolved_has_note).
    signals.exclude(resolution_note="").update(resolution_note=ERASED)


def place_hold(cutoff: dt.date, after_cutoff: dt.datetime) -> QuerySet[Enrolment]:
    """A group place (taking part or waiting), or one that ended after the cutoff."""
    return Enrolment.objects.filter(participant=OuterRef("pk")).filter(
        Q(status__in=CURRENT_PLACE) | Q(end_date__gt=cutoff)
    )


def contact_hold(cutoff: dt.date, after_cutoff: dt.datetime) -> QuerySet[Contact]:
    return Contact.objects.filter(participant=OuterRef("pk"), date__gt=cutoff)


def measurement_hold(cutoff: dt.date, after_cutoff: dt.datetime) -> QuerySet:
    return PositiveHealthMeasurement.objects.filter(
        participant=OuterRef("pk"), measured_on__gt=cutoff
    )


def signal_hold(cutoff: dt.date, after_cutoff: dt.datetime) -> QuerySet[Signal]:
    """A care signal still unresolved, or raised after the cutoff."""
    return Signal.objects.filter(participant=OuterRef("pk")).filter(
        Q(resolved_at__isnull=True) | Q(raised_at__gte=after_cutoff)
    )


# What moves in a merge, each under its key in ``ParticipantMerge.moved``, with its label.
MOVING = (
    ("groups.enrolment", Enrolment),
    ("groups.attendance", Attendance),
    ("groups.contact", Contact),
    ("groups.positivehealthmeasurement", PositiveHealthMeasurement),
    ("groups.signal", Signal),
)


def merge_refusal(merged: Participant, kept: Participant) -> str | None:
    """One person holds one current place per group, and is at a meeting once: when both
    records do, an expert must end one place first (no place is ended silently)."""
    both_in = (
        Enrolment.objects.filter(participant=merged, status__in=CURRENT_PLACE)
        .filter(
            group__in=Enrolment.objects.filter(participant=kept, status__in=CURRENT_PLACE).values(
                "group"
            )
        )
        .select_related("group")
        .first()
    )
    if both_in is not None:
        return _(
            "Beide dossiers hebben een plaats in de groep %(group)s. Beëindig eerst één van "
            "die plaatsen en voeg daarna samen."
        ) % {"group": both_in.group.name}
    same_meeting = Attendance.objects.filter(
        participant=merged,
        session__in=Attendance.objects.filter(participant=kept).values("session"),
    ).exists()
    if same_meeting:
        return _(
            "Beide dossiers staan op de aanwezigheidslijst van dezelfde bijeenkomst; "
            "corrigeer die lijst eerst."
        )
    return None


# Merging moves every row, withdrawn contacts and measurements included (their default
# managers hide those): ``_base_manager`` sees them all.
def merge_move(merged: Participant, kept: Participant) -> dict[str, list[int]]:
    moved = {}
    for key, model in MOVING:
        ids = sorted(model._base_manager.filter(participant=merged).values_list("pk", flat=True))
        model._base_manager.filter(pk__in=ids).update(participant=kept)
        moved[key] = ids
    return moved


def merge_restore(moved: dict[str, list[int]], merged: Participant, kept: Participant) -> None:
    for key, model in MOVING:
        model._base_manager.filter(pk__in=moved.get(key, []), participant=kept).update(
            participant=merged
        )


def merge_count(participant: Participant) -> dict[str, int]:
    labels = {
        "groups.enrolment": _("Groepsplaatsen"),
        "groups.attendance": _("Aanwezigheid bij bijeenkomsten"),
        "groups.contact": _("Contacten"),
        "groups.positivehealthmeasurement": _("Metingen Positieve Gezondheid"),
        "groups.signal": _("Zorgsignalen"),
    }
    return {
        labels[key]: model._base_manager.filter(participant=participant).count()
        for key, model in MOVING
    }


def register() -> None:
    registry.register_scope(NAME, roles=[Role.EXPERT], contribution=in_a_group_she_facilitates)
    registry.register_dossier_section(NAME, position=20, build=dossier_section)
    registry.register_erasure(NAME, erase)
    registry.register_retention_hold(f"{NAME}.places", place_hold)
    registry.register_retention_hold(f"{NAME}.contacts", contact_hold)
    registry.register_retention_hold(f"{NAME}.measurements", measurement_hold)
    registry.register_retention_hold(f"{NAME}.signals", signal_hold)
    registry.register_merge(
        NAME,
        MergeHandler(
            move=merge_move, restore=merge_restore, count=merge_count, refusal=merge_refusal
        ),
    )
