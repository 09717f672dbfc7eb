from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "voorzorg.notifications"
    label = "notifications"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from voorzorg.accounts import navigation

        from .selectors import unread_count

        # Her unread notifications, beside "Meldingen" in the menu.
        navigation.register_menu_badge("notifications:inbox", unread_count, label=_("ongelezen"))
