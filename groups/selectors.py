"""Reads about peer groups that leave the app, the access gate for one group, and the
reads the group pages and the groups API share (a group list, a group's details and
roster, its meetings with attendance); the contacts and measurements a membership may see
(pages, REST API and FHIR alike); one participant's contacts and measurements with their
versions, withdrawn ones included, for their own pages; and the scope, the access gate
and the lists of care signals.

Scope (docs/domain.md): an experience expert sees the groups she facilitates, a team lead also
the groups of her region, an admin the groups of her organisation's region(s) (emergency
access opens one person's record, never a group's roster); POH-GGZ and coordinators see
no group (a group's roster is a list of persons).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from participants.constants import ConsentKind, LifeDomain
from participants.models import Consent, Participant
from participants.selectors import participant_scope, participants_for
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, Organisation, User
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.gate import get_for, refuse
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import Display, Version, versions_of

from .constants import AttendanceStatus, EnrolmentStatus, SignalSeverity
from .models import (
    Attendance,
    Contact,
    Enrolment,
    GroupSession,
    PeerGroup,
    PositiveHealthMeasurement,
    Signal,
)


def group_scope(membership: Membership | None) -> Q:
    if membership is None:
        return Q(pk__in=[])
    if membership.role == Role.ADMIN:
        return Q(municipality__regions__in=regions_of(membership))
    if membership.role == Role.EXPERT:
        scope = Q(facilitators=membership.user_id)
        if membership.is_team_lead:
            scope |= Q(municipality__regions__in=regions_of(membership))
        return scope
    return Q(pk__in=[])


def groups_for(membership: Membership | None) -> QuerySet[PeerGroup]:
    """The groups a membership may see. Distinct: the scope joins many-to-many tables."""
    return PeerGroup.objects.filter(
        pk__in=PeerGroup.objects.filter(group_scope(membership)).values("pk")
    )


def group_get_for(actor: Actor, pk: int, *, event: str = "group.view") -> PeerGroup:
    """The access gate for one group: 404 outside scope, audited either way.

    The audit row names the group; views that then show the roster add one row per
    person shown (NEN 7513).
    """
    scoped = groups_for(actor.membership).select_related("municipality")
    return get_for(actor, scoped, pk, event=f"{event}:{pk}")


def leavers_visible_to(membership: Membership | None, group: PeerGroup) -> QuerySet[Enrolment]:
    """The group's ended places whose holder the viewer may still see, newest first.

    Privacy: a place that ends ends what the group's facilitators may know of its holder,
    the leaving reason included. A leaver stays visible only to whom the person is in
    scope otherwise (``participant_scope``): the expert assigned to her referral, a team
    lead or admin of its region, or a facilitator of another group she is still in. The
    FHIR Group's members follow the same rule.
    """
    visible = participants_for(membership).values("pk")
    return (
        group.enrolments.filter(status=EnrolmentStatus.ENDED, participant__in=visible)
        .select_related("participant")
        .order_by("-end_date", "-id")
    )


def enrolment_get_for(actor: Actor, group: PeerGroup, pk: int) -> Enrolment:
    """One place in a group the viewer passed the gate of: 404 for another group's place,
    and for an ended place whose holder she may no longer see (``leavers_visible_to``).

    A refusal is audited without naming anyone; a granted look is audited by the view,
    with the person it shows.
    """
    enrolment = group.enrolments.select_related("participant").filter(pk=pk).first()
    if enrolment is not None and enrolment.status == EnrolmentStatus.ENDED:
        visible = leavers_visible_to(actor.membership, group).filter(pk=enrolment.pk).exists()
        enrolment = enrolment if visible else None
    if enrolment is None:
        raise refuse(actor, event=f"enrolment.view:{pk}")
    return enrolment


# --- Reads shared by the group pages and the groups API -------------------------------------
#
# One function per read, so that "Mijn groepen", the group page and the session page show
# what the API answers, loaded the same way: a fixed number of queries, whatever the
# number of groups, people or meetings. Each takes what passed the gate (a membership,
# a group from ``group_get_for``); none checks access itself beyond the scope it names.

RECENT_LEAVERS = 10  # the roster shows the last ten who left


def _enrolment_count(status: str) -> Coalesce:
    counted = (
        Enrolment.objects.filter(group=OuterRef("pk"), status=status)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _users_by_name() -> QuerySet[User]:
    return User.objects.order_by("full_name", "pk")


def group_list_for(membership: Membership | None) -> QuerySet[PeerGroup]:
    """The groups a membership sees (``groups_for``), as "Mijn groepen" lists them.

    Active groups first, then by name; with the municipality, the facilitators (by name)
    and per group ``active_count`` (places taken), ``waiting_count`` (the waiting list)
    and ``last_session_at``. Counts only: no person is loaded.
    """
    last_session = (
        GroupSession.objects.filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(last=Max("starts_at"))
        .values("last")
    )
    return (
        groups_for(membership)
        .select_related("municipality")
        .prefetch_related(Prefetch("facilitators", queryset=_users_by_name()))
        .annotate(
            active_count=_enrolment_count(EnrolmentStatus.ACTIVE),
            waiting_count=_enrolment_count(EnrolmentStatus.WAITING),
            last_session_at=Subquery(last_session),
        )
        .order_by("-is_active", "name", "pk")
    )


def group_with_details(group: PeerGroup) -> PeerGroup:
    """The group (from its gate) with its facilitators by name and its organisations by
    name loaded (``group.facilitators.all()``, ``group.organisations.all()``)."""
    prefetch_related_objects(
        [group],
        Prefetch("facilitators", queryset=_users_by_name()),
        Prefetch("organisations", queryset=Organisation.objects.order_by("name", "pk")),
    )
    return group


@dataclass(frozen=True)
class Roster:
    """Who a group's page shows: taking part (by name), the waiting list (first come,
    first served) and the last who left whom the viewer may still see."""

    active: list[Enrolment]
    waiting: list[Enrolment]
    recently_left: list[Enrolment]

    @property
    def people(self) -> list[Participant]:
        """Everyone on the roster, for the audit of what was shown."""
        return [e.participant for e in (*self.active, *self.waiting, *self.recently_left)]


def group_roster(membership: Membership | None, group: PeerGroup) -> Roster:
    """The roster of a group the membership passed the gate of, in two queries.

    Leavers follow ``leavers_visible_to``: an ended place ends a facilitator's view of
    its holder, so only those still in the viewer's scope are listed.
    """
    current = list(
        group.enrolments.exclude(status=EnrolmentStatus.ENDED)
        .select_related("participant")
        .order_by("start_date", "id")
    )
    active = sorted(
        (e for e in current if e.status == EnrolmentStatus.ACTIVE),
        key=lambda e: (e.participant.family_name, e.participant.given_name, e.pk),
    )
    waiting = [e for e in current if e.status == EnrolmentStatus.WAITING]
    leavers = list(leavers_visible_to(membership, group)[:RECENT_LEAVERS])
    return Roster(active=active, waiting=waiting, recently_left=leavers)


def _attendance_counts() -> dict[str, Count]:
    return {
        f"{status}_count": Count("attendance", filter=Q(attendance__status=status))
        for status in AttendanceStatus.values
    }


def group_sessions(group: PeerGroup) -> QuerySet[GroupSession]:
    """A group's meetings, newest first, each with who led it (by name) and its counts
    ``present_count``, ``excused_count`` and ``absent_count``: numbers, no person."""
    return (
        group.sessions.annotate(**_attendance_counts())
        .prefetch_related(Prefetch("facilitators_present", queryset=_users_by_name()))
        .order_by("-starts_at", "-pk")
    )


def group_session(group: PeerGroup, session_pk: int) -> GroupSession | None:
    """One meeting of the group, as ``group_sessions`` gives it, with ``attendance_rows``:
    its attendance, participant loaded, by name. None when the group has no such meeting."""
    session = group_sessions(group).filter(pk=session_pk).first()
    if session is not None:
        session.attendance_rows = list(
            Attendance.objects.filter(session=session)
            .select_related("participant")
            .order_by("participant__family_name", "participant__given_name", "pk")
        )
    return session


def session_facilitator_choices(
    group: PeerGroup, user: User, session: GroupSession | None = None
) -> QuerySet[User]:
    """Who may be named as having led a meeting: the group's facilitators, whoever logs it
    (an expert, e.g. a team lead standing in), and anyone already recorded for it."""
    scope = Q(facilitated_groups=group) | Q(pk=user.pk, memberships__role=Role.EXPERT)
    if session is not None:
        scope |= Q(sessions_facilitated=session)
    return User.objects.filter(pk__in=User.objects.filter(scope).values("pk")).order_by(
        "full_name", "pk"
    )


# --- The contacts and measurements a membership may see -------------------------------------
#
# One scope for the contact pages, the REST API and FHIR: the records (those that stand)
# about the participants she may see (``participant_scope``), and none of anyone else.


def _visible_people(membership: Membership | None) -> QuerySet[Participant]:
    # A subquery, so the scope's own joins never multiply the outer rows.
    return participants_for(membership).values("pk")


def contacts_for(membership: Membership | None) -> QuerySet[Contact]:
    """The contacts of the participants a membership may see.

    A GGZ provider's staff: none; a contact is the bridging team's own work, never part
    of the handover.
    """
    if membership is None or membership.role == Role.PROVIDER:
        return Contact.objects.none()
    return Contact.objects.filter(participant__in=_visible_people(membership))


def measurements_for(membership: Membership | None) -> QuerySet[PositiveHealthMeasurement]:
    """The Positieve Gezondheid measurements of the participants a membership may see.

    A GGZ provider's staff: only while the participant's consent to share holds (the rule
    of ``handover_texts_visible``).
    """
    measurements = PositiveHealthMeasurement.objects.filter(
        participant__in=_visible_people(membership)
    )
    if membership is not None and membership.role == Role.PROVIDER:
        consenting = Consent.objects.filter(
            kind=ConsentKind.SHARE_AT_HANDOVER, withdrawn_on__isnull=True
        ).values("participant_id")
        measurements = measurements.filter(participant__in=consenting)
    return measurements


# --- One participant's contacts and measurements, withdrawn ones included -------------------
#
# For the pages of one contact or measurement and the lists that name the withdrawn ones.
# Each takes a participant that passed her gate (``participant_get_for``); a record of
# someone else is not found, like anything out of scope. Everywhere else the default
# manager leaves withdrawn records out.

_WITHDRAWN = ("withdrawn_at", "withdrawn_by", "withdrawn_reason")
CONTACT_VERSIONS = Display(
    hidden=frozenset({"participant", "expert", *_WITHDRAWN}),
    value_labels={"life_domains": dict(LifeDomain.choices)},
)
MEASUREMENT_VERSIONS = Display(hidden=frozenset({"participant", "recorded_by", *_WITHDRAWN}))


def contact_of(participant: Participant, pk: int) -> Contact | None:
    """Her contact ``pk``, withdrawn or not, with its expert; None when she has none."""
    contact = (
        Contact.all_objects.filter(participant=participant, pk=pk)
        .select_related("expert", "withdrawn_by")
        .first()
    )
    if contact is not None:
        contact.participant = participant
    return contact


def measurement_of(participant: Participant, pk: int) -> PositiveHealthMeasurement | None:
    """Her measurement ``pk``, withdrawn or not; None when she has none."""
    measurement = (
        PositiveHealthMeasurement.all_objects.filter(participant=participant, pk=pk)
        .select_related("recorded_by", "withdrawn_by")
        .first()
    )
    if measurement is not None:
        measurement.participant = participant
    return measurement


def withdrawn_contacts(participant: Participant) -> QuerySet[Contact]:
    """Her withdrawn contacts, most recently withdrawn first."""
    return (
        Contact.all_objects.filter(participant=participant, withdrawn_at__isnull=False)
        .select_related("expert", "withdrawn_by")
        .order_by("-withdrawn_at", "-id")
    )


def measurements_of(participant: Participant) -> QuerySet[PositiveHealthMeasurement]:
    """Her measurements that stand, newest first."""
    return (
        PositiveHealthMeasurement.objects.filter(participant=participant)
        .select_related("recorded_by")
        .order_by("-measured_on", "-id")
    )


def withdrawn_measurements(participant: Participant) -> QuerySet[PositiveHealthMeasurement]:
    return (
        PositiveHealthMeasurement.all_objects.filter(
            participant=participant, withdrawn_at__isnull=False
        )
        .select_related("recorded_by", "withdrawn_by")
        .order_by("-withdrawn_at", "-id")
    )


def contact_history_for(actor: Actor, contact: Contact) -> list[Version]:
    """The contact's versions, newest first. Reading them writes its own access-log row
    (R, ``contact.history``)."""
    actor.audit(
        action=AuditAction.READ,
        event=f"contact.history:{contact.pk}",
        person_id=contact.participant.public_id,
    )
    return versions_of(contact, display=CONTACT_VERSIONS)


def measurement_history_for(actor: Actor, measurement: PositiveHealthMeasurement) -> list[Version]:
    """The measurement's versions, newest first, logged like ``contact_history_for``."""
    actor.audit(
        action=AuditAction.READ,
        event=f"positive_health.history:{measurement.pk}",
        person_id=measurement.participant.public_id,
    )
    return versions_of(measurement, display=MEASUREMENT_VERSIONS)


# --- Signals: scope, access gate and reads --------------------------------------------------
#
# Who may act on a signal (``signal_capacities``) is decided with the writes, in
# ``groups.services.signals``, on the same region rule (``lead_region_q``).

# Crisis first, then urgent, then concern.
SEVERITY_RANK = Case(
    When(severity=SignalSeverity.CRISIS, then=0),
    When(severity=SignalSeverity.URGENT, then=1),
    default=2,
)


def lead_region_q(membership: Membership) -> Q:
    """Signals in a team lead's regions: raised by one of her region's experts, or about a
    participant living there (a self-registered participant has no practice, so the
    region's leads follow up).
    """
    regions = regions_of(membership)
    experts_there = Membership.objects.filter(
        role=Role.EXPERT, organisation__municipality__regions__in=regions
    ).values("user_id")
    municipalities_there = Organisation.objects.filter(regions__in=regions).values("pk")
    return Q(raised_by__in=experts_there) | Q(participant__municipality__in=municipalities_there)


def signal_scope(membership: Membership | None) -> Q:
    """The signals a membership may open (the detail page).

    POH-GGZ: her practice's participants. Expert: the signals she raised, those about
    participants she may see (they show on the participant page), and, for a team lead,
    her region's. Admin: those about the participants she may see (her organisation's
    regions, and whoever she holds emergency access to). Anyone else: none.
    """
    if membership is None:
        return Q(pk__in=[])
    if membership.role == Role.ADMIN:
        visible = Participant.objects.filter(participant_scope(membership)).values("pk")
        return Q(participant__in=visible)
    if membership.role == Role.POH:
        return Q(participant__gp_practice=membership.organisation_id)
    if membership.role == Role.EXPERT:
        visible = Participant.objects.filter(participant_scope(membership)).values("pk")
        scope = Q(raised_by=membership.user_id) | Q(participant__in=visible)
        if membership.is_team_lead:
            scope |= lead_region_q(membership)
        return scope
    return Q(pk__in=[])


def signal_list_for(membership: Membership | None) -> QuerySet[Signal]:
    """The Signalen page: open first (crisis, urgent, concern), newest first within.

    POH-GGZ: her practice's signals; expert: the ones she raised; team lead: also her
    region's; admin: those of the participants she may see (``signal_scope``).
    """
    if membership is None:
        return Signal.objects.none()
    if membership.role == Role.EXPERT:
        scope = Q(raised_by=membership.user_id)
        if membership.is_team_lead:
            scope |= lead_region_q(membership)
    elif membership.role in PERSON_RECORD_ROLES:  # POH-GGZ, admin: the expert is above
        scope = signal_scope(membership)
    else:
        return Signal.objects.none()
    return (
        Signal.objects.filter(scope)
        .select_related("participant", "raised_by")
        .annotate(
            open_rank=Case(When(resolved_at__isnull=True, then=0), default=1),
            severity_rank=SEVERITY_RANK,
        )
        .order_by("open_rank", "severity_rank", "-raised_at", "-id")
    )


def signal_get_for(actor: Actor, pk: int) -> Signal:
    """The access gate for one signal: 404 outside scope (never revealing that it
    exists), audited either way with the participant's number.
    """
    scoped = Signal.objects.filter(signal_scope(actor.membership)).select_related(
        "participant__gp_practice",
        "raised_by",
        "acknowledged_by",
        "resolved_by",
    )
    return get_for(
        actor, scoped, pk, event=f"signal.view:{pk}", person_of=lambda s: s.participant.public_id
    )


def open_signal_count(membership: Membership | None) -> int:
    """Open signals waiting for this membership: the menu badge. One query.

    POH-GGZ: her practice's signals not yet seen; team lead: her region's not yet seen;
    anyone else: 0 (the raising expert sees hers on the worklist).
    """
    if membership is None:
        return 0
    if membership.role == Role.POH:
        scope = Q(participant__gp_practice=membership.organisation_id)
    elif membership.role == Role.EXPERT and membership.is_team_lead:
        scope = lead_region_q(membership)
    else:
        return 0
    return Signal.objects.filter(
        scope, acknowledged_at__isnull=True, resolved_at__isnull=True
    ).count()
