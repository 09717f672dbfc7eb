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
        for user in users:
            lead = ", team lead" if user.team_lead else ""
            self.stdout.write(f"  {user.region:<10} {user.role.label:<24} {user.email}{lead}")
