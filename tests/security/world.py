"""A small world for the security tests: practice A's records in region Groningen, and a
foreign region's records (Amsterdam) that no persona has in scope."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from groups.models import GroupSession
from participants.models import Participant, ParticipantMerge
from referrals.models import Handover
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    RegionFactory,
    SignalFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import BreakGlassGrant
from voorzorg.notifications.kinds import NotificationKind
from voorzorg.notifications.models import Notification


def _records(*, participant, referral, practice, municipality, region, provider, expert, tag, now):
    """One organisation's records around ``participant`` (who has ``referral``)."""
    episode = WaitingEpisodeFactory(participant=participant, provider=provider)
    # A second participant of the same practice, in bridging care and handed over.
    handed_over = ParticipantFactory(
        gp_practice=practice, municipality=municipality, family_name=f"Overdracht {tag}"
    )
    referral_h = ReferralFactory(
        in_bridging=True,
        participant=handed_over,
        region=region,
        assigned_expert=expert,
        intended_provider=provider,
    )
    handover = Handover.objects.create(
        referral=referral_h,
        provider=provider,
        meeting_at=dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC),
        summary="Doet mee aan de groep; slaapt beter.",
        completed_at=now,
    )
    group = PeerGroupFactory(name=f"Groep {tag}", municipality=municipality, facilitators=[expert])
    enrolment = EnrolmentFactory(participant=participant, group=group)
    session = GroupSession.objects.create(
        group=group, starts_at=dt.datetime(2026, 11, 10, 18, 30, tzinfo=dt.UTC), topic="Slapen"
    )
    contact = ContactFactory(participant=participant, expert=expert)
    measurement = PositiveHealthMeasurementFactory(participant=participant, recorded_by=expert)
    signal = SignalFactory(participant=participant, raised_by=expert)
    # A second record of the same person, merged into ``participant`` this morning.
    duplicate = ParticipantFactory(
        gp_practice=practice, municipality=municipality, family_name=f"Dubbel {tag}"
    )
    merge = ParticipantMerge.objects.create(
        kept=participant,
        merged=duplicate,
        merged_at=now,
        merged_by=expert,
        reason="Twee keer aangemeld.",
        moved={},
    )
    Participant.objects.filter(pk=duplicate.pk).update(merged_into=participant)
    # The expert's notification of her new participant: only she may open or mark it.
    notification = Notification.objects.create(
        recipient=expert,
        membership=expert.memberships.first(),
        kind=NotificationKind.ASSIGNMENT_NEW,
        person_id=handed_over.public_id,
        link=reverse("referrals:detail", args=[referral_h.pk]),
    )
    return {
        "participant": participant,
        "referral": referral,
        "practice": practice,
        "episode": episode,
        "referral_h": referral_h,
        "handover": handover,
        "group": group,
        "enrolment": enrolment,
        "session": session,
        "contact": contact,
        "measurement": measurement,
        "signal": signal,
        "merge": merge,
        "notification": notification,
    }


def build_world(
    *,
    participant_a,
    referral_a,
    practice_a,
    municipality,
    region,
    provider,
    expert_eva,
    admin_ada,
    now: dt.datetime,
):
    """Both regions' records as of ``now``, the moment the caller has frozen the clock at
    (the emergency-access grant runs from then, by the clock the code checks)."""
    home = _records(
        participant=participant_a,
        referral=referral_a,
        practice=practice_a,
        municipality=municipality,
        region=region,
        provider=provider,
        expert=expert_eva,
        tag="A",
        now=now,
    )
    far_municipality = OrganisationFactory(
        municipality_kind=True, name="Gemeente Amsterdam", cbs_code="GM0363"
    )
    far_region = RegionFactory(name="Amsterdam")
    far_region.municipalities.add(far_municipality)
    far_practice = OrganisationFactory(name="Praktijk Zuid", municipality=far_municipality)
    far_provider = OrganisationFactory(provider=True, municipality=far_municipality)
    far_welfare = OrganisationFactory(welfare=True, municipality=far_municipality)
    far_expert = UserFactory(email="zoe@voorzorg.test", full_name="Zoë Ver")
    MembershipFactory(user=far_expert, organisation=far_welfare, role=Role.EXPERT)
    far_participant = ParticipantFactory(
        gp_practice=far_practice, municipality=far_municipality, family_name="Verweg"
    )
    far_referral = ReferralFactory(participant=far_participant, region=far_region)
    foreign = _records(
        participant=far_participant,
        referral=far_referral,
        practice=far_practice,
        municipality=far_municipality,
        region=far_region,
        provider=far_provider,
        expert=far_expert,
        tag="Z",
        now=now,
    )
    # Emergency access asked by another administrator: what admin_ada may review.
    admin_bob = UserFactory(email="bob@voorzorg.test", full_name="Bob de Beheerder")
    MembershipFactory(user=admin_bob, organisation=municipality, role=Role.ADMIN)
    home["grant"] = BreakGlassGrant.objects.create(
        user=admin_bob,
        membership=admin_bob.memberships.get(),
        person_id=far_participant.public_id,
        reason="Storing gemeld door de POH: dossier opent niet, controle nodig.",
        granted_at=now,
        expires_at=now + dt.timedelta(minutes=30),
    )
    home["api_token"] = _token_of(expert_eva)
    foreign["api_token"] = _token_of(far_expert)
    # What the functional administrator's pages manage: a region, a staff account, a role.
    home["region"], foreign["region"] = region, far_region
    home["account"], foreign["account"] = expert_eva, far_expert
    home["account_role"] = expert_eva.memberships.get()
    foreign["account_role"] = far_expert.memberships.get()
    # A finished waitlist import in each region (a background job's page and refusals).
    home["job"] = _import_job(user=admin_ada, region=region, now=now)
    far_admin = UserFactory(email="yara@voorzorg.test", full_name="Yara Beheer")
    MembershipFactory(user=far_admin, organisation=far_municipality, role=Role.ADMIN)
    foreign["job"] = _import_job(user=far_admin, region=far_region, now=now)
    return {"home": home, "foreign": foreign}


def _import_job(*, user, region, now):
    from monitoring.constants import JobKind, JobState
    from monitoring.models import BackgroundJob, BackgroundJobIssue

    job = BackgroundJob.objects.create(
        kind=JobKind.WAITLIST_IMPORT,
        state=JobState.DONE,
        created_by=user,
        membership=user.memberships.get(),
        params={"filename": "aanbieder.csv", "dry_run": False},
        result={"filename": "aanbieder.csv", "rows": 2, "invalid_rows": 1, "error_count": 1},
        created_at=now,
        finished_at=now,
    )
    job.regions.add(region)
    BackgroundJobIssue.objects.create(
        job=job, line=3, column="care_level", message="Onbekende zorgzwaarte 'zwaar'."
    )
    return job


def _token_of(user):
    from voorzorg.api.services import token_create
    from voorzorg.audit.services import Actor

    membership = user.memberships.first()
    token, _secret = token_create(
        actor=Actor(user=user, membership=membership),
        membership=membership,
        name="HIS-koppeling",
        lifetime_days=90,
    )
    return token
