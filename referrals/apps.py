from __future__ import annotations

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self) -> None:
        from . import person_record

        # Its part of the person record: scope, dossier section, erasure, retention.
        person_record.register()
