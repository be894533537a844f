"""Append Arrow batches to a table of a SQLite database through ADBC, in a process of its own.

Run as ``python -m tongban.registry.sqlite_loader DATABASE TABLE PARENT_PID`` with an Arrow IPC stream on standard
input; each batch is bound in C (no Python object per value) and committed on its own, so other writers wait one
batch at most. At the end it prints the number of rows written; on failure it prints one line to standard error
and exits with 1. It dies with its parent (a build
killed with -9), so it never goes on writing into a staging table the next build has made afresh.

Why a process: ADBC's driver carries its own copy of SQLite, and two copies of SQLite in one process break each
other's locks on the same file — closing a file descriptor releases every POSIX lock the process holds on that file
(sqlite.org, "How To Corrupt An SQLite Database File", 2.2.1). The serving database is open in the interpreter's
``sqlite3`` module in the parent, never here.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import BinaryIO

import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa


def load(database: str, table: str, source: BinaryIO) -> int:
    """Append every batch of the IPC stream ``source`` to ``table``; the number of rows."""
    rows = 0
    with pa.ipc.open_stream(source) as reader, adbc_sqlite.connect(database, autocommit=True) as db, \
            db.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_size_limit = 67108864")  # as tongban.db's connections
        # No sync at each batch's commit, only at checkpoints: in WAL mode still safe from corruption, and a staging
        # table a power cut left short is made afresh by the next build. Set outside a transaction, as it must be:
        # the connection commits each batch's ingest on its own (autocommit).
        cursor.execute("PRAGMA synchronous = NORMAL")
        for batch in reader:
            cursor.adbc_ingest(table, batch, mode="append")
            rows += batch.num_rows
    return rows


def _die_with(parent: int) -> None:
    """Be killed when the parent dies (Linux); gone already means this process must not write."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        raise SystemExit(1)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[2].isdigit():
        print("usage: python -m tongban.registry.sqlite_loader DATABASE TABLE PARENT_PID < arrow-stream",
              file=sys.stderr)
        return 2
    _die_with(int(argv[2]))
    try:
        rows = load(argv[0], argv[1], sys.stdin.buffer)
    except Exception as exc:  # one line for the parent's error message
        print(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 1
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
