"""Make the access log append-only in the database itself (PostgreSQL).

A row-level trigger rejects every UPDATE and DELETE, whatever client issues it. TRUNCATE
is not covered: it needs table ownership, which the application role should not have in
production (docs/architecture.md), and the test runner uses it to reset tables.
"""

from __future__ import annotations

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_accesslog_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accesslog is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_accesslog_append_only ON audit_accesslog;
CREATE TRIGGER audit_accesslog_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslog
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_reject_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_accesslog_append_only ON audit_accesslog;
DROP FUNCTION IF EXISTS audit_accesslog_reject_change();
"""


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
