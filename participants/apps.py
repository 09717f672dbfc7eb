from __future__ import annotations

from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"

    def ready(self) -> None:
        from voorzorg.accounts.constants import Role

        from . import registry, selectors

        # The person record's own scope contributions; other apps add theirs in ready().
        registry.register_scope(
            "participants.practice", roles=[Role.POH], contribution=selectors.of_her_practice
        )
        registry.register_scope(
            "participants.regions",
            roles=[Role.ADMIN],
            contribution=selectors.living_in_her_regions,
        )
        registry.register_scope(
            "participants.break_glass",
            roles=[Role.ADMIN],
            contribution=selectors.under_emergency_access,
        )
