"""The participant's journey as one dated list: referrals, status changes, waits, handover."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Participant

from ..models import Referral, ReferralEvent


@dataclass(frozen=True)
class TimelineItem:
    when: dt.date
    title: str
    detail: str = ""


def participant_timeline(participant: Participant, referrals: list[Referral]) -> list[TimelineItem]:
    """Newest first. Only referrals the viewer may see are passed in."""
    items: list[TimelineItem] = []
    events = ReferralEvent.objects.filter(referral__in=referrals).select_related("by")
    for event in events:
        who = event.by.full_name if event.by else _("deelnemer zelf")
        items.append(
            TimelineItem(
                timezone.localtime(event.at).date(),
                _("Verwijzing: %(status)s") % {"status": event.get_to_status_display()},
                f"{who}. {event.reason}".strip(),
            )
        )
    for referral in referrals:
        if referral.first_contact_date:
            items.append(TimelineItem(referral.first_contact_date, _("Eerste contact")))
        handover = getattr(referral, "handover", None)
        if handover is not None and handover.completed_at:
            items.append(
                TimelineItem(
                    timezone.localtime(handover.completed_at).date(),
                    _("Warme overdracht afgerond"),
                    str(handover.provider),
                )
            )
    for episode in participant.waiting_episodes.select_related("provider"):
        for day, label in (
            (episode.registration_date, _("Aangemeld bij GGZ-aanbieder")),
            (episode.intake_date, _("Intake")),
            (episode.treatment_start_date, _("Start behandeling")),
            (episode.closed_date, _("Wachtplek afgesloten")),
        ):
            if day:
                items.append(TimelineItem(day, label, str(episode.provider)))
    return sorted(items, key=lambda item: item.when, reverse=True)
