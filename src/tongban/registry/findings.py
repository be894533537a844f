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
import pyarrow as pa
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session


from tongban.db import utcnow
from tongban.registry.bases import BASES
from tongban.registry.model import Conflict, QuarantinedRow, Review
from tongban.registry.workspace import load_rows

BATCH = 5_000


# The standardised values a review keeps: what the clerk compares, for every base.
REVIEW_VALUES = tuple(dict.fromkeys(mine for spec in BASES.values() for mine, _ in spec.review))


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS sent_conflicts (key VARCHAR, item VARCHAR, other_value VARCHAR, "
                "department_id BIGINT)")


def _reviews(con: duckdb.DuckDBPyConnection) -> None:
    """``pending_reviews``: every row linkage left for a clerk in this build, with its standardised values and the
    suggested record. What is new, what a build settled and what came back is decided against the serving
    database in :func:`apply` (it is the truth: a build killed at any point cannot make a review twice)."""
    have = {c for (c, *_) in con.execute("DESCRIBE r").fetchall()}
    values = ", ".join(f"'{c}': CAST(r.\"{c}\" AS VARCHAR)" for c in REVIEW_VALUES if c in have)
    con.execute(f"""
        CREATE OR REPLACE TABLE pending_reviews AS
        SELECT l.feed_id, l."row", l.key AS candidate, l.probability, to_json({{{values}}}) AS "values"
        FROM links l JOIN r USING (feed_id, "row") WHERE l.decision = 'review'""")


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
    _apply_reviews(session, con, base, build_id)
    for rows in _batches(con, 'SELECT * FROM pending_reopened'):  # corrected, and still breaking a hard rule
        for r in rows:
            session.execute(update(QuarantinedRow).where(
                QuarantinedRow.base == base, QuarantinedRow.feed_id == r["feed_id"], QuarantinedRow.row == r["row"],
                QuarantinedRow.status == "corrected").values(status="open", reasons=json.loads(r["reasons"])))
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


def _apply_reviews(session: Session, con: duckdb.DuckDBPyConnection, base: str, build_id: int) -> None:
    """New reviews are inserted; a review a build had settled that is doubtful again reopens with the new
    suggestion; an open review whose row this build linked (a new feed gave its key) or no longer holds is settled.
    Decided reviews (accepted, rejected) are left as the clerk left them."""
    known = session.execute(select(Review.id, Review.feed_id, Review.row, Review.status)
                            .where(Review.base == base)).all()
    load_rows(con, "_known_reviews", {"id": pa.int64(), "feed_id": pa.int64(), "row": pa.int64(),
                                      "status": pa.string()}, known)
    try:
        for rows in _batches(con, """SELECT p.* FROM pending_reviews p
                                     ANTI JOIN _known_reviews k USING (feed_id, "row") ORDER BY feed_id, "row" """):
            session.execute(insert(Review), [
                {"base": base, "feed_id": r["feed_id"], "row": r["row"], "candidate": r["candidate"],
                 "probability": float(r["probability"]), "values": json.loads(r["values"]), "build_id": build_id}
                for r in rows])
        for rows in _batches(con, """SELECT k.id, p.candidate, p.probability, p."values" FROM pending_reviews p
                                     JOIN _known_reviews k USING (feed_id, "row") WHERE k.status = 'settled'"""):
            for r in rows:
                session.execute(update(Review).where(Review.id == r["id"]).values(
                    status="open", candidate=r["candidate"], probability=float(r["probability"]),
                    values=json.loads(r["values"]), decided_by="", decided_at=None, build_id=build_id))
        for rows in _batches(con, """SELECT k.id FROM _known_reviews k ANTI JOIN pending_reviews p USING (feed_id, "row")
                                     WHERE k.status = 'open'"""):
            session.execute(update(Review).where(Review.id.in_([r["id"] for r in rows]))
                            .values(status="settled", decided_by="build", decided_at=utcnow()))
    finally:
        con.execute("DROP TABLE IF EXISTS _known_reviews")


def _delivered(values: dict[str, Any]) -> dict[str, Any]:
    values.pop("row", None)
    return values


def fold(con: duckdb.DuckDBPyConnection) -> None:
    """Record the conflicts as sent and forget the pending tables — in the caller's DuckDB transaction, with the
    golden records' fold."""
    _ensure(con)
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pending_conflicts'").fetchone()
    if exists and exists[0]:
        con.execute("INSERT INTO sent_conflicts SELECT key, item, other_value, department_id FROM pending_conflicts")
    discard(con)


def discard(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("pending_reviews", "pending_reopened", "pending_conflicts", "pending_quarantine"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
