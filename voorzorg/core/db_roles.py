"""Two database roles: an owner that migrates, and the application's role that owns nothing.

The access log is append-only in the database through a trigger (audit migration 0002),
but a table's owner or a superuser gets past any trigger: ``TRUNCATE``, ``ALTER TABLE ...
DISABLE TRIGGER``, ``SET session_replication_role = replica``. So in a deployment the
tables belong to an owner role that only ``migrate`` uses (``DATABASE_MIGRATE_URL``), and
the application connects as a role (``DATABASE_URL``) that holds only the grants below: on
an append-only table SELECT and INSERT, never UPDATE, DELETE or TRUNCATE.

Opt-in: without ``DATABASE_MIGRATE_URL`` ``migrate`` runs on ``DATABASE_URL`` as it always
did (development on SQLite, CI as ``postgres``). docs/security.md, "Database roles".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder


class DatabaseRoleError(Exception):
    """The role split cannot be set up as asked, or would not hold."""


# Tables the application may read and add to, never change, remove or empty. Filled by
# the apps that own them (voorzorg.audit's AppConfig.ready), so core imports no app.
_append_only: list[type[models.Model]] = []


def register_append_only(model: type[models.Model]) -> None:
    """The application's role gets SELECT and INSERT on ``model``'s table, nothing more."""
    if model not in _append_only:
        _append_only.append(model)


def append_only_tables() -> list[str]:
    return sorted(model._meta.db_table for model in _append_only)


# What DATABASE_MIGRATE_URL replaces: who connects, and where. Never the database's name,
# so a test database stays the test database (settings check that both URLs name the same).
OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def owner_configured() -> bool:
    return bool(getattr(settings, "DATABASE_MIGRATE", None))


def app_role_name(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The role the application connects as: the user of DATABASE_URL."""
    return connections[alias].settings_dict["USER"]


@contextmanager
def owner_connection(alias: str = DEFAULT_DB_ALIAS) -> Iterator[BaseDatabaseWrapper]:
    """Connection ``alias``, reconnected as the owner of DATABASE_MIGRATE_URL for the block.

    The connection itself is switched rather than a second alias added, so everything
    ``migrate`` runs (its post_migrate handlers too) uses the owner without a router, and
    the processes that never call this have no owner connection at all.
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        raise DatabaseRoleError("Cannot switch to the owner role inside a transaction.")
    owner = settings.DATABASE_MIGRATE
    saved = {key: connection.settings_dict.get(key) for key in (*OWNER_KEYS, "OPTIONS")}
    connection.close()
    connection.settings_dict.update({key: owner.get(key, "") for key in OWNER_KEYS})
    connection.settings_dict["OPTIONS"] = {**(saved["OPTIONS"] or {}), **owner.get("OPTIONS", {})}
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


ROLE_NAME = re.compile(r"[a-z_][a-z0-9_$]{0,62}")
APP_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class GrantSummary:
    role: str
    schema: str
    tables: int
    append_only: list[str]

    def __str__(self) -> str:
        return (
            f"Role {self.role}: SELECT, INSERT, UPDATE, DELETE on the {self.tables} tables of"
            f" schema {self.schema} and the ones added later; only SELECT, INSERT on"
            f" {', '.join(self.append_only) or '(none)'}; no TRUNCATE, no CREATE, owns nothing."
        )


def grant_app_role(*, connection: BaseDatabaseWrapper, role: str) -> GrantSummary:
    """(Re)apply the application role's grants in the current schema. Safe to run twice.

    Run as the role that owns the tables (the one ``migrate`` ran as), after every
    migration: every table of the schema gets SELECT, INSERT, UPDATE and DELETE, every
    sequence USAGE and SELECT, and tables created later by this owner get the same
    (ALTER DEFAULT PRIVILEGES); append-only tables only SELECT and INSERT; the migration
    history only SELECT. No TRUNCATE anywhere, no CREATE on the schema. One transaction,
    so the running application never sees the grants half-applied; afterwards the role is
    checked against what the split needs (``check_app_role``), and a role that could still
    get past the access log's trigger is refused with the reason.
    """
    if connection.vendor != "postgresql":
        raise DatabaseRoleError(f"The role split needs PostgreSQL, not {connection.vendor}.")
    if not role:
        raise DatabaseRoleError("DATABASE_URL names no user: name the application's role.")
    if not ROLE_NAME.fullmatch(role):
        raise DatabaseRoleError(f"Not a plain role name (lower case, digits, _): {role!r}.")
    qn = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_schema(), current_user,"
            " EXISTS (SELECT FROM pg_roles WHERE rolname = %s)",
            [role],
        )
        schema, me, exists = cursor.fetchone()
        if not exists:
            raise DatabaseRoleError(f"Role {role} does not exist; create it first.")
        if role == me:
            raise DatabaseRoleError(
                f"{role} is the role running this command: the application's role must be "
                "another one than the owner's."
            )
        r, s = qn(role), qn(schema)
        statements = [
            # From a clean slate, so a grant given by an earlier version does not linger.
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
            f"REVOKE CREATE ON SCHEMA {s} FROM {r}",
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"GRANT {APP_TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {s} TO {r}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {APP_TABLE_PRIVILEGES} ON TABLES TO {r}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            # The application never migrates: it may read the history, not write it.
            f"REVOKE INSERT, UPDATE, DELETE ON {qn(MigrationRecorder.Migration._meta.db_table)}"
            f" FROM {r}",
        ]
        statements += [
            f"REVOKE UPDATE, DELETE ON {qn(table)} FROM {r}" for table in append_only_tables()
        ]
        for statement in statements:
            cursor.execute(statement)
        problems = check_app_role(connection=connection, role=role)
        if problems:
            # Raising rolls the grants back: the role keeps what it had, and the caller
            # (migrate, a deployment) stops with the reasons.
            raise DatabaseRoleError(
                f"Role {role} could still get past the access log's protection: "
                + "; ".join(problems)
                + ". See docs/security.md, 'Database roles'."
            )
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = %s::regnamespace"
            " AND relkind IN ('r', 'p')",
            [schema],
        )
        (tables,) = cursor.fetchone()
    return GrantSummary(role=role, schema=schema, tables=tables, append_only=append_only_tables())


def check_app_role(*, connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """What ``role`` may do that the application's role must not; empty when all is well.

    The ways past an append-only trigger: being a superuser, owning the table (or being a
    member of its owner: ``SET ROLE``), owning the schema (DROP), CREATEROLE (which can
    grant itself the owner's membership), TRUNCATE/UPDATE/DELETE on the table, and the
    right to SET session_replication_role (PostgreSQL 15+ can grant it).
    """
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = %s",
            [role],
        )
        superuser, createrole = cursor.fetchone()
        if superuser:
            problems.append("it is a superuser")
        if createrole:
            problems.append("it has CREATEROLE")
        cursor.execute(
            "SELECT pg_has_role(%s, nspowner, 'MEMBER'), has_schema_privilege(%s, oid, 'CREATE')"
            " FROM pg_namespace WHERE nspname = current_schema()",
            [role, role],
        )
        owns_schema, creates = cursor.fetchone()
        if owns_schema:
            problems.append("it owns the schema (or is a member of its owner)")
        if creates:
            problems.append("it may CREATE in the schema")
        cursor.execute(
            "SELECT relname FROM pg_class"
            " WHERE relnamespace = current_schema()::regnamespace"
            " AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
            " AND pg_has_role(%s, relowner, 'MEMBER') ORDER BY relname",
            [role],
        )
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            problems.append(
                "it owns (or is a member of the owner of) "
                + ", ".join(owned[:5])
                + (f" and {len(owned) - 5} more" if len(owned) > 5 else "")
            )
        for table in append_only_tables():
            cursor.execute(
                "SELECT has_table_privilege(%s, %s, 'SELECT'),"
                " has_table_privilege(%s, %s, 'INSERT'),"
                " has_table_privilege(%s, %s, 'TRUNCATE'),"
                " has_table_privilege(%s, %s, 'DELETE'),"
                " has_any_column_privilege(%s, %s, 'UPDATE'),"
                " has_table_privilege(%s, %s, 'TRIGGER')",
                [role, table] * 6,
            )
            select, insert, *changes = cursor.fetchone()
            names = ("TRUNCATE", "DELETE", "UPDATE", "TRIGGER")
            granted = [name for name, has in zip(names, changes, strict=True) if has]
            if granted:
                problems.append(f"it may {', '.join(granted)} {table}")
            if not (select and insert):
                problems.append(f"it may not SELECT and INSERT {table}")
        if connection.pg_version >= 150000:
            cursor.execute(
                "SELECT has_parameter_privilege(%s, 'session_replication_role', 'SET')", [role]
            )
            if cursor.fetchone()[0]:
                problems.append("it may SET session_replication_role")
    return problems
