"""Demo answers of the experience at handover, so its three effect figures show.

Part of ``seed_demo``, before the figures are computed. A mean is shown from ten answers
on (the small-cell rule), so the demo holds fourteen past handovers in region Groningen
whose participants answered in the previous quarter, plus the answers of the demo
handover of this week (VZ-DEMO0004), recorded through the service as the expert would.

The past handovers are history: written as they stand now (closed after treatment
started, handover completed, answers given), not walked through the services, which
would date every step today. Idempotent: a past demo person that exists is not made again.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from monitoring.periods import Period, PeriodKind
from participants.constants import ConsentKind
from participants.models import Consent, Participant
from referrals.constants import ExperienceEnteredBy, ReferralStatus
from referrals.experience_services import experience_record
from referrals.models import Handover, HandoverExperience, Referral, ReferralEvent
from voorzorg.accounts.models import Organisation, Region, User
from voorzorg.core.dates import local_midnight

from .demo_world import DEMO_REGION, demo_actor

# (public id, given name, family name, municipality CBS, practice AGB, the three marks,
# whether she answered on her one-time link herself)
PAST_HANDOVERS: list[tuple[str, str, str, str, str, tuple[int, int, int], bool]] = [
    ("VZ-DEMOH01", "Anouk", "Zijlstra", "GM0014", "01990001", (8, 9, 6), True),
    ("VZ-DEMOH02", "Bas", "Mulder", "GM0014", "01990001", (7, 8, 7), False),
    ("VZ-DEMOH03", "Chantal", "Meijer", "GM0037", "01990002", (9, 9, 5), True),
    ("VZ-DEMOH04", "Dennis", "Kramer", "GM0037", "01990002", (6, 7, 7), False),
    ("VZ-DEMOH05", "Esther", "Postma", "GM0014", "01990001", (8, 8, 6), False),
    ("VZ-DEMOH06", "Frank", "Huisman", "GM0047", "01990003", (7, 8, 8), True),
    ("VZ-DEMOH07", "Gerda", "de Boer", "GM0014", "01990001", (8, 9, 6), False),
    ("VZ-DEMOH08", "Hamza", "Yilmaz", "GM0037", "01990002", (9, 10, 7), True),
    ("VZ-DEMOH09", "Ilse", "Visser", "GM0014", "01990001", (7, 7, 5), False),
    ("VZ-DEMOH10", "Joost", "Smit", "GM0047", "01990003", (6, 8, 6), False),
    ("VZ-DEMOH11", "Karin", "Hofman", "GM0014", "01990001", (8, 9, 7), True),
    ("VZ-DEMOH12", "Lucas", "Bosma", "GM0037", "01990002", (9, 8, 6), False),
    ("VZ-DEMOH13", "Marieke", "Jonker", "GM0014", "01990001", (7, 6, 8), True),
    ("VZ-DEMOH14", "Niels", "Wolters", "GM0014", "01990001", (8, 9, 7), False),
]
# The demo handover of this week, and the marks its participant gave with her expert.
THIS_WEEK = ("VZ-DEMO0004", (8, 9, 7))
DAYS_APART = 6


def seed_demo_experience(*, today: dt.date) -> None:
    """The past handovers with their answers, and this week's answers."""
    existing = set(
        Participant.objects.filter(public_id__startswith="VZ-DEMOH").values_list(
            "public_id", flat=True
        )
    )
    current = Period.containing(today, PeriodKind.QUARTER)
    previous = Period.containing(current.start - dt.timedelta(days=1), PeriodKind.QUARTER)
    expert = User.objects.get(email="eva.expert@voorzorg.example")
    provider = Organisation.objects.get(agb_code="22990001")
    region = Region.objects.get(name=DEMO_REGION)
    for index, row in enumerate(PAST_HANDOVERS):
        if row[0] in existing:
            continue
        answered_on = previous.start + dt.timedelta(days=index * DAYS_APART)
        with transaction.atomic():
            _past_handover(
                row, answered_on=answered_on, expert=expert, provider=provider, region=region
            )
    _this_week(expert)


def _past_handover(
    row: tuple,
    *,
    answered_on: dt.date,
    expert: User,
    provider: Organisation,
    region: Region,
) -> None:
    pid, given, family, cbs, agb, marks, herself = row
    referral_date = answered_on - dt.timedelta(days=90)
    participant = Participant(
        given_name=given,
        family_name=family,
        phone=f"06 2100 {pid[-2:]}00",
        municipality=Organisation.objects.get(cbs_code=cbs),
        postcode4="9700" if cbs == "GM0014" else "9500",
        gp_practice=Organisation.objects.get(agb_code=agb),
    )
    participant.full_clean()
    participant.save()
    Participant.objects.filter(pk=participant.pk).update(public_id=pid)
    Consent.objects.create(
        participant=participant, kind=ConsentKind.PROCESSING, given_on=referral_date
    )
    handed_over_at = local_midnight(answered_on) + dt.timedelta(hours=11)
    closed_at = handed_over_at + dt.timedelta(days=14)
    referral = Referral.objects.create(
        participant=participant,
        source="gp",
        gp_practice=participant.gp_practice,
        region=region,
        referral_date=referral_date,
        help_question="Wachtte op behandeling; zocht steun en lotgenoten.",
        life_domains=["sociale_relaties"],
        care_level="gb-ggz",
        intended_provider=provider,
        assigned_expert=expert,
        first_contact_date=referral_date + dt.timedelta(days=5),
        status=ReferralStatus.CLOSED,
        close_reason="treatment_started",
        status_changed_at=closed_at,
    )
    for at, before, after in (
        (local_midnight(referral_date) + dt.timedelta(hours=9), "", ReferralStatus.SUBMITTED),
        (handed_over_at, ReferralStatus.IN_BRIDGING, ReferralStatus.HANDED_OVER),
        (closed_at, ReferralStatus.HANDED_OVER, ReferralStatus.CLOSED),
    ):
        ReferralEvent.objects.create(
            referral=referral, at=at, by=expert, from_status=before, to_status=after
        )
    handover = Handover.objects.create(
        referral=referral,
        provider=provider,
        meeting_at=handed_over_at - dt.timedelta(days=1),
        provider_acknowledged_on=answered_on - dt.timedelta(days=1),
        provider_acknowledged_by=expert,
        open_signals_checked=True,
        completed_at=handed_over_at,
        completed_by=expert,
    )
    supported, contact_known, ready = marks
    HandoverExperience.objects.create(
        handover=handover,
        supported=supported,
        contact_known=contact_known,
        ready=ready,
        entered_by=ExperienceEnteredBy.PARTICIPANT if herself else ExperienceEnteredBy.EXPERT,
        entered_at=handed_over_at + dt.timedelta(hours=1),
        recorded_by=None if herself else expert,
    )


def _this_week(expert: User) -> None:
    """Jan's answers at his handover of this week, as his expert records them."""
    pid, (supported, contact_known, ready) = THIS_WEEK
    handover = Handover.objects.filter(referral__participant__public_id=pid).first()
    if handover is None or HandoverExperience.objects.filter(handover=handover).exists():
        return
    experience_record(
        actor=demo_actor(expert),
        referral=handover.referral,
        supported=supported,
        contact_known=contact_known,
        ready=ready,
    )
    # Answered at the handover itself, not at the moment of seeding.
    HandoverExperience.objects.filter(handover=handover).update(
        entered_at=handover.completed_at or timezone.now()
    )
