"""What an attacker with owner rights on the database can do, for the tests that prove the audit chain notices."""

from __future__ import annotations

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("audit_records", "audit_checkpoints", "audit_subjects")


def lift_append_only(conn: Connection) -> None:
    """Do what an attacker with owner rights on the database would: switch off the append-only guard."""
    if conn.dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    else:
        for table in APPEND_ONLY_TABLES:
            for verb in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))
