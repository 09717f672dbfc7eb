"""Template helpers of the audit pages, and the emergency-access marker on the participant
page (a tag, so the referrals app's view needs no change to show it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import current_membership

from ..selectors import break_glass_grant_for

register = template.Library()

# What an event means, for people reading their own access overview. Unknown: as written.
EVENT_LABELS = {
    "participant.view": _("dossier bekeken"),
    "participant.create": _("deelnemer geregistreerd"),
    "participant.export": _("gegevens geëxporteerd"),
    "participant.erase": _("gegevens gewist"),
    "participant.correct": _("gegevens gecorrigeerd"),
    "participant.history": _("geschiedenis van de gegevens bekeken"),
    "referral.view": _("verwijzing bekeken"),
    "referral.action": _("verwijzing bijgewerkt"),
    "referral.create": _("verwijzing aangemaakt"),
    "referral.self_register": _("zelf aangemeld"),
    "referral.correct": _("verwijzing gecorrigeerd"),
    "referral.history": _("geschiedenis van een verwijzing bekeken"),
    "referrals.list": _("in de lijst verwijzingen"),
    "referrals.export": _("in een export van verwijzingen"),
    "referrals.intake_queue": _("in de lijst aanmeldingen"),
    "handover.view": _("overdracht bekeken"),
    "handover.save": _("overdracht bijgewerkt"),
    "handover.complete": _("overdracht afgerond"),
    "handover.gp_letter": _("brief aan de huisarts bekeken"),
    "consent.give": _("toestemming vastgelegd"),
    "consent.withdraw": _("toestemming ingetrokken"),
    "episode.create": _("wachtplek toegevoegd"),
    "episode.update": _("wachtplek bijgewerkt"),
    "group.roster": _("op de deelnemerslijst van een groep"),
    "enrolment.create": _("ingeschreven in een groep"),
    "enrolment.admit": _("geplaatst in een groep"),
    "enrolment.end": _("uitgeschreven uit een groep"),
    "contact.create": _("contact vastgelegd"),
    "contact.correct": _("contact gecorrigeerd"),
    "contact.withdraw": _("contact ingetrokken"),
    "contact.history": _("geschiedenis van een contact bekeken"),
    "positive_health.create": _("Positieve Gezondheid vastgelegd"),
    "positive_health.correct": _("meting Positieve Gezondheid gecorrigeerd"),
    "positive_health.withdraw": _("meting Positieve Gezondheid ingetrokken"),
    "positive_health.history": _("geschiedenis van een meting bekeken"),
    "signal.view": _("signaal bekeken"),
    "signal.raise": _("signaal gemeld"),
    "signal.acknowledge": _("signaal gezien"),
    "signal.resolve": _("signaal afgehandeld"),
    "signals.list": _("in de lijst signalen"),
    "worklist": _("op een werklijst"),
    "audit.view": _("toegangslog geraadpleegd"),
    "audit.export": _("toegangslog geëxporteerd"),
    "audit.participant_overview": _("dit overzicht bekeken"),
    "break_glass.grant": _("noodtoegang gevraagd"),
    "break_glass.open": _("dossier geopend met noodtoegang"),
    "break_glass.review": _("noodtoegang beoordeeld"),
    "break_glass.view": _("noodtoegang bekeken"),
    "break_glass.list": _("in de lijst noodtoegang"),
    "break_glass.refused": _("noodtoegang geweigerd"),
}


@register.filter
def event_label(event: str) -> str:
    """``participant.view:12`` -> "dossier bekeken"; an unknown event as written."""
    return str(EVENT_LABELS.get(event.split(":", 1)[0], event))


@register.inclusion_tag("audit/_break_glass_marker.html", takes_context=True)
def break_glass_marker(context: template.Context, participant: Any) -> dict[str, Any]:
    """The warning shown while an admin reads a record under emergency access.

    One query, and only for admins: whoever else reads the page cannot hold a grant.
    """
    request = context.get("request")
    membership = current_membership(request) if request is not None else None
    grant = None
    if membership is not None and membership.role == Role.ADMIN:
        grant = break_glass_grant_for(membership, participant.public_id)
    return {"grant": grant}
