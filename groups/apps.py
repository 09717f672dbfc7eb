from __future__ import annotations

from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"

    def ready(self) -> None:
        from voorzorg.accounts import navigation

        from . import panels, person_record
        from .selectors import open_signal_count

        # Its part of the person record: scope, dossier section, erasure, retention.
        person_record.register()
        # Its parts of the participant page: signals, contacts, Positieve Gezondheid.
        panels.register()
        # The open signals waiting for her, beside "Signalen" in the menu.
        navigation.register_menu_badge("groups:signal_list", open_signal_count)
