"""Publish: the difference between the new golden records and the published ones, applied to the serving database.

DuckDB keeps a mirror of what was published (``published``). A build writes its difference to ``pending`` (the keys
created, changed or retired, with the build id; the values stay in ``golden``), applies it to the serving database in
the caller's one transaction, and only after that commit makes the golden records the mirror (renamed: not copied,
so the mirror's fields are golden's structs; a mirror from before holds plain values, :func:`mirror_values` reads
both). A build killed in between leaves ``pending`` behind; the next build first settles it — folding it in when
the serving database shows that build published (``golden`` is still that build's: the next one has not resolved
yet), dropping it otherwise — so nothing is applied twice.

On SQLite the rows are first staged (:func:`stage`): streamed as Arrow batches to a loader process that binds them
in C through ADBC (:mod:`tongban.registry.sqlite_loader`) into staging tables of the serving database, outside the
serving transaction and committed in batches, so other writers are not held up. The serving transaction then moves
them in with a statement each; on a base's first publish the staged table becomes the table. Staging tables are
working space: nothing reads them; a build killed before its publish commits leaves them for the next to replace.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tongban.db import Base, utcnow
from tongban.registry import model as _model  # noqa: F401  (the serving tables, in Base.metadata)
from tongban.registry import provenance
from tongban.registry.bases import BaseSpec

log = logging.getLogger(__name__)

BATCH = 10_000
STAGE_BATCH = 100_000  # rows the loader commits at once
CHANGE_COLUMNS = ("base", "key", "change", "fields", "build_id", "at")  # of registry_changes, as written here


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


def mirror_values(con: duckdb.DuckDBPyConnection, spec: BaseSpec, alias: str = "published") -> dict[str, str]:
    """Field → the SQL of its published value in the mirror: ``.v`` of golden's struct, or the plain value of a
    mirror written before the mirror was the golden records themselves."""
    kinds = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = 'published' AND database_name = current_database()").fetchall())
    return {f: f"{alias}.{_q(f)}" + (".v" if str(kinds.get(f, "")).startswith("STRUCT") else "")
            for f in spec.columns}


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
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM published LIMIT 1)").fetchall()[0][0]:
        was = mirror_values(con, spec, "p")
        changed = " OR ".join(f"g.{_q(f)}.v IS DISTINCT FROM {was[f]}" for f in spec.columns)
        fields = ", ".join(f"CASE WHEN g.{_q(f)}.v IS DISTINCT FROM {was[f]} THEN '{f}' END" for f in spec.columns)
        con.execute(f"""
            CREATE OR REPLACE TABLE pending AS
            SELECT coalesce(g.key, p.key) AS key,
                   CASE WHEN p.key IS NULL THEN 'created' WHEN g.key IS NULL THEN 'retired' ELSE 'changed' END
                       AS change,
                   [x FOR x IN [{fields}] IF x IS NOT NULL] AS fields
            FROM golden g FULL OUTER JOIN published p ON g.key = p.key
            WHERE p.key IS NULL OR g.key IS NULL OR {changed}
               OR g.history IS DISTINCT FROM p.history""")
    else:  # the first publish: every record is created (a full outer join with nothing cost a second a million)
        con.execute("CREATE OR REPLACE TABLE pending AS SELECT key, 'created' AS change, []::VARCHAR[] AS fields "
                    "FROM golden")
    con.execute("CREATE OR REPLACE TABLE pending_meta AS SELECT CAST(? AS BIGINT) AS build_id", [build_id])


def _serving_rows(spec: BaseSpec, build_id: int) -> str:
    """The SELECT of the created and changed golden records giving exactly the serving table's columns, provenance
    as compact JSON text (``registry.provenance``), built in DuckDB so that Python only moves tuples. In key order
    (the serving B-trees are appended to): sorted first, the text made as they stream out to the loader, while it
    writes (at 4 M people the first row came after 5.9 s, not 17.7)."""
    values = ", ".join(f"g.{_q(f)}.v AS {_q(f)}" for f in spec.columns)
    written = "(SELECT g.* FROM pending p JOIN golden g USING (key) WHERE p.change != 'retired' ORDER BY g.key)"
    return f"""SELECT key AS {_q(spec.key)}, {values},
                      CAST(to_json(coalesce(g.history, [])) AS VARCHAR) AS former_names,
                      g.provenance, {int(build_id)} AS build_id
               FROM ({provenance.with_provenance(spec.columns, written)}) g"""


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
    return _ahead(_stream(con, sql))


@dataclass(frozen=True)
class Staged:
    """Staging tables of the serving database holding a build's records and change-log rows (:func:`stage`)."""

    records: str
    changes: str


def _sqlite_file(bind: Engine) -> str | None:
    database = bind.url.database
    if bind.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def _changes_sql(spec: BaseSpec, build_id: int) -> str:
    now = utcnow().isoformat(sep=" ")
    # By key alone: a sort by (change, key) cost three times as much; a created record's fields are "[]".
    return f"""SELECT '{spec.name}' AS base, key, change,
                      CASE WHEN len(fields) = 0 THEN '[]' ELSE CAST(to_json(fields) AS VARCHAR) END AS fields,
                      {int(build_id)} AS build_id, '{now}' AS at
               FROM pending ORDER BY key"""


def stage(bind: Engine, con: duckdb.DuckDBPyConnection, spec: BaseSpec, build_id: int) -> Staged | None:
    """Write ``pending``'s created and changed records, and its change-log rows, into staging tables of a SQLite
    serving database (None for any other database: :func:`apply` writes straight in). Outside the serving
    transaction; idempotent — the staging tables are made afresh."""
    path = _sqlite_file(bind)
    if path is None:
        return None
    staged = Staged(f"{spec.table}_staged", f"registry_changes_staged_{spec.name}")
    with bind.begin() as conn:
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                   (spec.table,)).scalar_one()
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staged.records}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staged.changes}")
        conn.exec_driver_sql(_renamed(ddl, spec.table, staged.records))
        conn.exec_driver_sql(f"CREATE TABLE {staged.changes} ({', '.join(CHANGE_COLUMNS)})")
    try:
        _load(path, staged.records, con, _serving_rows(spec, build_id))
        _load(path, staged.changes, con, _changes_sql(spec, build_id))
    except BaseException:
        unstage(bind, staged)
        raise
    return staged


def unstage(bind: Engine, staged: Staged | None) -> None:
    """Drop the staging tables of a publish that will not commit, so that their pages are free for other use (best
    effort: with the disk full even this can fail, and the next build makes them afresh anyway)."""
    if staged is None:
        return
    try:
        with bind.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staged.records}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staged.changes}")
    except SQLAlchemyError as exc:
        log.warning("could not drop the staging tables %s, %s: %s", staged.records, staged.changes, exc)


def _renamed(ddl: str, table: str, to: str) -> str:
    """``ddl`` (a CREATE TABLE from sqlite_master) creating ``to`` instead of ``table``."""
    named, count = re.subn(rf'^(\s*CREATE\s+TABLE\s+)("{table}"|{table})(?=[\s(])', rf"\g<1>{to}", ddl, flags=re.I)
    if count != 1:
        raise ValueError(f"cannot rename {table} in {ddl[:80]!r}")
    return named


class StageFailed(RuntimeError):
    """The process writing staged rows into SQLite failed; its message says why."""


def _load(database: str, table: str, con: duckdb.DuckDBPyConnection, rows: str) -> None:
    """Append the rows of the DuckDB query ``rows`` to ``table`` of the SQLite file ``database``: Arrow batches
    streamed to :mod:`tongban.registry.sqlite_loader` in a process of its own, which binds them in C while the
    next batch is computed here. The query runs on a DuckDB cursor of its own, so it reads only tables, not
    ``con``'s temporary ones.

    The stream is ended only after the query's last batch: if the query fails part-way (a full disk while DuckDB
    spills, say) the loader is killed and the error raised, so a partial table is never taken for the whole. The
    loader reports how many rows it wrote, and a count other than the rows sent fails the load too."""
    with con.cursor() as query, tempfile.TemporaryFile() as errors:
        reader = query.sql(rows).to_arrow_reader(STAGE_BATCH)
        child = subprocess.Popen([sys.executable, "-m", "tongban.registry.sqlite_loader", database, table,
                                  str(os.getpid())],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        assert child.stdin is not None and child.stdout is not None
        try:
            sent = _send(reader, child.stdin)
        except BaseException:  # the query failed (or the build was stopped): the loader must not end the stream
            child.kill()
            child.wait()
            raise
        finally:
            if not child.stdin.closed:
                try:
                    child.stdin.close()
                except OSError:
                    pass
        written, status = child.stdout.read().decode("ascii", "replace").strip(), child.wait()
        child.stdout.close()
        if status:
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise StageFailed(f"staging {table} in {database} failed: {lines[-1] if lines else f'status {status}'}")
        if sent is None:
            raise StageFailed(f"staging {table} in {database} failed: the loader stopped reading")
        if written != str(sent):
            raise StageFailed(f"staging {table} in {database} failed: {sent} rows sent, the loader wrote {written}")


def _send(reader: pa.RecordBatchReader, sink: Any) -> int | None:
    """Stream every batch of ``reader`` to ``sink`` and end the stream; the rows sent, or None when the loader
    stopped reading (a broken pipe: its exit status and message say why). An error of the query is raised."""
    sent = 0
    try:
        out = pa.ipc.new_stream(sink, reader.schema)
    except OSError:
        return None
    for batch in _ahead(iter(reader)):
        try:
            out.write_batch(batch)
        except OSError:
            return None
        sent += batch.num_rows
    try:
        out.close()
        sink.close()
    except OSError:
        return None
    return sent


def _ahead(batches: Iterator[Any]) -> Iterator[Any]:
    """The items of ``batches``, the next one produced in a thread while the caller handles this one. When the
    caller stops early the thread stops too (it never blocks on a queue nobody reads)."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()
    done = object()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in batches:
                if not offer(item):
                    return
            offer(done)
        except BaseException as exc:  # handed to the caller
            offer(exc)

    worker = threading.Thread(target=produce, name="publish-fetch", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def apply(session: Session, con: duckdb.DuckDBPyConnection, spec: BaseSpec, build_id: int,
          staged: Staged | None = None) -> Published:
    """Apply ``pending`` to the serving tables in the session's transaction (the caller commits).

    Set-based: changed records are deleted and written again with the created ones — moved in from the staging
    tables when :func:`stage` wrote them, else in batches of plain tuples through the driver (an ORM object per
    record cost 130 µs; this is a few)."""
    counts = dict(con.execute("SELECT change, count(*) FROM pending GROUP BY change").fetchall())
    table = Base.metadata.tables[spec.table]
    key = table.c[spec.key]
    columns = [spec.key, *spec.columns, "former_names", "provenance", "build_id"]
    # Changed records are written again; a created key may be one retired earlier that came back.
    published = session.execute(select(key).limit(1)).first() is not None
    if staged is not None:
        _move_in(session, spec, staged, columns, swap=not published)
    else:
        rewritten = "'changed', 'created'" if published else "'changed'"
        for batch in _stream(con, f"SELECT key FROM pending WHERE change IN ({rewritten})"):
            session.execute(table.delete().where(key.in_([k for (k,) in batch])))
        _write(session, con, spec.table, columns, _serving_rows(spec, build_id))
    if counts.get("retired"):
        _retire(session, con, spec, build_id)
    if staged is None:
        _write(session, con, "registry_changes", list(CHANGE_COLUMNS), _changes_sql(spec, build_id))
    return Published(int(counts.get("created", 0)), int(counts.get("changed", 0)), int(counts.get("retired", 0)))


def _move_in(session: Session, spec: BaseSpec, staged: Staged, columns: list[str], *, swap: bool) -> None:
    """Move the staged records and change-log rows into the serving tables, in the session's transaction. On a
    base's first publish (``swap``) the staged table becomes the table, its indexes made again: no row is copied."""
    conn = session.connection()
    if swap:
        indexes = [sql for (sql,) in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (spec.table,))]
        conn.exec_driver_sql(f"DROP TABLE {spec.table}")
        conn.exec_driver_sql(f"ALTER TABLE {staged.records} RENAME TO {spec.table}")
        for sql in indexes:
            conn.exec_driver_sql(sql)
    else:
        listed = ", ".join(columns)
        conn.exec_driver_sql(f"DELETE FROM {spec.table} WHERE {spec.key} IN (SELECT {spec.key} FROM {staged.records})")
        conn.exec_driver_sql(f"INSERT INTO {spec.table} ({listed}) SELECT {listed} FROM {staged.records} "
                             f"ORDER BY {spec.key}")
        conn.exec_driver_sql(f"DROP TABLE {staged.records}")
    listed = ", ".join(CHANGE_COLUMNS)
    conn.exec_driver_sql(f"INSERT INTO registry_changes ({listed}) SELECT {listed} FROM {staged.changes} "
                         "ORDER BY rowid")
    conn.exec_driver_sql(f"DROP TABLE {staged.changes}")


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
    applied turns the published ones into them: renamed, not copied (a copy of their values cost 1.8 s a million
    records) — and forget ``pending``, in the caller's DuckDB transaction."""
    con.execute("DROP TABLE IF EXISTS published")
    con.execute("ALTER TABLE golden RENAME TO published")
    con.execute("DROP TABLE pending")
    con.execute("DROP TABLE pending_meta")


def discard(con: duckdb.DuckDBPyConnection) -> None:
    """Forget a difference whose build never committed."""
    con.execute("DROP TABLE IF EXISTS pending")
    con.execute("DROP TABLE IF EXISTS pending_meta")
