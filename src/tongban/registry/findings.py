"""Quarantined rows and doubtful-data notices (疑义), published with a build the same way as golden records.

``diff`` computes what is new — the quarantined rows of feeds published for the first time, the conflicts not yet
sent — into ``pending_*`` tables; ``apply`` writes them in the publish transaction; ``fold`` records the conflicts
as sent once that transaction has committed (``discard`` forgets them when it has not).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tongban.registry.model import Conflict, QuarantinedRow

BATCH = 5_000


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS sent_conflicts (key VARCHAR, item VARCHAR, other_value VARCHAR, "
                "department_id BIGINT)")


def diff(con: duckdb.DuckDBPyConnection, new_feeds: dict[int, Path]) -> None:
    """``pending_quarantine`` (rows of ``new_feeds``, by id with their ingested file) and ``pending_conflicts``
    (conflicts not sent before). A quarantined row keeps its values as delivered and every finding."""
    _ensure(con)
    parts = []
    for feed_id, ingested in new_feeds.items():
        parts.append(f"""
            SELECT o.feed_id, o."row", to_json(s.findings) AS reasons, to_json(r) AS "values"
            FROM outcomes o JOIN std_{int(feed_id)} s ON s."row" = o."row"
                 JOIN read_parquet('{ingested}') r ON r."row" = o."row"
            WHERE o.feed_id = {int(feed_id)} AND o.outcome = 'quarantined' AND s.hard""")
    parts.append(f"""
        SELECT feed_id, "row", to_json([{{'rule': rule, 'item': '', 'value': ''}}]) AS reasons,
               to_json({{'text': text}}) AS "values"
        FROM rejects WHERE feed_id IN ({', '.join(str(int(f)) for f in new_feeds) or 'NULL'})""")
    con.execute(f"CREATE OR REPLACE TABLE pending_quarantine AS {' UNION ALL '.join(parts)}")
    con.execute("""
        CREATE OR REPLACE TABLE pending_conflicts AS
        SELECT c.* FROM conflicts c
        ANTI JOIN sent_conflicts s ON s.key = c.key AND s.item = c.item AND s.other_value = c.other_value
                                   AND s.department_id = c.department_id""")


def _batches(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(BATCH):
        yield [dict(zip(names, row, strict=True)) for row in batch]


def apply(session: Session, con: duckdb.DuckDBPyConnection, base: str, build_id: int) -> int:
    """Write the pending quarantine rows and conflicts; returns how many conflicts were sent."""
    for rows in _batches(con, 'SELECT * FROM pending_quarantine ORDER BY feed_id, "row"'):
        session.execute(insert(QuarantinedRow), [
            {"base": base, "feed_id": r["feed_id"], "row": r["row"], "reasons": json.loads(r["reasons"]),
             "values": _delivered(json.loads(r["values"]))} for r in rows])
    sent = 0
    for rows in _batches(con, "SELECT * FROM pending_conflicts ORDER BY key, item"):
        session.execute(insert(Conflict), [
            {"base": base, "key": r["key"], "item": r["item"], "kept_value": r["kept_value"] or "",
             "kept_from": r["kept_from"], "other_value": r["other_value"] or "", "department_id": r["department_id"],
             "feed_id": r["feed_id"], "row": r["row"], "build_id": build_id} for r in rows])
        sent += len(rows)
    return sent


def _delivered(values: dict[str, Any]) -> dict[str, Any]:
    values.pop("row", None)
    return values


def fold(con: duckdb.DuckDBPyConnection) -> None:
    _ensure(con)
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pending_conflicts'").fetchone()
    con.execute("BEGIN")
    if exists and exists[0]:
        con.execute("INSERT INTO sent_conflicts SELECT key, item, other_value, department_id FROM pending_conflicts")
    con.execute("DROP TABLE IF EXISTS pending_conflicts")
    con.execute("DROP TABLE IF EXISTS pending_quarantine")
    con.execute("COMMIT")


def discard(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS pending_conflicts")
    con.execute("DROP TABLE IF EXISTS pending_quarantine")
