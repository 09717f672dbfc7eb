"""Start pages and menus per role: the one place that says where each role goes.

A menu item may carry a count (the open signals waiting for a POH-GGZ): the app that owns
the page registers it (``register_menu_badge``) in its ``AppConfig.ready()``, so the menu
needs no import of an app above ``accounts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .constants import Role
from .models import Membership

# membership -> the number shown beside a menu item (0: no badge).
MenuBadge = Callable[[Membership], int]


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
    Role.PROVIDER: "referrals:provider_list",
    Role.MUNICIPALITY: "monitoring:dashboard",
}

MENU: dict[str, list[MenuItem]] = {
    Role.POH: [
        MenuItem("referrals:mine", _("Mijn verwijzingen")),
        MenuItem("referrals:create", _("Nieuwe verwijzing")),
        MenuItem("groups:signal_list", _("Signalen")),
        MenuItem("notifications:inbox", _("Meldingen")),
        MenuItem("accounts:my_organisation", _("Mijn praktijk")),
    ],
    Role.EXPERT: [
        MenuItem("groups:worklist", _("Mijn werklijst")),
        MenuItem("groups:group_list", _("Mijn groepen")),
        MenuItem("referrals:intake_queue", _("Aanmeldingen"), team_lead_only=True),
        MenuItem("groups:team", _("Team"), team_lead_only=True),
        MenuItem("notifications:inbox", _("Meldingen")),
        MenuItem("accounts:my_expert_profile", _("Mijn profiel")),
        MenuItem("accounts:my_organisation", _("Mijn organisatie")),
    ],
    Role.COORDINATOR: [
        MenuItem("monitoring:dashboard", _("Dashboard")),
    ],
    Role.MUNICIPALITY: [
        MenuItem("monitoring:dashboard", _("Dashboard")),
        MenuItem("monitoring:dashboard_compare", _("Vergelijken")),
        MenuItem("accounts:my_organisation", _("Mijn gemeente")),
    ],
    Role.PROVIDER: [
        MenuItem("referrals:provider_list", _("Overdrachten")),
        MenuItem("notifications:inbox", _("Meldingen")),
        MenuItem("accounts:my_organisation", _("Mijn organisatie")),
    ],
    Role.ADMIN: [
        MenuItem("accounts:beheer", _("Beheer")),
        MenuItem("accounts:user_list", _("Gebruikers")),
        MenuItem("referrals:intake_queue", _("Aanmeldingen")),
        MenuItem("groups:group_list", _("Mijn groepen")),
        MenuItem("groups:team", _("Team")),
        MenuItem("monitoring:dashboard", _("Dashboard")),
        MenuItem("notifications:inbox", _("Meldingen")),
        MenuItem("audit:log", _("Toegangslog")),
        # Also in the menu of a "not found" page: where an admin asks for emergency access.
        MenuItem("audit:break_glass", _("Noodtoegang")),
    ],
}


_badges: dict[str, tuple[MenuBadge, str | Promise]] = {}

# What follows a badge's number for screen readers unless its app says otherwise.
BADGE_LABEL = _("open")


def register_menu_badge(
    url_name: str, count: MenuBadge, *, label: str | Promise = BADGE_LABEL
) -> None:
    """Show ``count(membership)`` beside the menu item for ``url_name``, when not 0.

    ``label`` follows the number for screen readers only ("3 open", "2 ongelezen").
    """
    _badges[url_name] = (count, label)


class ShownMenuItem:
    """A menu item as one membership sees it. Its badge is counted only when the menu is
    rendered, and once."""

    def __init__(self, item: MenuItem, membership: Membership) -> None:
        self.item = item
        self.membership = membership
        self.url_name = item.url_name
        self.label = item.label
        self.placeholder = item.placeholder

    @cached_property
    def badge(self) -> int:
        registered = _badges.get(self.url_name)
        return registered[0](self.membership) if registered is not None else 0

    @property
    def badge_label(self) -> str | Promise:
        registered = _badges.get(self.url_name)
        return registered[1] if registered is not None else ""


def menu_for(membership: Membership | None) -> list[ShownMenuItem]:
    """The menu of the role ``membership`` acts in (team-lead items only for a team lead)."""
    if membership is None:
        return []
    return [
        ShownMenuItem(item, membership)
        for item in MENU.get(membership.role, [])
        if not item.team_lead_only or membership.is_team_lead
    ]
