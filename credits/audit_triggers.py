"""Database triggers that make the audit table append-only (UPDATE and DELETE refused), PostgreSQL and SQLite.

Installed by migration 0006_approval_workflow; the functions are also what a test uses to prove the trigger is there.
"""
from __future__ import annotations

TABLE = "credits_auditevent"
PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION credits_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS credits_audit_append_only ON {TABLE};
CREATE TRIGGER credits_audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION credits_audit_append_only();
"""
PG_DROP = f"""
DROP TRIGGER IF EXISTS credits_audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS credits_audit_append_only();
"""
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS credits_audit_no_{op.lower()} BEFORE {op} ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only ({op} refused)'); END"""
    for op in ("UPDATE", "DELETE")
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS credits_audit_no_{op}" for op in ("update", "delete")]


def _statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "postgresql":
        return [PG_INSTALL if install else PG_DROP]
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_DROP
    return []  # another database: the model and queryset guards still refuse


def install_triggers(connection) -> None:
    """Create the append-only triggers (idempotent)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=True):
            cursor.execute(sql)


def drop_triggers(connection) -> None:
    """Remove them (the migration's reverse; tests that flush a SQLite database)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=False):
            cursor.execute(sql)
