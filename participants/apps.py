from __future__ import annotations

from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"

    def ready(self) -> None:
        from voorzorg.accounts.constants import Role

        from . import merging, registry, selectors

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
        # Its own rows in a merge of two records: the consents.
        registry.register_merge("participants", merging.CONSENT_MERGE)
        # The administrator's panel on the participant page: merges into this record.
        registry.register_page_panel(
            "participants.merges",
            position=90,
            roles=[Role.ADMIN],
            template="participants/_merges_panel.html",
            context=merging.merges_panel,
        )
