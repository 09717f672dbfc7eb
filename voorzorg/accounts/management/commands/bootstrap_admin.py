"""``manage.py bootstrap_admin``: the first functional administrator of an installation."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from voorzorg.accounts.bootstrap import BootstrapError, admin_bootstrap

# The values the command needs, with the question asked for a missing one.
QUESTIONS = {
    "email": "E-mail address (she signs in with it): ",
    "name": "Full name: ",
    "organisation": "Organisation (an existing name, or a new municipality's): ",
}


class Command(BaseCommand):
    help = (
        "Create the first functional administrator (the admin role at an organisation) and "
        "print a one-time link to set her password, then where she sets up the "
        "authenticator app. Refuses when an active administrator exists, unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", help="her e-mail address, which she signs in with")
        parser.add_argument("--name", help="her full name")
        parser.add_argument(
            "--organisation",
            help="the organisation she works for: an existing organisation's name, or a new "
            "municipality's (with --cbs-code)",
        )
        parser.add_argument(
            "--cbs-code",
            default="",
            help="CBS code (e.g. GM0014) to create the organisation as a municipality",
        )
        parser.add_argument(
            "--region",
            default="",
            help="region (made when missing) to put the organisation's municipality in",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="add an administrator even though one exists",
        )
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="never ask: fail when a value is missing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        values = {key: (options.get(key) or "").strip() for key in QUESTIONS}
        missing = [key for key, value in values.items() if not value]
        if missing and options["interactive"] and sys.stdin.isatty():
            for key in missing:
                values[key] = input(QUESTIONS[key]).strip()
            missing = [key for key, value in values.items() if not value]
        if missing:
            raise CommandError("Missing: " + ", ".join(f"--{key}" for key in missing) + ".")
        # Validation messages of the models in English, for the operator.
        with translation.override("en"):
            try:
                result = admin_bootstrap(
                    email=values["email"],
                    full_name=values["name"],
                    organisation_name=values["organisation"],
                    cbs_code=options["cbs_code"],
                    region_name=options["region"],
                    force=options["force"],
                )
            except BootstrapError as error:
                raise CommandError(str(error)) from error

        organisation = result.membership.organisation
        made = " (created)" if result.organisation_created else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Functional administrator {result.user.email} created at {organisation}{made}."
            )
        )
        if result.regions:
            self.stdout.write(f"Region(s): {', '.join(result.regions)}.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Her organisation lies in no region yet, so she sees no region's people. "
                    "Add its municipality to a region (--region, or the admin)."
                )
            )
        days = round(settings.PASSWORD_RESET_TIMEOUT / 86400, 1)
        self.stdout.write("")
        self.stdout.write(
            f"1. Give her this link to set her password (once, within {days:g} days; "
            "it lets anyone who has it set the password, so send it safely):"
        )
        self.stdout.write(f"   {result.set_password_url}")
        self.stdout.write(f"2. She signs in at {result.login_url}")
        self.stdout.write(
            f"3. and sets up her authenticator app at {result.two_factor_setup_url} "
            "(the first sign-in takes her there)."
        )
        if not settings.SITE_URL:
            self.stdout.write(
                self.style.WARNING(
                    "SITE_URL is not set: the links above are paths; put the site's address "
                    "in front of them."
                )
            )
