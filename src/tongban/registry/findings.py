"""Quarantined rows, doubtful-data notices (疑义) and the clerical review queue, published with a build the same way
as golden records.

``diff`` computes what is new — the quarantined rows of feeds published for the first time, the conflicts not yet
sent, the rows linkage left for a clerk (and the open reviews a later build settled) — into ``pending_*`` tables;
``apply`` writes them in the publish transaction; ``fold`` records them as sent once that transaction has committed
(``discard`` forgets them when it has not).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import insert
from sqlalchemy.orm import Session

from sqlalchemy import tuple_, update

from tongban.db import utcnow
from tongban.registry.model import Conflict, QuarantinedRow, Review

BATCH = 5_000


REVIEW_VALUES = ("name", "sex", "birth_date", "id_input", "phone", "household_address", "residence_address",
                 "company_name", "credit_code_input", "domicile", "business_address", "legal_rep_name")


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS sent_conflicts (key VARCHAR, item VARCHAR, other_value VARCHAR, "
                "department_id BIGINT)")
    con.execute('CREATE TABLE IF NOT EXISTS sent_reviews (feed_id BIGINT, "row" BIGINT)')


def _reviews(con: duckdb.DuckDBPyConnection) -> None:
    """``pending_reviews``: rows linkage left for a clerk, not sent before, with their standardised values;
    ``settled_reviews``: rows sent before that this build linked (a new feed gave their key, a clerk accepted) or
    no longer holds; their open reviews close. A row is sent for review once."""
    have = {c for (c, *_) in con.execute("DESCRIBE r").fetchall()}
    values = ", ".join(f"'{c}': CAST(r.\"{c}\" AS VARCHAR)" for c in REVIEW_VALUES if c in have)
    con.execute(f"""
        CREATE OR REPLACE TABLE pending_reviews AS
        SELECT l.feed_id, l."row", l.key AS candidate, l.probability, to_json({{{values}}}) AS "values"
        FROM links l JOIN r USING (feed_id, "row")
        ANTI JOIN sent_reviews s ON s.feed_id = l.feed_id AND s."row" = l."row"
        WHERE l.decision = 'review'""")
    con.execute("""
        CREATE OR REPLACE TABLE settled_reviews AS
        SELECT feed_id, "row" FROM sent_reviews
        EXCEPT SELECT feed_id, "row" FROM links WHERE decision IN ('review', 'rejected')""")


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
    _reviews(con)
    con.execute("""
        CREATE OR REPLACE TABLE pending_reopened AS
        SELECT o.feed_id, o."row", to_json(r.findings) AS reasons
        FROM outcomes o JOIN r USING (feed_id, "row") JOIN replays p USING (feed_id, "row")
        WHERE o.outcome = 'quarantined' AND p.status = 'corrected'""")


def _batches(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(BATCH):
        yield [dict(zip(names, row, strict=True)) for row in batch]


def apply(session: Session, con: duckdb.DuckDBPyConnection, base: str, build_id: int) -> int:
    """Write the pending quarantine rows, conflicts and reviews; returns how many conflicts were sent."""
    for rows in _batches(con, 'SELECT * FROM pending_reviews ORDER BY feed_id, "row"'):
        session.execute(insert(Review), [
            {"base": base, "feed_id": r["feed_id"], "row": r["row"], "candidate": r["candidate"],
             "probability": float(r["probability"]), "values": json.loads(r["values"]), "build_id": build_id}
            for r in rows])
    for rows in _batches(con, 'SELECT * FROM pending_reopened'):  # corrected, and still breaking a hard rule
        for r in rows:
            session.execute(update(QuarantinedRow).where(
                QuarantinedRow.base == base, QuarantinedRow.feed_id == r["feed_id"], QuarantinedRow.row == r["row"],
                QuarantinedRow.status == "corrected").values(status="open", reasons=json.loads(r["reasons"])))
    for rows in _batches(con, 'SELECT * FROM settled_reviews'):
        session.execute(update(Review).where(tuple_(Review.feed_id, Review.row).in_(
            [(r["feed_id"], r["row"]) for r in rows]), Review.status == "open")
            .values(status="settled", decided_by="build", decided_at=utcnow()))
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
        con.execute('INSERT INTO sent_reviews SELECT feed_id, "row" FROM pending_reviews')
    for table in ("pending_reviews", "settled_reviews", "pending_reopened"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DROP TABLE IF EXISTS pending_conflicts")
    con.execute("DROP TABLE IF EXISTS pending_quarantine")
    con.execute("COMMIT")


def discard(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("pending_reviews", "settled_reviews", "pending_reopened"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DROP TABLE IF EXISTS pending_conflicts")
    con.execute("DROP TABLE IF EXISTS pending_quarantine")
