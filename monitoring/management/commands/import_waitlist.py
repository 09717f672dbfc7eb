from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from monitoring.importer import waitlist_import
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import User
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Import a GGZ provider's waitlist CSV (format: docs/indicators.md). All or nothing: "
        "any invalid row imports nothing and every invalid row is reported. Safe to run "
        "twice. Exits non-zero when the file is not imported."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="The CSV file (UTF-8, separator , or ;).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only check the file; write nothing."
        )
        parser.add_argument(
            "--user",
            metavar="EMAIL",
            help="The staff member running the import, recorded in the audit log.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        path = options["path"]
        try:
            file = open(path, "rb")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise CommandError(f"Kan {path} niet openen: {exc.strerror}.") from None
        with file:
            try:
                result = waitlist_import(
                    file=file, filename=path, actor=actor, dry_run=options["dry_run"]
                )
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
        if not result.ok:
            for issue in result.errors:
                self.stderr.write(str(issue))
            if result.errors_not_listed:
                self.stderr.write(
                    f"... en nog {result.errors_not_listed} fout(en) die niet getoond worden."
                )
            # CommandError: manage.py prints it and exits with status 1.
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if result.written and result.changed:
            self.stdout.write(f"Bij te werken perioden: {', '.join(result.queued_period_keys)}")

    def _actor(self, email: str | None) -> Actor:
        if not email:
            return Actor(user=None, membership=None)
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"Geen actieve gebruiker met e-mailadres {email}.")
        membership = user.memberships.select_related("organisation").filter(role=Role.ADMIN).first()
        return Actor(user=user, membership=membership)
