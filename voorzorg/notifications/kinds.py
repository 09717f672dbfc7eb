"""The kinds of notification: what each says in the app and by e-mail, and to whom.

The in-app text is written when the inbox is shown, from the kind and the notification's
safe parameters (the participant's pseudonymous number, a colleague's name), so it
follows the reader's language. The e-mail says only *that* something happened and where
to read it after signing in: no participant number, no name, nothing about health. An
e-mail leaves our systems and sits in inboxes, phones and backups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import Role
from voorzorg.accounts.policy import HANDOVER_PARTY_ROLES, TEAM_LEAD_ROLES

if TYPE_CHECKING:
    from voorzorg.accounts.models import Membership


class NotificationKind(models.TextChoices):
    REFERRAL_NEW = "referral_new", _("Nieuwe verwijzing voor het team")
    REFERRAL_ACCEPTED = "referral_accepted", _("Verwijzing geaccepteerd")
    REFERRAL_DECLINED = "referral_declined", _("Verwijzing afgewezen")
    REFERRAL_ASSIGNED = "referral_assigned", _("Verwijzing toegewezen aan een ervaringsdeskundige")
    ASSIGNMENT_NEW = "assignment_new", _("Nieuwe deelnemer aan u toegewezen")
    FIRST_CONTACT = "first_contact", _("Eerste contact vastgelegd")
    HANDOVER_COMPLETED = "handover_completed", _("Warme overdracht afgerond")
    HANDOVER_NEEDED = "handover_needed", _("Overdracht nodig")
    HANDOVER_ADDRESSED = "handover_addressed", _("Warme overdracht wacht op uw bevestiging")
    HANDOVER_CONFIRMED = "handover_confirmed", _("Aanbieder bevestigde de overdracht")
    HANDOVER_MESSAGE = "handover_message", _("Bericht over een overdracht")
    HANDOVER_RECEIVED = "handover_received", _("Warme overdracht aan uw organisatie afgerond")


def _poh(m: Membership) -> bool:
    return m.role == Role.POH


def _expert(m: Membership) -> bool:
    return m.role == Role.EXPERT


def _provider(m: Membership) -> bool:
    return m.role == Role.PROVIDER


def _sending_side(m: Membership) -> bool:
    return _poh(m) or _expert(m)


def _handover_party(m: Membership) -> bool:
    return m.role in HANDOVER_PARTY_ROLES


def _intake_team(m: Membership) -> bool:
    # Team leads handle the intake queue; an admin of the region hears of it when the
    # region has no team lead. An expert needs the team-lead flag besides her role.
    return m.role in TEAM_LEAD_ROLES and (m.role != Role.EXPERT or m.is_team_lead)


@dataclass(frozen=True)
class KindSpec:
    # In the app, with %(number)s (the participant number) and the kind's own parameters.
    text: Promise
    email_subject: Promise
    # One sentence, no number, no name, no health detail.
    email_text: Promise
    # Whom it can reach: the settings page offers its e-mail choice to these memberships.
    audience: Callable[[Membership], bool]
    # Parameters stored as codes, shown in the reader's language: name -> code -> label.
    param_labels: Mapping[str, Mapping[str, Promise]] = field(default_factory=dict)


KINDS: dict[str, KindSpec] = {
    NotificationKind.REFERRAL_NEW: KindSpec(
        text=_("Nieuwe verwijzing voor deelnemer %(number)s: wacht op een besluit."),
        email_subject=_("Nieuwe verwijzing in Voorzorg"),
        email_text=_("Er is een nieuwe verwijzing voor uw team in Voorzorg."),
        audience=_intake_team,
    ),
    NotificationKind.REFERRAL_ACCEPTED: KindSpec(
        text=_("De verwijzing van deelnemer %(number)s is geaccepteerd."),
        email_subject=_("Verwijzing geaccepteerd in Voorzorg"),
        email_text=_("Een verwijzing van u is geaccepteerd door het overbruggingsteam."),
        audience=_poh,
    ),
    NotificationKind.REFERRAL_DECLINED: KindSpec(
        text=_("De verwijzing van deelnemer %(number)s is afgewezen. Lees de reden."),
        email_subject=_("Verwijzing afgewezen in Voorzorg"),
        email_text=_(
            "Een verwijzing van u is afgewezen door het overbruggingsteam; "
            "na inloggen leest u de reden."
        ),
        audience=_poh,
    ),
    NotificationKind.REFERRAL_ASSIGNED: KindSpec(
        text=_("Deelnemer %(number)s is toegewezen aan ervaringsdeskundige %(expert)s."),
        email_subject=_("Verwijzing toegewezen in Voorzorg"),
        email_text=_("Een verwijzing van u is toegewezen aan een ervaringsdeskundige."),
        audience=_poh,
    ),
    NotificationKind.ASSIGNMENT_NEW: KindSpec(
        text=_("Deelnemer %(number)s is aan u toegewezen. Neem contact op."),
        email_subject=_("Nieuwe deelnemer in Voorzorg"),
        email_text=_("Er is een nieuwe deelnemer aan u toegewezen in Voorzorg."),
        audience=_expert,
    ),
    NotificationKind.FIRST_CONTACT: KindSpec(
        text=_("Eerste contact met deelnemer %(number)s: de overbrugging is gestart."),
        email_subject=_("Eerste contact in Voorzorg"),
        email_text=_(
            "Er is een eerste contact geweest met een deelnemer die u verwees; "
            "de overbrugging is gestart."
        ),
        audience=_poh,
    ),
    NotificationKind.HANDOVER_COMPLETED: KindSpec(
        text=_("De warme overdracht van deelnemer %(number)s is afgerond."),
        email_subject=_("Warme overdracht afgerond in Voorzorg"),
        email_text=_(
            "De warme overdracht van een deelnemer die u verwees is afgerond; "
            "de brief voor de huisarts staat klaar."
        ),
        audience=_poh,
    ),
    NotificationKind.HANDOVER_NEEDED: KindSpec(
        text=_(
            "Deelnemer %(number)s: %(stage)s bij %(provider)s op %(date)s is bekend. "
            "De warme overdracht is nodig."
        ),
        email_subject=_("Overdracht nodig in Voorzorg"),
        email_text=_(
            "Bij een deelnemer is de intake of de behandeling bij de GGZ-aanbieder bekend; "
            "de warme overdracht is nodig."
        ),
        audience=_sending_side,
        param_labels={
            "stage": {
                "intake": _("de intake"),
                "treatment_start": _("de start van de behandeling"),
            }
        },
    ),
    NotificationKind.HANDOVER_ADDRESSED: KindSpec(
        text=_("Een warme overdracht van deelnemer %(number)s wacht op uw bevestiging."),
        email_subject=_("Warme overdracht voor uw organisatie in Voorzorg"),
        email_text=_(
            "Er staat een warme overdracht voor uw organisatie klaar in Voorzorg; "
            "bevestig de ontvangst na inloggen."
        ),
        audience=_provider,
    ),
    NotificationKind.HANDOVER_CONFIRMED: KindSpec(
        text=_("%(provider)s bevestigde de overdracht van deelnemer %(number)s."),
        email_subject=_("Overdracht bevestigd in Voorzorg"),
        email_text=_("De GGZ-aanbieder heeft de ontvangst van een overdracht bevestigd."),
        audience=_sending_side,
    ),
    NotificationKind.HANDOVER_MESSAGE: KindSpec(
        text=_("Nieuw bericht van %(author)s over de overdracht van deelnemer %(number)s."),
        email_subject=_("Nieuw bericht over een overdracht in Voorzorg"),
        email_text=_("Er is een nieuw bericht over een warme overdracht in Voorzorg."),
        audience=_handover_party,
    ),
    NotificationKind.HANDOVER_RECEIVED: KindSpec(
        text=_("De warme overdracht van deelnemer %(number)s aan uw organisatie is afgerond."),
        email_subject=_("Warme overdracht afgerond in Voorzorg"),
        email_text=_(
            "Een warme overdracht aan uw organisatie is afgerond; de gegevens staan in Voorzorg."
        ),
        audience=_provider,
    ),
}


def kinds_for(memberships: list[Membership]) -> list[NotificationKind]:
    """The kinds that can reach someone with these memberships, in the order above."""
    return [
        NotificationKind(kind)
        for kind, spec in KINDS.items()
        if any(spec.audience(m) for m in memberships)
    ]
