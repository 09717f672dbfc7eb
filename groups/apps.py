from __future__ import annotations

from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"

    def ready(self) -> None:
        from . import person_record

        # Its part of the person record: scope, dossier section, erasure, retention.
        person_record.register()
