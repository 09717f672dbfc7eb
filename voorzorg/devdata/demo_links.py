"""The demo's referrals linked to the providers' own waiting places, and a handover that
waits for the provider.

Part of ``seed_demo``, after the demo waitlist (``demo_waitlist``) is in: several demo
referrals get the provider's client reference of one of that provider's imported places
(``referral_link``, as a real provider's staff member or POH-GGZ would record it), so the
bridging coverage on the dashboard counts them. Lotte's place shows an intake and
Annelies' a treatment start, so their experts see "Overdracht nodig"; Lotte's handover
is prepared and waits for GGZ Noorderlicht to confirm it in the app.

Idempotent: a referral that has a reference is left alone, and so is a prepared handover.
Deterministic: the places are chosen by fixed rules from the demo waitlist, which is the
same for the same day.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from referrals.models import Handover, Referral, WaitingEpisode
from referrals.provider_services import referral_link
from referrals.selectors import PROVIDER_VISIBLE_STATUSES
from referrals.services import handover_save
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import User
from voorzorg.audit.services import Actor
from voorzorg.core.models import OutboxMessage
from voorzorg.notifications.models import Notification
from voorzorg.notifications.tasks import notification_email

from .demo_waitlist import EXTERNAL_ID_PREFIX
from .demo_world import demo_actor

# Demo participant -> what her provider's place shows: still waiting for the intake,
# waiting for treatment after the intake, or treatment started.
LINKS: list[tuple[str, str]] = [
    ("VZ-DEMO0001", "waiting"),
    ("VZ-DEMO0002", "waiting"),
    ("VZ-DEMO0003", "intake"),
    ("VZ-DEMO0006", "waiting"),
    ("VZ-DEMO0007", "started"),
]
# Whose handover is prepared and waits for the provider's confirmation.
AWAITING_CONFIRMATION = "VZ-DEMO0003"


def provider_staff_user(provider_id: int) -> User | None:
    """The provider's first active demo staff member, if it has one."""
    return (
        User.objects.filter(
            memberships__role=Role.PROVIDER,
            memberships__organisation_id=provider_id,
            is_active=True,
        )
        .order_by("pk")
        .first()
    )


def _free_places(provider_id: int, stage: str) -> QuerySet[WaitingEpisode]:
    """The provider's imported demo places linked to nobody, in ``stage``, newest first."""
    places = WaitingEpisode.objects.filter(
        provider_id=provider_id,
        external_id__startswith=EXTERNAL_ID_PREFIX,
        participant__isnull=True,
    )
    if stage == "waiting":
        return places.filter(intake_date__isnull=True, closed_date__isnull=True).order_by(
            "-registration_date", "external_id"
        )
    if stage == "intake":
        return places.filter(
            intake_date__isnull=False,
            treatment_start_date__isnull=True,
            closed_date__isnull=True,
        ).order_by("-intake_date", "external_id")
    return places.filter(treatment_start_date__isnull=False).order_by(
        "-treatment_start_date", "external_id"
    )


def _linker(referral: Referral) -> Actor:
    """Who records the reference: the provider's own staff once the referral reaches
    them, else the referring POH-GGZ."""
    if referral.status in PROVIDER_VISIBLE_STATUSES:
        staff = provider_staff_user(referral.intended_provider_id)
        if staff is not None:
            return demo_actor(staff)
    return demo_actor(referral.referred_by)


def seed_demo_links(*, today: dt.date) -> None:
    """Link the demo referrals of ``LINKS`` and prepare the handover that waits for the
    provider. Their notifications stay in the inboxes, unread; no e-mail goes out."""
    first_new = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    referrals = {
        r.participant.public_id: r
        for r in Referral.objects.filter(
            participant__public_id__in=[pid for pid, _stage in LINKS]
        ).select_related("participant", "waiting_episode", "referred_by")
    }
    for pid, stage in LINKS:
        referral = referrals.get(pid)
        if referral is None or referral.provider_reference or referral.intended_provider_id is None:
            continue
        place = _free_places(referral.intended_provider_id, stage).first()
        if place is None:
            continue
        referral_link(actor=_linker(referral), referral=referral, reference=place.external_id)
    _prepare_handover(referrals.get(AWAITING_CONFIRMATION), today=today)
    # Mail about demo steps would go out at every seed: the inbox is enough.
    for pk in Notification.objects.filter(pk__gt=first_new).values_list("pk", flat=True):
        OutboxMessage.objects.filter(
            task_name=notification_email.name, args=[pk], done_at__isnull=True
        ).delete()


def _prepare_handover(referral: Referral | None, *, today: dt.date) -> None:
    """The expert prepares the warm handover to the provider of the linked place; the
    provider's staff are asked to confirm it (they have a demo login)."""
    if referral is None or referral.waiting_episode_id is None:
        return
    if Handover.objects.filter(referral=referral).exists():
        return
    referral.refresh_from_db()
    handover_save(
        actor=demo_actor(referral.assigned_expert),
        referral=referral,
        provider=referral.waiting_episode.provider,
        meeting_at=timezone.make_aware(
            dt.datetime.combine(today + dt.timedelta(days=6), dt.time(10, 30))
        ),
        attends_poh=True,
        provider_contact="M. de Groot, regiebehandelaar",
        summary="Komt elke week naar de voorzorggroep; slaapt beter sinds de zomer.",
        life_domain_status="Werk: re-integratie loopt. Sociale relaties: vaste groep.",
        participant_words="Ik wil graag dat mijn behandelaar weet dat de groep mij helpt.",
    )
