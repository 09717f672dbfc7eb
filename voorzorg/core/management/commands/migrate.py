"""Django's ``migrate``, as the owner role when DATABASE_MIGRATE_URL is set.

Then, still as the owner, it (re)applies the application role's grants, so a new table is
never left without them and the access log never with more (voorzorg/core/db_roles.py).
A wrapper rather than a second DATABASES alias with a router: the one ``default``
connection is reconnected as the owner for the command, so every query ``migrate`` makes,
its post_migrate handlers' too, runs as the owner, and no other process ever holds an
owner connection. Without DATABASE_MIGRATE_URL it is Django's ``migrate``, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS

from voorzorg.core.db_roles import (
    DatabaseRoleError,
    app_role_name,
    grant_app_role,
    owner_configured,
    owner_connection,
)


class Command(migrate.Command):
    help = (
        migrate.Command.help
        + " With DATABASE_MIGRATE_URL: as that owner role, then grants DATABASE_URL's role"
        " what the application needs (db_grant_app_role)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not owner_configured() or options["database"] != DEFAULT_DB_ALIAS:
            super().handle(*args, **options)
            return
        role = app_role_name(options["database"])
        try:
            with owner_connection(options["database"]) as connection:
                super().handle(*args, **options)
                if options["plan"] or options["check_unapplied"]:
                    return
                summary = grant_app_role(connection=connection, role=role)
        except DatabaseRoleError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(str(summary)))
