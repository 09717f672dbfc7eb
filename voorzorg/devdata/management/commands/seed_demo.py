from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from voorzorg.devdata.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo world (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo accounts share a published password: never in a production database.
        # voorzorg.settings.production does not even install this app; this still stops
        # a deployment's own *.production settings module that builds on base.py.
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("seed_demo refuses to run with production settings.")
        users = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo world ready. Demo logins (password for all):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        # The roles' column as wide as the longest role name, so the addresses line up.
        width = max((len(str(user.role.label)) for user in users), default=0)
        for user in users:
            lead = ", team lead" if user.team_lead else ""
            role = str(user.role.label)
            self.stdout.write(f"  {user.region:<10} {role:<{width}} {user.email}{lead}")
