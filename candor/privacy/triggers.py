"""Database triggers that refuse UPDATE and DELETE on the audit log (SQLite and PostgreSQL).

The triggers stop the application — or anyone using its connections — from rewriting history;
the hash chain and the signed checkpoints detect whatever goes around them (someone with the
database's owner rights can drop a trigger, but not forge the chain past a checkpoint).

On SQLite the trigger calls ``candor_audit_guard()``, a function only Candor's own connections
define: a tool that opens the file without it fails the statement (fail closed). The test suite
alone sets ``MAINTENANCE`` so that test databases can be flushed between tests.
"""

from __future__ import annotations

from typing import Any

MAINTENANCE = False  # never set outside the test suite

TABLE = "privacy_auditentry"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS privacy_audit_no_update BEFORE UPDATE ON {TABLE}
        WHEN candor_audit_guard() BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS privacy_audit_no_delete BEFORE DELETE ON {TABLE}
        WHEN candor_audit_guard() BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS privacy_audit_no_update",
    "DROP TRIGGER IF EXISTS privacy_audit_no_delete",
]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION candor_audit_refuse() RETURNS trigger AS $$
    BEGIN
      IF current_setting('candor.audit_maintenance', true) = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'the audit log is append-only';
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER privacy_audit_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION candor_audit_refuse()""",
    f"""CREATE TRIGGER privacy_audit_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION candor_audit_refuse()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS privacy_audit_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS privacy_audit_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS candor_audit_refuse()",
]


def register_sqlite_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "candor_audit_guard", 0, lambda: 0 if MAINTENANCE else 1
        )
    elif connection.vendor == "postgresql" and MAINTENANCE:
        with connection.connection.cursor() as cursor:
            cursor.execute("SET candor.audit_maintenance = 'on'")


def create(apps: Any, schema_editor: Any) -> None:
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)
