"""Publish: the difference between the new golden records and the published ones, applied to the serving database.

DuckDB keeps a mirror of what was published (``published``). A build writes its difference to ``pending`` (the keys
created, changed or retired, with the build id; the values stay in ``golden``), applies it to the serving database in
the caller's one transaction, and only after that commit makes the mirror the golden records. A build killed in
between leaves ``pending`` behind; the next build first settles it — folding it in when the serving database shows
that build published (``golden`` is still that build's: the next one has not resolved yet), dropping it otherwise —
so nothing is applied twice.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.db import Base, utcnow
from tongban.registry import model as _model  # noqa: F401  (the serving tables, in Base.metadata)
from tongban.registry import provenance
from tongban.registry.bases import BaseSpec

BATCH = 10_000


@dataclass(frozen=True)
class Published:
    """What a publish changed."""

    created: int = 0
    changed: int = 0
    retired: int = 0


def _q(name: str) -> str:
    return '"' + name + '"'


def ensure_mirror(con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> None:
    columns = ", ".join(f"{_q(f)} VARCHAR" for f in spec.columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS published (key VARCHAR, {columns}, history VARCHAR[])")
    for field in spec.columns:  # a mirror from before a field was added
        con.execute(f"ALTER TABLE published ADD COLUMN IF NOT EXISTS {_q(field)} VARCHAR")


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
    changed = " OR ".join(f"g.{_q(f)}.v IS DISTINCT FROM p.{_q(f)}" for f in spec.columns)
    fields = ", ".join(f"CASE WHEN g.{_q(f)}.v IS DISTINCT FROM p.{_q(f)} THEN '{f}' END" for f in spec.columns)
    con.execute(f"""
        CREATE OR REPLACE TABLE pending AS
        SELECT coalesce(g.key, p.key) AS key,
               CASE WHEN p.key IS NULL THEN 'created' WHEN g.key IS NULL THEN 'retired' ELSE 'changed' END AS change,
               [x FOR x IN [{fields}] IF x IS NOT NULL] AS fields
        FROM golden g FULL OUTER JOIN published p ON g.key = p.key
        WHERE p.key IS NULL OR g.key IS NULL OR {changed}
           OR g.history IS DISTINCT FROM p.history""")
    con.execute("CREATE OR REPLACE TABLE pending_meta AS SELECT CAST(? AS BIGINT) AS build_id", [build_id])


def _serving_rows(spec: BaseSpec, build_id: int) -> str:
    """The SELECT of the created and changed golden records giving exactly the serving table's columns, provenance
    as compact JSON text (``registry.provenance``), built in DuckDB so that Python only moves tuples."""
    values = ", ".join(f"g.{_q(f)}.v AS {_q(f)}" for f in spec.columns)
    return f"""SELECT key, {values}, CAST(to_json(coalesce(g.history, [])) AS VARCHAR) AS former_names,
                      {provenance.compact_sql(spec.columns, "g.srcs")} AS provenance, {int(build_id)} AS build_id
               FROM pending p JOIN (SELECT *, {provenance.sources_sql(spec.columns)} AS srcs FROM golden g) g
                    USING (key)
               WHERE p.change != 'retired' ORDER BY key"""


def _placeholders(session: Session, count: int) -> str:
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


def _stream(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    cursor = con.execute(sql)
    while batch := cursor.fetchmany(BATCH):
        yield batch


def _stream_ahead(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    """:func:`_stream`, the next batch fetched in a thread while the caller writes this one (DuckDB and the
    database driver both let go of the GIL while they work). The caller must not use ``con`` meanwhile."""
    ready: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for batch in _stream(con, sql):
                while not stop.is_set():
                    try:
                        ready.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(None)
        except BaseException as exc:  # handed to the caller
            ready.put(exc)

    worker = threading.Thread(target=fetch, name="publish-fetch", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def apply(session: Session, con: duckdb.DuckDBPyConnection, spec: BaseSpec, build_id: int) -> Published:
    """Apply ``pending`` to the serving tables in the session's transaction (the caller commits).

    Set-based: changed records are deleted and written again with the created ones, in batches of plain tuples
    through the driver (an ORM object per record cost 130 µs; this is a few)."""
    counts = dict(con.execute("SELECT change, count(*) FROM pending GROUP BY change").fetchall())
    table = Base.metadata.tables[spec.table]
    key = table.c[spec.key]
    # Changed records are written again; a created key may be one retired earlier that came back.
    rewritten = "'changed', 'created'" if session.execute(select(key).limit(1)).first() else "'changed'"
    for batch in _stream(con, f"SELECT key FROM pending WHERE change IN ({rewritten})"):
        session.execute(table.delete().where(key.in_([k for (k,) in batch])))
    _write(session, con, spec.table, [spec.key, *spec.columns, "former_names", "provenance", "build_id"],
           _serving_rows(spec, build_id))
    if counts.get("retired"):
        _retire(session, con, spec, build_id)
    now = utcnow().isoformat(sep=" ")
    _write(session, con, "registry_changes", ["base", "key", "change", "fields", "build_id", "at"],
           f"""SELECT '{spec.name}', key, change, CAST(to_json(fields) AS VARCHAR), {int(build_id)}, '{now}'
               FROM pending ORDER BY change, key""")
    return Published(int(counts.get("created", 0)), int(counts.get("changed", 0)), int(counts.get("retired", 0)))


def _write(session: Session, con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: str) -> None:
    """Insert the rows of the DuckDB query ``rows`` into ``table`` in the session's transaction: COPY on
    PostgreSQL (several times faster than INSERTs), batches of prepared INSERTs on SQLite."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for batch in _stream_ahead(con, rows):
                for row in batch:
                    copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(session, len(columns))})"
    for batch in _stream_ahead(con, rows):
        conn.exec_driver_sql(sql, batch)


def _retire(session: Session, con: duckdb.DuckDBPyConnection, spec: BaseSpec, build_id: int) -> None:
    """A record no source holds any more keeps its last values, marked retired."""
    table = Base.metadata.tables[spec.table]
    now = utcnow()
    for batch in _stream(con, "SELECT key FROM pending WHERE change = 'retired'"):
        keys = [k for (k,) in batch]
        session.execute(table.update().where(table.c[spec.key].in_(keys)).values(retired_at=now, build_id=build_id))


def fold(con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> None:
    """After the serving commit: make the mirror what was just published — the golden records, since the difference
    applied turns the published ones into them — and forget ``pending``, in the caller's DuckDB transaction."""
    picks = ", ".join(f"{_q(f)}.v AS {_q(f)}" for f in spec.columns)
    con.execute(f"CREATE OR REPLACE TABLE published AS SELECT key, {picks}, history FROM golden")
    con.execute("DROP TABLE pending")
    con.execute("DROP TABLE pending_meta")


def discard(con: duckdb.DuckDBPyConnection) -> None:
    """Forget a difference whose build never committed."""
    con.execute("DROP TABLE IF EXISTS pending")
    con.execute("DROP TABLE IF EXISTS pending_meta")
