"""(Re)apply the application role's grants; ``migrate`` does it itself with an owner URL."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from voorzorg.core.db_roles import (
    DatabaseRoleError,
    app_role_name,
    grant_app_role,
    owner_configured,
    owner_connection,
)


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role what it needs and no more: data rights on "
        "every table, only SELECT and INSERT on the access log, nothing it could use to get "
        "past the log's append-only trigger. Runs as DATABASE_MIGRATE_URL's owner when set, "
        "else as DATABASE_URL's user. Safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role", help="the application's role (default: the user of DATABASE_URL)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, role: str | None, database: str, **options: Any) -> None:
        role = role or app_role_name(database)
        try:
            if owner_configured() and database == DEFAULT_DB_ALIAS:
                with owner_connection(database) as connection:
                    summary = grant_app_role(connection=connection, role=role)
            else:
                summary = grant_app_role(connection=connections[database], role=role)
        except DatabaseRoleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(str(summary)))
