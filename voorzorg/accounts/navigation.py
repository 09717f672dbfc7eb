"""Start pages and menus per role: the one place that says where each role goes."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .constants import Role


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str | Promise
    # True while the page only says that it is coming: the menu shows that plainly.
    placeholder: bool = False
    # Shown only to experience experts with the team-lead flag.
    team_lead_only: bool = False


START_PAGE: dict[str, str] = {
    Role.POH: "referrals:mine",
    Role.EXPERT: "groups:worklist",
    Role.COORDINATOR: "monitoring:dashboard",
    Role.ADMIN: "accounts:beheer",
}

MENU: dict[str, list[MenuItem]] = {
    Role.POH: [
        MenuItem("referrals:mine", _("Mijn verwijzingen")),
        MenuItem("referrals:create", _("Nieuwe verwijzing")),
        MenuItem("groups:signal_list", _("Signalen")),
        MenuItem("accounts:my_organisation", _("Mijn praktijk")),
    ],
    Role.EXPERT: [
        MenuItem("groups:worklist", _("Mijn werklijst")),
        MenuItem("groups:group_list", _("Mijn groepen")),
        MenuItem("referrals:intake_queue", _("Aanmeldingen"), team_lead_only=True),
        MenuItem("groups:team", _("Team"), team_lead_only=True),
        MenuItem("accounts:my_organisation", _("Mijn organisatie")),
    ],
    Role.COORDINATOR: [
        MenuItem("monitoring:dashboard", _("Dashboard")),
    ],
    Role.ADMIN: [
        MenuItem("accounts:beheer", _("Beheer")),
        MenuItem("referrals:intake_queue", _("Aanmeldingen")),
        MenuItem("groups:group_list", _("Mijn groepen")),
        MenuItem("groups:team", _("Team")),
        MenuItem("monitoring:dashboard", _("Dashboard")),
        MenuItem("audit:log", _("Toegangslog")),
        # Also in the menu of a "not found" page: where an admin asks for emergency access.
        MenuItem("audit:break_glass", _("Noodtoegang")),
    ],
}
