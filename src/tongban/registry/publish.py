"""Publish: the difference between the new golden records and the published ones, applied to the serving database.

DuckDB keeps a mirror of what was published (``published``). A build writes its difference to ``pending`` (with the
build id), applies it to the serving database in the caller's one transaction, and only after that commit folds it
into the mirror. A build killed in between leaves ``pending`` behind; the next build first settles it — folding it
in when the serving database shows that build published, dropping it otherwise — so nothing is applied twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from tongban.db import utcnow
from tongban.registry.bases import BaseSpec
from tongban.registry.model import Change, Person

BATCH = 10_000
DATES = {"birth_date", "death_date"}


@dataclass(frozen=True)
class Published:
    """What a publish changed."""

    created: int = 0
    changed: int = 0
    retired: int = 0


def _q(name: str) -> str:
    return '"' + name + '"'


def ensure_mirror(con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> None:
    columns = ", ".join(f"{_q(f)} VARCHAR" for f in spec.fields)
    con.execute(f"CREATE TABLE IF NOT EXISTS published (key VARCHAR PRIMARY KEY, {columns}, history VARCHAR[])")


def pending_build(con: duckdb.DuckDBPyConnection) -> int | None:
    """The build whose difference was computed but not yet folded into the mirror, if any."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pending_meta'").fetchone()
    if not exists or not exists[0]:
        return None
    row = con.execute("SELECT build_id FROM pending_meta").fetchone()
    return int(row[0]) if row else None


def diff(con: duckdb.DuckDBPyConnection, spec: BaseSpec, build_id: int) -> None:
    """Compute ``pending``: created, changed (with the fields) and retired keys, against the mirror."""
    ensure_mirror(con, spec)
    changed = " OR ".join(f"g.{_q(f)}.v IS DISTINCT FROM p.{_q(f)}" for f in spec.fields)
    fields = ", ".join(f"CASE WHEN g.{_q(f)}.v IS DISTINCT FROM p.{_q(f)} THEN '{f}' END" for f in spec.fields)
    con.execute(f"""
        CREATE OR REPLACE TABLE pending AS
        SELECT coalesce(g.key, p.key) AS key,
               CASE WHEN p.key IS NULL THEN 'created' WHEN g.key IS NULL THEN 'retired' ELSE 'changed' END AS change,
               [x FOR x IN [{fields}] IF x IS NOT NULL] AS fields, g.* EXCLUDE (key)
        FROM golden g FULL OUTER JOIN published p ON g.key = p.key
        WHERE p.key IS NULL OR g.key IS NULL OR {changed}
           OR g.history IS DISTINCT FROM p.history""")
    con.execute("CREATE OR REPLACE TABLE pending_meta AS SELECT CAST(? AS BIGINT) AS build_id", [build_id])


def _rows(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    cursor = con.execute("SELECT * FROM pending ORDER BY key")
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(BATCH):
        for values in batch:
            yield dict(zip(names, values, strict=True))


def _record(row: dict[str, Any], spec: BaseSpec, build_id: int) -> dict[str, Any]:
    values: dict[str, Any] = {"id_number": row["key"], "build_id": build_id, "former_names": row["history"] or [],
                              "retired_at": None}
    provenance = {}
    for field in spec.fields:
        pick = row[field]
        value = pick["v"] if pick else None
        values[field] = dt.date.fromisoformat(value) if value and field in DATES else value
        if pick:
            at = pick["at"]
            provenance[field] = {"department": pick["dept"], "feed": pick["feed"], "row": pick["row"],
                                 "at": at.isoformat() if hasattr(at, "isoformat") else at}
    values["provenance"] = provenance
    return values


def apply(session: Session, con: duckdb.DuckDBPyConnection, spec: BaseSpec, build_id: int) -> Published:
    """Apply ``pending`` to the serving tables in the session's transaction (the caller commits)."""
    counts = {"created": 0, "changed": 0, "retired": 0}
    now = utcnow()
    creates: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for row in _rows(con):
        counts[row["change"]] += 1
        changes.append({"base": spec.name, "key": row["key"], "change": row["change"], "fields": row["fields"],
                        "build_id": build_id, "at": now})
        if row["change"] == "created":
            creates.append(_record(row, spec, build_id))
        elif row["change"] == "changed":
            session.execute(update(Person).where(Person.id_number == row["key"])
                            .values(**_record(row, spec, build_id)))
        else:
            session.execute(update(Person).where(Person.id_number == row["key"])
                            .values(retired_at=now, build_id=build_id))
        if len(creates) >= BATCH:
            session.execute(insert(Person), creates)
            creates = []
        if len(changes) >= BATCH:
            session.execute(insert(Change), changes)
            changes = []
    if creates:
        session.execute(insert(Person), creates)
    if changes:
        session.execute(insert(Change), changes)
    return Published(**counts)


def fold(con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> None:
    """After the serving commit: make the mirror what was just published, and forget ``pending``."""
    ensure_mirror(con, spec)
    picks = ", ".join(f"{_q(f)}.v" for f in spec.fields)
    con.execute("BEGIN")
    con.execute("DELETE FROM published WHERE key IN (SELECT key FROM pending)")
    con.execute(f"INSERT INTO published SELECT key, {picks}, history FROM pending WHERE change != 'retired'")
    con.execute("DROP TABLE pending")
    con.execute("DROP TABLE pending_meta")
    con.execute("COMMIT")


def discard(con: duckdb.DuckDBPyConnection) -> None:
    """Forget a difference whose build never committed."""
    con.execute("DROP TABLE IF EXISTS pending")
    con.execute("DROP TABLE IF EXISTS pending_meta")
