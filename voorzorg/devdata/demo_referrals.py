"""Demo participants and referrals in every status, walked there through the services.

Part of ``seed_demo``: each referral is registered and moved on by the services a
real team would use (so the audit log fills as in use), then its history is spread
over the weeks it stands for.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from participants.models import Participant
from participants.services import consent_give
from referrals.models import Referral, ReferralEvent, WaitingEpisode
from referrals.provider_services import handover_confirm
from referrals.registration_services import referral_register, referral_self_register
from referrals.services import (
    handover_complete,
    handover_save,
    referral_accept,
    referral_close,
    referral_decline,
    referral_record_first_contact,
    referral_withdraw,
)
from voorzorg.accounts.models import Organisation, User
from voorzorg.audit.services import Actor
from voorzorg.core.models import OutboxMessage
from voorzorg.notifications.kinds import NotificationKind
from voorzorg.notifications.models import Notification
from voorzorg.notifications.tasks import notification_email

from .demo_links import provider_staff_user
from .demo_world import SECOND_MUNICIPALITIES, demo_actor

# Demo participants: (public id, practice AGB, given name, family name, municipality CBS,
# days since referral, status to walk to, waiting episode as (provider AGB, days since
# registration, days since intake or None) or None). Practice 01990003 has no demo POH:
# its patient signed up herself.
DEMO_PARTICIPANTS: list[tuple[str, str, str, str, str, int, str, tuple | None]] = [
    ("VZ-DEMO0001", "01990001", "Sanne", "Kuipers", "GM0014", 2, "submitted", ("22990001", 20, None)),
    ("VZ-DEMO0002", "01990001", "Mohammed", "El Idrissi", "GM0014", 9, "accepted", ("22990001", 40, None)),
    ("VZ-DEMO0003", "01990001", "Lotte", "Hoekstra", "GM0014", 30, "in_bridging", ("22990001", 75, 30)),
    ("VZ-DEMO0004", "01990001", "Jan", "Dijkstra", "GM0014", 120, "handed_over", ("22990001", 130, 90)),
    ("VZ-DEMO0005", "01990001", "Fenna", "Bos", "GM0014", 60, "declined", None),
    ("VZ-DEMO0006", "01990002", "Ricardo", "Oosterhof", "GM0037", 4, "submitted", ("22990003", 10, None)),
    ("VZ-DEMO0007", "01990002", "Annelies", "Brouwer", "GM0037", 45, "in_bridging", ("22990003", 110, None)),
    ("VZ-DEMO0008", "01990002", "Piet", "Wiersma", "GM0037", 80, "closed", ("22990003", 95, 60)),
    ("VZ-DEMO0009", "01990002", "Kim", "Veenstra", "GM0047", 15, "withdrawn", None),
    ("VZ-DEMO0010", "01990003", "Yara", "Haddad", "GM0047", 1, "submitted", ("22990002", 35, None)),
    # Region Drenthe (Dirk's practice, Noor's team).
    ("VZ-DEMO0101", "01990011", "Iris", "Smeenge", "GM0106", 3, "submitted", None),
    ("VZ-DEMO0102", "01990011", "Bert", "Lanting", "GM0114", 25, "in_bridging", None),
]  # fmt: skip


def seed_demo_referrals() -> None:
    """Participants and referrals in every status, walked there through the services.

    Idempotent: a demo participant that exists is never walked again (so a database seeded
    before the second region existed gets just the second region's people).
    """
    existing = set(
        Participant.objects.filter(public_id__startswith="VZ-DEMO").values_list(
            "public_id", flat=True
        )
    )
    today = timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__endswith="@voorzorg.example")}
    poh_of = {
        "01990001": "anna.poh@voorzorg.example",
        "01990002": "bram.poh@voorzorg.example",
        "01990011": "dirk.poh@voorzorg.example",
    }
    for row in DEMO_PARTICIPANTS:
        if row[0] in existing:
            continue
        # One transaction per person, so that her notifications' e-mails are settled
        # before the commit would hand them to the broker (``_settle_notifications``).
        with transaction.atomic():
            _seed_one(row, today=today, users=users, poh_of=poh_of)


def _seed_one(
    row: tuple, *, today: dt.date, users: dict[str, User], poh_of: dict[str, str]
) -> None:
    """Register one demo participant's referral and walk it to its status."""
    pid, agb, given, family, cbs, days_ago, target, episode = row
    second = {code for code, _name in SECOND_MUNICIPALITIES}
    postcodes = {"GM0014": "9700", "GM0106": "9400", "GM0114": "7800"}
    # Each region's team lead accepts its referrals, for an expert of that region.
    lead_email = "noor.expert@voorzorg.example" if cbs in second else "eva.expert@voorzorg.example"
    lead = demo_actor(users[lead_email])
    municipality = Organisation.objects.get(cbs_code=cbs)
    person = {
        "given_name": given,
        "family_name": family,
        # A number of her own: one shared number would make them possible duplicates.
        "phone": f"06 2000 {DEMO_PARTICIPANTS.index(row) + 1:04d}",
        "email": f"{given.lower()}@example.org",
        "municipality": municipality,
        "postcode4": postcodes.get(cbs, "9500"),
    }
    if agb in poh_of:
        referral = referral_register(
            actor=demo_actor(users[poh_of[agb]]),
            participant_data={**person, "date_of_birth": dt.date(1985, 5, 17)},
            consent_processing=True,
            referral_date=today - dt.timedelta(days=days_ago),
            help_question="Wacht al maanden op behandeling; somber, geen werk, weinig contact.",
            life_domains=["werk", "sociale_relaties"],
            urgency="high" if days_ago < 5 else "normal",
            care_level="gb-ggz",
            intended_provider=(Organisation.objects.get(agb_code=episode[0]) if episode else None),
        )
    else:
        referral = referral_self_register(
            actor=demo_actor(None),
            participant_data=person,
            help_question="Ik sta op de wachtlijst en zit erg in de put.",
            consent_processing=True,
        )
    participant = referral.participant
    # A recognisable, stable id for the demo people.
    first_number = participant.public_id
    Participant.objects.filter(pk=participant.pk).update(public_id=pid)
    participant.public_id = pid
    if episode:
        provider_agb, registered_ago, intake_ago = episode
        wait = WaitingEpisode(
            participant=participant,
            provider=Organisation.objects.get(agb_code=provider_agb),
            municipality=municipality,
            care_level="gb-ggz",
            referral_date=today - dt.timedelta(days=registered_ago + 3),
            registration_date=today - dt.timedelta(days=registered_ago),
            intake_date=today - dt.timedelta(days=intake_ago) if intake_ago else None,
        )
        wait.full_clean()
        wait.save()
        referral.waiting_episode = wait
        referral.save(update_fields=["waiting_episode"])
    expert = users["finn.expert@voorzorg.example" if pid == "VZ-DEMO0007" else lead_email]
    _walk(referral, target, lead=lead, expert=expert, today=today, days_ago=days_ago)
    _backdate_history(referral.pk, today=today)
    _settle_notifications(referral.pk, number=pid, first_number=first_number)


# The status event each kind of notification tells of.
TOLD_AT = {
    NotificationKind.REFERRAL_NEW: "submitted",
    NotificationKind.REFERRAL_ACCEPTED: "accepted",
    NotificationKind.REFERRAL_ASSIGNED: "accepted",
    NotificationKind.ASSIGNMENT_NEW: "accepted",
    NotificationKind.REFERRAL_DECLINED: "declined",
    NotificationKind.FIRST_CONTACT: "in_bridging",
    NotificationKind.HANDOVER_COMPLETED: "handed_over",
    NotificationKind.HANDOVER_ADDRESSED: "handed_over",
    NotificationKind.HANDOVER_CONFIRMED: "handed_over",
    NotificationKind.HANDOVER_RECEIVED: "handed_over",
}


def _settle_notifications(referral_id: int, *, number: str, first_number: str) -> None:
    """The demo referral's notifications as if told when each step happened.

    Each at its step's (backdated) moment, with the demo number the participant got
    after registering, and read once older than two days, so the inboxes show a few
    new ones. Not mailed: recorded e-mails about steps of weeks ago would go out at
    every seed; they are taken out of the outbox before the commit hands them over.
    """
    moments = dict(
        ReferralEvent.objects.filter(referral_id=referral_id).values_list("to_status", "at")
    )
    recent = timezone.now() - dt.timedelta(days=2)
    told = Notification.objects.filter(dedupe_key__startswith=f"referral:{referral_id}:")
    for notification in told:
        at = moments.get(TOLD_AT.get(notification.kind, ""), notification.created_at)
        Notification.objects.filter(pk=notification.pk).update(
            created_at=at,
            read_at=at if at < recent else None,
            person_id=number if notification.person_id == first_number else notification.person_id,
        )
        OutboxMessage.objects.filter(
            task_name=notification_email.name, args=[notification.pk], done_at__isnull=True
        ).delete()


def _backdate_history(referral_id: int, *, today: dt.date) -> None:
    """Spread a demo referral's status history over the weeks it stands for.

    The walk above happens in one second; without this the timeline would say a referral
    from a month ago was submitted, accepted and started today. Only demo seeding rewrites
    history; the application itself only ever appends events.
    """
    referral = Referral.objects.get(pk=referral_id)
    day_of = {
        "submitted": referral.referral_date,
        "accepted": min(referral.referral_date + dt.timedelta(days=1), today),
        "declined": min(referral.referral_date + dt.timedelta(days=2), today),
        "withdrawn": min(referral.referral_date + dt.timedelta(days=3), today),
        "in_bridging": referral.first_contact_date or today,
        "handed_over": today - dt.timedelta(days=1),
        "closed": today,
    }
    for hour, event in enumerate(referral.events.order_by("id"), start=9):
        moment = dt.datetime.combine(day_of[event.to_status], dt.time(hour))
        ReferralEvent.objects.filter(pk=event.pk).update(at=timezone.make_aware(moment))


def _walk(
    referral: Referral, target: str, *, lead: Actor, expert: User, today: dt.date, days_ago: int
) -> None:
    """Move a fresh referral to ``target`` the way the team would."""
    if target == "submitted":
        return
    if target == "declined":
        referral_decline(
            actor=lead, referral=referral, reason="Past beter bij het wijkteam; daarheen verwezen."
        )
        return
    if target == "withdrawn":
        referral_withdraw(actor=lead, referral=referral, reason="Deelnemer ziet er toch van af.")
        return
    referral = referral_accept(actor=lead, referral=referral, expert=expert)
    if target == "accepted":
        return
    as_expert = demo_actor(expert)
    referral = referral_record_first_contact(
        actor=as_expert,
        referral=referral,
        contact_date=today - dt.timedelta(days=max(days_ago - 5, 0)),
    )
    if target == "in_bridging":
        return
    if target == "closed":
        referral_close(actor=as_expert, referral=referral, close_reason="no_longer_needed")
        return
    consent_give(actor=as_expert, participant=referral.participant, kind="share_at_handover")
    provider = referral.waiting_episode.provider
    received_on = today - dt.timedelta(days=2)
    # A provider with staff in the app confirms the handover itself; for one without,
    # the expert types the date its confirmation came.
    staff = provider_staff_user(provider.pk)
    handover_save(
        actor=as_expert,
        referral=referral,
        provider=provider,
        meeting_at=timezone.now() - dt.timedelta(days=3),
        attends_poh=True,
        provider_contact="M. de Groot, regiebehandelaar",
        summary="Wekelijks in de voorzorggroep; schulden in beeld bij schuldhulpverlening.",
        life_domain_status="Financiën: regeling loopt. Sociale relaties: vaste groep.",
        open_signals_checked=True,
        **({} if staff else {"provider_acknowledged_on": received_on}),
    )
    if staff is not None:
        handover_confirm(actor=demo_actor(staff), referral=referral, received_on=received_on)
    handover_complete(actor=as_expert, referral=referral)
